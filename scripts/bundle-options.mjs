// How distsum is bundled, shared by the release build (scripts/build.mjs) and the benchmarks that
// build their own entry points the same way (bench/verify.ts), so both measure what users run.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// hash-wasm's package entry is a CommonJS bundle of every algorithm; Node's CJS lexer and loader
// cost each hashing worker tens of milliseconds at start. Bundling its ES module instead keeps only
// BLAKE2b (measured in bench:hash).
const bundleHashWasm = {
  name: 'bundle-hash-wasm',
  setup(b) {
    b.onResolve({ filter: /^hash-wasm$/ }, () => ({ path: require.resolve('hash-wasm/dist/index.esm.js') }));
  },
};

/**
 * esbuild options for `entryPoints` bundled into `outdir`: ES modules for Node 20 with code
 * splitting (code behind a dynamic import loads only when a command needs it); chunks beside the
 * entry points, so module-relative URLs (worker scripts) resolve the same from any chunk;
 * dependencies external (native modules) but for hash-wasm. `over` adds or replaces options.
 */
export function bundleOptions(entryPoints, outdir, over = {}) {
  return {
    entryPoints,
    outdir,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    plugins: [bundleHashWasm],
    logLevel: 'warning',
    ...over,
  };
}
