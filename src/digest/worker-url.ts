// Where the hashing worker's script is: digest-worker.js beside the bundle, or worker.ts from source.

import { workerScript } from '../workerscript.ts';
import type { WorkerScript } from '../workerscript.ts';

export type { WorkerScript } from '../workerscript.ts';

/** The worker script for code loaded from `moduleUrl` (this module's import.meta.url by default). */
export function hashWorkerScript(moduleUrl: string = import.meta.url): WorkerScript {
  return workerScript('./digest-worker.js', './worker.ts', moduleUrl);
}
