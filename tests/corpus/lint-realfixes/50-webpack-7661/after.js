'use strict';
const crypto = require('crypto');

const hashFilename = (name) => crypto.createHash('md4').update(name).digest('hex').slice(0, 8);

module.exports = class SplitChunksPlugin {
  constructor(options = {}) {
    this.options = {
      getName: SplitChunksPlugin.normalizeName({
        name: options.name,
        automaticNameDelimiter: options.automaticNameDelimiter || '~',
      }),
    };
  }

  static normalizeName({ name, automaticNameDelimiter }) {
    if (name === true) {
      const cache = new WeakMap();
      const fn = (module, chunks, cacheGroup) => {
        let cacheEntry = cache.get(chunks);
        if (cacheEntry === undefined) {
          cacheEntry = {};
          cache.set(chunks, cacheEntry);
        } else if (cacheGroup in cacheEntry) {
          return cacheEntry[cacheGroup];
        }
        const names = chunks.map((c) => c.name);
        if (!names.every(Boolean)) {
          cacheEntry[cacheGroup] = undefined;
          return;
        }
        names.sort();
        let result = (cacheGroup && cacheGroup !== 'default' ? cacheGroup + automaticNameDelimiter : '')
          + names.join(automaticNameDelimiter);
        if (result.length > 100) {
          result = result.slice(0, 100) + automaticNameDelimiter + hashFilename(result);
        }
        cacheEntry[cacheGroup] = result;
        return result;
      };
      return fn;
    }
    if (typeof name === 'string') return () => name;
    return name;
  }

  apply(compiler) {
    compiler.hooks.thisCompilation.tap('SplitChunksPlugin', (compilation) => {
      compilation.hooks.optimizeChunksAdvanced.tap('SplitChunksPlugin', (chunks) => {
        for (const module of compilation.modules) {
          const moduleChunks = Array.from(module.chunksIterable);
          this.options.getName(module, moduleChunks, 'vendors');
        }
      });
    });
  }
};
