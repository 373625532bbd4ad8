// Bundles the CLI into dist/cli.js. Dependencies stay external (native modules, wasm).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});

// The hashing worker, started by the CLI from beside dist/cli.js (see src/digest/worker-url.ts).
await build({
  entryPoints: ['src/digest/worker.ts'],
  outfile: 'dist/digest-worker.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
