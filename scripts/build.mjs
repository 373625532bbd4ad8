// Bundles the CLI into dist/: cli.js (the entry bin/distsum.js imports), the worker threads'
// scripts digest-worker.js (hashing), client-worker.js (the follower's index client) and
// import-worker.js (parsing JSON lines for log import), started
// from beside cli.js (see src/workerscript.ts), and shared chunks. Code behind a dynamic import
// (the HTTP server, the SQLite store) lands in its own chunk and loads only when a command needs it.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { bundleOptions } from './bundle-options.mjs';

rmSync('dist', { recursive: true, force: true });
await build(
  bundleOptions(
    { cli: 'src/cli/main.ts', 'digest-worker': 'src/digest/worker.ts', 'client-worker': 'src/monitor/client-worker.ts', 'import-worker': 'src/log/import-worker.ts' },
    'dist',
    { sourcemap: 'linked' },
  ),
);
