// The import parsing thread (see importthread.ts): turns the JSON-lines bytes the main thread sends
// into packed claim batches (entry lines, leaf hashes, index keys) and the problems of bad lines, so
// the thread that appends to the log does none of that work. The packing is fastjsonl.ts's: on the
// bytes, without an object per line.

import { parentPort, workerData } from 'node:worker_threads';
import { chunkBuffers, jsonLinesPacker } from './fastjsonl.ts';
import type { PackedChunk } from './fastjsonl.ts';
import type { ImportThreadSettings, ToImportThread, FromImportThread } from './importwire.ts';

const port = parentPort!;
const settings = workerData as ImportThreadSettings;
const packer = jsonLinesPacker(settings.name, settings.seed, settings.chunkClaims);

// Each chunk's arrays are alone in their buffers (see PackedChunk), so the buffers move to the main
// thread, which hands them back (recycle) once the chunk is appended.
function send(chunks: PackedChunk[]): void {
  for (const c of chunks) {
    const m: FromImportThread = { op: 'chunk', ...c };
    port.postMessage(m, chunkBuffers(c));
  }
}

port.on('message', (m: ToImportThread) => {
  try {
    if (m.op === 'data') {
      // The packer copies what it keeps of the bytes, so their buffer goes back for the next input.
      send(packer.push(new Uint8Array(m.bytes, 0, m.length)));
      const took: FromImportThread = { op: 'took', bytes: m.bytes, length: m.length };
      port.postMessage(took, [m.bytes]);
    } else if (m.op === 'recycle') {
      packer.recycle(m.arrays);
    } else {
      send(packer.end());
      const done: FromImportThread = { op: 'done' };
      port.postMessage(done);
    }
  } catch (e) {
    const failed: FromImportThread = { op: 'error', message: (e as Error).message };
    port.postMessage(failed);
  }
});
