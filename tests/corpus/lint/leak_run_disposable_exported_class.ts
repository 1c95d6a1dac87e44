// An exported class the file never makes, whose dispose() takes one of its listeners off a
// module-level emitter: its objects end before that emitter does, so the host makes more
// than one, and the constructor's other listener (never taken off) piles up on the emitter.
// Seventh session; this file's own names and shape.
import { settingsBus } from './settings-bus';

export class PreviewPane {
  private readonly onResize = () => this.layout();

  constructor(private readonly el: { draw(): void }) {
    settingsBus.on('resize', this.onResize);
    settingsBus.on('palette', () => { // expect: listener-not-removed
      this.el.draw();
    });
  }

  layout(): void {
    this.el.draw();
  }

  dispose(): void {
    settingsBus.off('resize', this.onResize);
  }
}
