// The import thread as a source of chunks: a consumer that stops early ends the thread, a thread
// that cannot start or dies is a one-line ImportThreadError, without a script the lines are parsed
// in this thread with the same result, and released chunks are reused without changing any.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImportThreadError, importWorkerScript, jsonLinesChunks, threadedJsonLines } from '../../src/log/importthread.ts';
import type { ImportChunk } from '../../src/log/import.ts';
import { entry } from './helpers.ts';

const SEED = new Uint8Array(16).fill(9);

const line = (i: number) => {
  const e = entry(i);
  return JSON.stringify({ project: e.project, version: e.version, filename: e.filename, size: e.size, sha256: e.sha256 });
};

async function* pieces(lines: number, per: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < lines; i += per) {
    yield Buffer.from(
      Array.from({ length: Math.min(per, lines - i) }, (_, k) => line(i + k))
        .join('\n')
        .concat('\n'),
    );
  }
}

const summary = (cs: ImportChunk[]) => cs.map((c) => [c.batch.count, Buffer.from(c.batch.leaves).toString('hex'), c.problems.length]);

test('a consumer that stops after the first chunk ends the thread and the input', async () => {
  let pulled = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const p of pieces(50_000, 500)) {
      pulled++;
      yield p;
    }
  }
  const script = importWorkerScript();
  assert.ok(script, 'the import thread script exists from source');
  let first: ImportChunk | undefined;
  for await (const c of threadedJsonLines(counted(), 'x', SEED, { chunkClaims: 1000, script })) {
    first = c;
    break;
  }
  assert.equal(first?.batch.count, 1000);
  // Reading stopped with the consumer: far from all of the 100 pieces were read.
  assert.ok(pulled < 100, `${pulled} pieces read`);
});

test('a thread that cannot start is an ImportThreadError, not a hang', async () => {
  const broken = { url: new URL('data:text/javascript,' + encodeURIComponent('throw new Error("boom")')), execArgv: [] };
  await assert.rejects(
    (async () => {
      for await (const _ of threadedJsonLines(pieces(10, 5), 'x', SEED, { chunkClaims: 4, script: broken })) {
        // nothing arrives
      }
    })(),
    (e: unknown) => e instanceof ImportThreadError && /import thread/.test((e as Error).message) && !(e as Error).message.includes('\n'),
  );
});

test('without a script the same chunks come from this thread', async () => {
  const collect = async (opts: { chunkClaims: number; script?: null }) => {
    const out: ImportChunk[] = [];
    for await (const c of jsonLinesChunks(pieces(2_500, 333), 'x', SEED, opts)) out.push(c);
    return out;
  };
  const threaded = await collect({ chunkClaims: 1000 });
  const inline = await collect({ chunkClaims: 1000, script: null });
  assert.deepEqual(summary(threaded), summary(inline));
  assert.deepEqual(threaded.map((c) => c.batch.count), [1000, 1000, 500]);
  assert.equal(threaded[2].batch.source(0), 'x:2001');
});

test('released chunks go back to the thread, and the chunks written into them are the same', async () => {
  const collect = async (release: boolean) => {
    const out: [number, string, string, number][] = [];
    let detached = 0;
    for await (const c of jsonLinesChunks(pieces(5_000, 97), 'x', SEED, { chunkClaims: 500 })) {
      const b = c.batch;
      out.push([b.count, Buffer.from(b.records).toString('hex'), Buffer.from(b.leaves).toString('hex'), c.problems.length]);
      if (release) {
        c.release!();
        // Moved back to the thread: this side's views are empty now.
        if (b.records.length === 0 && b.leaves.length === 0 && b.fileKeys.length === 0) detached++;
        c.release!();
      }
    }
    return { out, detached };
  };
  const kept = await collect(false);
  const released = await collect(true);
  assert.equal(released.detached, 10);
  assert.deepEqual(released.out, kept.out);
  assert.deepEqual(
    kept.out.map((c) => c[0]),
    Array.from({ length: 10 }, () => 500),
  );
});
