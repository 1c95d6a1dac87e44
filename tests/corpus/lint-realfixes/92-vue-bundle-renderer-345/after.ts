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
  _dependencySets: Map<string, ModuleDependencies>;
  _dependencySetsCacheSize: number;
  _entrypoints: string[];
  updateManifest: (manifest: Manifest) => void;
}

export interface SSRContext {
  modules?: Set<string>;
  _requestDependencies?: ModuleDependencies;
}

export function createRendererContext({ manifest, dependencySetsCacheSize }: { manifest: Manifest; dependencySetsCacheSize?: number }): RendererContext {
  const ctx: RendererContext = {
    manifest,
    updateManifest,
    _dependencies: {},
    _dependencySets: new Map(),
    // At most this many module sets are kept (least recently used go first).
    _dependencySetsCacheSize: dependencySetsCacheSize ?? 1000,
    _entrypoints: [],
  };

  function updateManifest(next: Manifest) {
    ctx.manifest = next;
    ctx._dependencies = {};
    ctx._dependencySets = new Map();
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

export function getAllDependencies(ids: Set<string>, ctx: RendererContext): ModuleDependencies {
  const cacheSize = ctx._dependencySetsCacheSize;
  const useCache = cacheSize > 0;
  const cacheKey = useCache ? [...ids].sort().join(',') : '';
  if (useCache) {
    const cached = ctx._dependencySets.get(cacheKey);
    if (cached !== undefined) {
      // Move it to the most recently used end.
      ctx._dependencySets.delete(cacheKey);
      ctx._dependencySets.set(cacheKey, cached);
      return cached;
    }
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

  if (useCache) {
    ctx._dependencySets.set(cacheKey, allDeps);
    if (ctx._dependencySets.size > cacheSize) {
      const oldest = ctx._dependencySets.keys().next().value;
      if (oldest !== undefined) ctx._dependencySets.delete(oldest);
    }
  }
  return allDeps;
}

export function getRequestDependencies(ssrContext: SSRContext, ctx: RendererContext): ModuleDependencies {
  if (ssrContext._requestDependencies) return ssrContext._requestDependencies;
  const ids = new Set<string>([...ctx._entrypoints, ...(ssrContext.modules || [])]);
  const deps = getAllDependencies(ids, ctx);
  ssrContext._requestDependencies = deps;
  return deps;
}
