import { Transform, TransformOptions } from 'stream';

type Callback = (error?: Error | null, data?: any) => void;
export type OnTransformFn = (data: any, callback: Callback) => void;

export default class ParallelTransform extends Transform {
  private readonly _maxParallel: number;
  private readonly _ontransform: OnTransformFn;
  private readonly _buffer: any[];
  private _top = 0;
  private _bottom = 0;
  private _finishing = false;
  private ondrain: null | Callback = null;

  constructor(ontransform: OnTransformFn, opts: TransformOptions & { maxParallel?: number }) {
    super({ objectMode: true, ...opts });
    this._maxParallel = opts.maxParallel || 10;
    this._ontransform = ontransform;
    this._buffer = [];
  }

  _transform(chunk: any, encoding: string, callback: Callback): void {
    this._top++;
    this._ontransform(chunk, (err, data) => {
      if (err) {
        this.emit('error', err);
        return;
      }
      this._buffer.push(data);
      this._drain();
    });
    if (this._top - this._bottom < this._maxParallel) {
      callback();
      return;
    }
    this.ondrain = callback;
  }

  _final(callback: Callback) {
    this._finishing = true;
    this.ondrain = callback;
    this._drain();
  }

  // runs every time a transformed item completes
  _drain() {
    while (this._buffer.length > 0) {
      const popped = this._buffer.pop();
      this._bottom++;
      if (popped === null) continue;
      const pipeNotFull = this.push(popped);
      if (!pipeNotFull) {
        this._onPipeFull();
        break;
      }
    }
    if (!this._drained() || !this.ondrain) return;
    const { ondrain } = this;
    this.ondrain = null;
    ondrain();
  }

  _onPipeFull() {
    if (!this.listeners('resume').includes(this._onResume)) {
      this.once('resume', this._onResume);
    }
    if (!this.listeners('readable').includes(this._onReadable)) {
      this.once('readable', this._onReadable);
    }
  }

  _onResume() {
    this._drain();
  }

  _onReadable() {
    this.resume();
  }

  _drained() {
    const diff = this._top - this._bottom;
    return this._finishing ? !diff : diff < this._maxParallel;
  }
}
