// vue-bundle-renderer (used by Nuxt's server renderer): one renderer context
// per server process; every SSR request asks it for the scripts, styles and
// preloads of the modules that request rendered.

interface ResourceMeta {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  prefetch?: boolean;
}

type Manifest = Record<string, ResourceMeta>;

interface ModuleDependencies {
  scripts: Record<string, ResourceMeta>;
  styles: Record<string, ResourceMeta>;
  preload: Record<string, ResourceMeta>;
  prefetch: Record<string, ResourceMeta>;
}

export interface RendererContext {
  manifest?: Manifest;
  _dependencies: Record<string, ModuleDependencies>;
  _dependencySets: Record<string, ModuleDependencies>;
  _entrypoints: string[];
  updateManifest: (manifest: Manifest) => void;
}

export interface SSRContext {
  modules?: Set<string>;
  _requestDependencies?: ModuleDependencies;
}

export function createRendererContext({ manifest }: { manifest: Manifest }): RendererContext {
  const ctx: RendererContext = {
    manifest,
    updateManifest,
    _dependencies: {},
    _dependencySets: {},
    _entrypoints: [],
  };

  function updateManifest(next: Manifest) {
    ctx.manifest = next;
    ctx._dependencies = {};
    ctx._dependencySets = {};
    ctx._entrypoints = Object.entries(next).filter(([, meta]) => meta.isEntry).map(([id]) => id);
  }

  updateManifest(manifest);
  return ctx;
}

export function getModuleDependencies(id: string, ctx: RendererContext): ModuleDependencies {
  if (ctx._dependencies[id]) return ctx._dependencies[id];
  const deps: ModuleDependencies = { scripts: {}, styles: {}, preload: {}, prefetch: {} };
  const meta = ctx.manifest?.[id];
  if (meta) {
    deps.scripts[id] = meta;
    deps.preload[id] = meta;
    for (const dep of meta.imports || []) {
      Object.assign(deps.preload, getModuleDependencies(dep, ctx).preload);
    }
  }
  ctx._dependencies[id] = deps;
  return deps;
}

// The key is the sorted list of module ids one request rendered: on a site
// with many page/component combinations every new combination adds an entry.
export function getAllDependencies(ids: Set<string>, ctx: RendererContext): ModuleDependencies {
  const cacheKey = [...ids].sort().join(',');
  if (ctx._dependencySets[cacheKey]) {
    return ctx._dependencySets[cacheKey];
  }

  const allDeps: ModuleDependencies = { scripts: {}, styles: {}, preload: {}, prefetch: {} };
  for (const id of ids) {
    const deps = getModuleDependencies(id, ctx);
    Object.assign(allDeps.scripts, deps.scripts);
    Object.assign(allDeps.styles, deps.styles);
    Object.assign(allDeps.preload, deps.preload);
    for (const dynamicId of ctx.manifest?.[id]?.dynamicImports || []) {
      Object.assign(allDeps.prefetch, getModuleDependencies(dynamicId, ctx).scripts);
    }
  }
  for (const id in allDeps.preload) {
    delete allDeps.prefetch[id];
  }

  ctx._dependencySets[cacheKey] = allDeps; // leak: unbounded-cache
  return allDeps;
}

export function getRequestDependencies(ssrContext: SSRContext, ctx: RendererContext): ModuleDependencies {
  if (ssrContext._requestDependencies) return ssrContext._requestDependencies;
  const ids = new Set<string>([...ctx._entrypoints, ...(ssrContext.modules || [])]);
  const deps = getAllDependencies(ids, ctx);
  ssrContext._requestDependencies = deps;
  return deps;
}
