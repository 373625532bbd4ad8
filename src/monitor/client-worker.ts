// The follower's index client thread (see clientthread.ts): one index client, built from the
// settings in workerData, answering the main thread's requests. Downloads hand each chunk over
// and wait for the main thread to consume it, as an in-thread caller's onChunk would be awaited.

import { parentPort, workerData } from 'node:worker_threads';
import { createIndexClient } from '../index/client.ts';
import { createSemaphore } from '../index/semaphore.ts';
import { encodeError, type ClientSettings, type WireReply, type WireRequest } from './clientwire.ts';

const port = parentPort!;
const settings = workerData as ClientSettings;
const client = createIndexClient({ ...settings, semaphore: createSemaphore(settings.concurrency) });
// Downloads waiting for the main thread to take their last chunk.
const consumed = new Map<number, { resolve: () => void; reject: (e: unknown) => void }>();
// Thrown into a download whose chunk the main thread could not take; the main thread keeps its own error.
const REFUSED = new Error('the caller refused a chunk');

// Replies go out in batches, one message per turn of the event loop: a message wakes the main
// thread, and pages finish in bursts.
let outbox: WireReply[] = [];
let transfers: ArrayBuffer[] = [];
function reply(r: WireReply, transfer: ArrayBuffer[] = []): void {
  if (outbox.length === 0) setImmediate(send);
  outbox.push(r);
  transfers.push(...transfer);
}
function send(): void {
  port.postMessage(outbox, transfers);
  outbox = [];
  transfers = [];
}

async function answer(m: Exclude<WireRequest, { op: 'ack' | 'nack' }>): Promise<unknown> {
  switch (m.op) {
    case 'list':
      return client.getProjectList(m.cond);
    case 'project':
      return client.getProject(m.name, m.cond);
    case 'jsonApi':
      return client.getJsonApi(m.name, m.version);
    case 'download':
      return client.downloadFile(
        m.url,
        (chunk) =>
          new Promise<void>((resolve, reject) => {
            consumed.set(m.id, { resolve, reject });
            // A copy: the chunk may share its memory with other buffers, which must not move.
            const copy = new Uint8Array(chunk);
            reply({ id: m.id, chunk: copy }, [copy.buffer as ArrayBuffer]);
          }),
        m.expectedSize === undefined ? {} : { expectedSize: m.expectedSize },
      );
  }
}

function receive(m: WireRequest): void {
  if (m.op === 'ack' || m.op === 'nack') {
    const w = consumed.get(m.id);
    consumed.delete(m.id);
    if (m.op === 'ack') w?.resolve();
    else w?.reject(REFUSED);
    return;
  }
  answer(m).then(
    (value) => reply({ id: m.id, ok: true, value }),
    (e: unknown) => reply({ id: m.id, ok: false, error: encodeError(e) }),
  );
}

port.on('message', (batch: WireRequest[]) => {
  for (const m of batch) receive(m);
});
