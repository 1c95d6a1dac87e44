import * as path from 'path';

type InitialModule = {
  filename: string;
  exports: unknown;
  children: InitialModule[];
  parent?: InitialModule | null;
};
type ModuleRegistry = Map<string, InitialModule>;

export default class Runtime {
  private _moduleRegistry: ModuleRegistry;
  private _mockRegistry: Map<string, unknown>;
  private _isolatedModuleRegistry: ModuleRegistry | null;

  constructor() {
    this._moduleRegistry = new Map();
    this._mockRegistry = new Map();
    this._isolatedModuleRegistry = null;
  }

  requireModule(from: string | null, modulePath: string): unknown {
    const moduleRegistry = this._isolatedModuleRegistry || this._moduleRegistry;
    const existing = moduleRegistry.get(modulePath);
    if (existing) return existing.exports;
    const localModule: InitialModule = { filename: modulePath, exports: {}, children: [] };
    moduleRegistry.set(modulePath, localModule);
    this._execModule(localModule, moduleRegistry, from);
    return localModule.exports;
  }

  // called between test files (jest.resetModules and per-test resets)
  resetModules(): void {
    this._isolatedModuleRegistry = null;
    this._mockRegistry.clear();
    this._moduleRegistry.clear();
  }

  private _execModule(localModule: InitialModule, moduleRegistry: ModuleRegistry, from: string | null) {
    const dirname = path.dirname(localModule.filename);
    Object.defineProperty(localModule, 'parent', {
      enumerable: true,
      get() {
        const key = from || '';
        return moduleRegistry.get(key) || null;
      },
    });
    this._runScript(localModule, dirname);
  }

  private _runScript(localModule: InitialModule, dirname: string): void {
    void localModule;
    void dirname;
  }
}
