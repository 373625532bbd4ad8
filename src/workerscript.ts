// Where a worker thread's script is. From the esbuild bundle it is a file beside the bundle's
// modules (scripts/build.mjs emits each worker as an entry point into dist/, where every chunk
// lives). From source (tests, `node --import tsx`) it is the .ts module beside the caller; on
// Node 20 a worker's `--import tsx` does not reach the worker's own entry module, so a tiny ES
// module in a data: URL loads it through tsx's tsImport instead.

/** A Worker entry point: the script and the node options the worker needs to load it. */
export interface WorkerScript {
  url: URL;
  execArgv: string[];
}

/**
 * The worker script for code loaded from `moduleUrl`: `bundleFile` resolved against it when that
 * code is bundled JavaScript, else `sourceFile` (TypeScript, resolved the same way) through tsx.
 */
export function workerScript(bundleFile: string, sourceFile: string, moduleUrl: string): WorkerScript {
  if (!moduleUrl.endsWith('.ts')) return { url: new URL(bundleFile, moduleUrl), execArgv: [] };
  const entry = new URL(sourceFile, moduleUrl).href;
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import { tsImport } from ${JSON.stringify(api)};\nawait tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)});\n`;
  return { url: new URL('data:text/javascript,' + encodeURIComponent(boot)), execArgv: [] };
}
