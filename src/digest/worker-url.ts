// Where the hashing worker's script is. From the esbuild bundle it is digest-worker.js beside the
// bundle (scripts/build.mjs emits both into dist/). From source (tests, `node --import tsx`) it is
// worker.ts beside this file; on Node 20 a worker's `--import tsx` does not reach the worker's own
// entry module, so a tiny ES module in a data: URL loads worker.ts through tsx's tsImport instead.

/** A Worker entry point: the script and the node options the worker needs to load it. */
export interface WorkerScript {
  url: URL;
  execArgv: string[];
}

/** The worker script for code loaded from `moduleUrl` (this module's import.meta.url by default). */
export function hashWorkerScript(moduleUrl: string = import.meta.url): WorkerScript {
  if (!moduleUrl.endsWith('.ts')) return { url: new URL('./digest-worker.js', moduleUrl), execArgv: [] };
  const entry = new URL('./worker.ts', moduleUrl).href;
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import { tsImport } from ${JSON.stringify(api)};\nawait tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)});\n`;
  return { url: new URL('data:text/javascript,' + encodeURIComponent(boot)), execArgv: [] };
}
