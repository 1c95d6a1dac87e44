// Look-alike: an exported class that never takes anything off the emitter it listens to is
// taken to be made once for the process (a service), and this one's dispose() removes both.
import { settingsBus } from './settings-bus';

export class PaletteService {
  constructor(private readonly el: { draw(): void }) {
    settingsBus.on('palette', () => this.el.draw());
  }
}

export class OutlinePane {
  private readonly onResize = () => this.el.draw();
  private readonly onPalette = () => this.el.draw();

  constructor(private readonly el: { draw(): void }) {
    settingsBus.on('resize', this.onResize);
    settingsBus.on('palette', this.onPalette);
  }

  dispose(): void {
    settingsBus.off('resize', this.onResize);
    settingsBus.off('palette', this.onPalette);
  }
}
