// Bounded body reading: the declared length and the streamed bytes are both checked.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyTooLargeError, readBody } from '../../src/server/body.ts';

function stream(chunks: Uint8Array[], onPull?: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      onPull?.();
      if (i < chunks.length) c.enqueue(chunks[i++]);
      else c.close();
    },
  }, { highWaterMark: 0 }); // pull only when read
}

test('reads a body up to the limit', async () => {
  const body = await readBody(stream([new Uint8Array([1, 2]), new Uint8Array([3])]), '3', 3);
  assert.deepEqual(body, new Uint8Array([1, 2, 3]));
  assert.deepEqual(await readBody(null, undefined, 0), new Uint8Array(0));
});

test('refuses by Content-Length before reading anything', async () => {
  let pulls = 0;
  await assert.rejects(readBody(stream([new Uint8Array(1)], () => pulls++), '11', 10), BodyTooLargeError);
  assert.equal(pulls, 0);
});

test('stops reading when the streamed bytes exceed the limit (a lying or absent length)', async () => {
  let pulls = 0;
  const chunks = Array.from({ length: 100 }, () => new Uint8Array(4));
  await assert.rejects(readBody(stream(chunks, () => pulls++), '4', 10), (e: unknown) => e instanceof BodyTooLargeError && e.limit === 10);
  assert.ok(pulls <= 4, `read ${pulls} chunks`);
});
