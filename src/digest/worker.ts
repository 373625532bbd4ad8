// Worker thread entry: hashes whole files sent by digestFiles, one job at a time. Reads are
// synchronous because this thread has nothing else to do and libuv's pool would add a hop.
// Bundled as dist/digest-worker.js (scripts/build.mjs); run from source under tsx in tests.

import { parentPort } from 'node:worker_threads';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DistsumError, InputError } from '../errors.ts';
import { createMultiDigest } from './multi.ts';
import { READ_CHUNK, checkUnchanged, fileReadError } from './file.ts';
import { PROGRESS_EVERY, type HashJob, type WorkerReply } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('digest worker must run in a worker thread');
const buf = Buffer.allocUnsafe(READ_CHUNK);

port.on('message', (job: HashJob) => {
  run(job).then(
    (r) => port.postMessage(r),
    (e: unknown) => port.postMessage(failure(job.id, e)),
  );
});

async function run(job: HashJob): Promise<WorkerReply> {
  const md = await createMultiDigest({ md5: job.md5 });
  let fd: number;
  try {
    fd = openSync(job.path, 'r');
  } catch (e) {
    throw fileReadError(job.path, e);
  }
  try {
    const before = fstatSync(fd, { bigint: true });
    if (before.isDirectory()) throw fileReadError(job.path, Object.assign(new Error('EISDIR'), { code: 'EISDIR' }));
    let pending = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        throw fileReadError(job.path, e);
      }
      if (n === 0) break;
      md.update(buf.subarray(0, n));
      pending += n;
      if (pending >= PROGRESS_EVERY) {
        port!.postMessage({ t: 'progress', id: job.id, n: pending } satisfies WorkerReply);
        pending = 0;
      }
    }
    if (pending > 0) port!.postMessage({ t: 'progress', id: job.id, n: pending } satisfies WorkerReply);
    const digests = md.digest();
    checkUnchanged(job.path, before, fstatSync(fd, { bigint: true }), digests.size);
    return { t: 'done', id: job.id, digests };
  } finally {
    closeSync(fd);
  }
}

function failure(id: number, e: unknown): WorkerReply {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof InputError) return { t: 'fail', id, kind: 'input', message };
  if (e instanceof DistsumError) return { t: 'fail', id, kind: 'usage', message };
  return { t: 'fail', id, kind: 'internal', message };
}
