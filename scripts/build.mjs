// Bundles the CLI into dist/: cli.js (the entry bin/distsum.js imports), the worker threads'
// scripts digest-worker.js (hashing) and client-worker.js (the follower's index client), started
// from beside cli.js (see src/workerscript.ts), and shared chunks. Code behind a
// dynamic import (the HTTP server, the SQLite store) lands in its own chunk and loads only when a
// command needs it. Dependencies stay external (native modules), but for hash-wasm (below).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';

// hash-wasm's package entry is a CommonJS bundle of every algorithm; Node's CJS lexer and loader
// cost each hashing worker tens of milliseconds at start. Bundling its ES module instead keeps only
// BLAKE2b (measured in bench:hash).
const require = createRequire(import.meta.url);
const bundleHashWasm = {
  name: 'bundle-hash-wasm',
  setup(b) {
    b.onResolve({ filter: /^hash-wasm$/ }, () => ({ path: require.resolve('hash-wasm/dist/index.esm.js') }));
  },
};

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli/main.ts', 'digest-worker': 'src/digest/worker.ts', 'client-worker': 'src/monitor/client-worker.ts' },
  outdir: 'dist',
  entryNames: '[name]',
  // Chunks stay beside cli.js so module-relative URLs (the worker script) resolve the same from any chunk.
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [bundleHashWasm],
  sourcemap: 'linked',
  logLevel: 'warning',
});
