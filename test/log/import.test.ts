// Bulk import: JSON-lines reading (line numbers, chunk boundaries, bad bytes), saved PyPI JSON API
// responses (the real fixtures), and strict versus lenient handling of malformed input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import type { ImportChunk } from '../../src/log/import.ts';
import { chunksOf, jsonApiFileItems, jsonApiFiles, jsonApiItems, jsonLinesItems, runImport } from '../../src/log/import.ts';
import type { ImportItem, ImportProblem } from '../../src/log/import.ts';
import { MAX_IMPORT_LINE } from '../../src/log/importline.ts';
import { APPENDED, PRESENT } from '../../src/log/sequencer.ts';
import type { BatchOutcomes } from '../../src/log/sequencer.ts';
import { filenameOf } from '../../src/log/claims.ts';
import type { ClaimBatch } from '../../src/log/claims.ts';
import { InputError } from '../../src/errors.ts';
import { hexOf } from './helpers.ts';

const FIXTURES = resolve(import.meta.dirname, '../../../shared/fixtures/pypi/json-api');

async function collect(it: AsyncIterable<ImportItem[]>): Promise<ImportItem[]> {
  const out: ImportItem[] = [];
  for await (const c of it) out.push(...c);
  return out;
}

async function* chunks(parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array | string> {
  for (const p of parts) yield p;
}

const rec = (i: number) => JSON.stringify({ project: `p${i}`, version: '1.0', filename: `p${i}-1.0.tar.gz`, size: i, sha256: hexOf(String(i)) });

test('JSON lines: line numbers, blank lines, CRLF, bad UTF-8, a last line without newline', async () => {
  const bad = new Uint8Array([0x7b, 0xff, 0x7d]);
  const items = await collect(
    jsonLinesItems(chunks([`${rec(1)}\n\n   \n${rec(2)}\r\n`, bad, `\n{"project": 1}\n${rec(3)}`]), 'in.jsonl'),
  );
  assert.deepEqual(
    items.map((it) => ('claim' in it ? `${it.claim.source} ${it.claim.entry.filename}` : `${it.problem.where} ${it.problem.message}`)),
    ['in.jsonl:1 p1-1.0.tar.gz', 'in.jsonl:4 p2-1.0.tar.gz', 'in.jsonl:5 not valid UTF-8', 'in.jsonl:6 "project" is missing or not a project name', 'in.jsonl:7 p3-1.0.tar.gz'],
  );
});

test('JSON lines: an over-long line is one problem and reading goes on', async () => {
  const long = '{"x":"' + 'a'.repeat(MAX_IMPORT_LINE + 10) + '"}';
  const parts = [rec(1) + '\n', long.slice(0, 400_000), long.slice(400_000, 900_000), long.slice(900_000) + '\n' + rec(2) + '\n'];
  const items = await collect(jsonLinesItems(chunks(parts), 'f'));
  assert.equal(items.length, 3);
  assert.ok('claim' in items[0]);
  assert.deepEqual('problem' in items[1] && items[1].problem, { where: 'f:2', message: `line is longer than ${MAX_IMPORT_LINE} bytes` });
  assert.ok('claim' in items[2] && items[2].claim.source === 'f:3');
});

test('property: how the input is cut into chunks does not matter', async () => {
  const text = Buffer.from([rec(1), '', rec(2), 'garbage', rec(3) + '\r', JSON.stringify({ project: 'é', filename: 'x' }), rec(4)].join('\n'), 'utf8');
  const whole = await collect(jsonLinesItems(chunks([text]), 'x'));
  assert.equal(whole.length, 6);
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }), async (cuts) => {
      const at = [0, ...cuts.sort((a, b) => a - b), text.length];
      const parts = at.slice(1).map((end, i) => text.subarray(at[i], end));
      assert.deepEqual(await collect(jsonLinesItems(chunks(parts), 'x')), whole);
    }),
    { numRuns: 200 },
  );
});

// What a saved JSON API document says, read independently of the code under test.
function expectedFiles(doc: any): Map<string, { version: string; size: number; sha256: string; b2?: string }> {
  const m = new Map<string, { version: string; size: number; sha256: string; b2?: string }>();
  const add = (f: any, version: string) => {
    if (!m.has(f.filename)) m.set(f.filename, { version, size: f.size, sha256: f.digests.sha256, b2: f.digests.blake2b_256 });
  };
  for (const [v, files] of Object.entries(doc.releases ?? {})) for (const f of files as any[]) add(f, v);
  for (const f of doc.urls ?? []) add(f, doc.info.version);
  return m;
}

test('saved PyPI JSON API responses: every file of every fixture becomes an entry', async () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 6);
  for (const f of files) {
    const path = join(FIXTURES, f);
    const body = readFileSync(path);
    const doc = JSON.parse(body.toString('utf8'));
    const items = jsonApiItems(body, path);
    const want = expectedFiles(doc);
    assert.equal(items.length, want.size, f);
    const project = doc.info.name.toLowerCase().replace(/[-_.]+/g, '-');
    for (const it of items) {
      assert.ok('claim' in it, `${f}: ${'problem' in it ? it.problem.message : ''}`);
      const e = it.claim.entry;
      const w = want.get(e.filename)!;
      assert.equal(e.project, project);
      assert.equal(e.version, w.version);
      assert.equal(e.size, w.size);
      assert.equal(e.sha256, w.sha256);
      assert.equal(e.blake2b256, w.b2);
      assert.equal(it.claim.source, path);
    }
  }
});

test('the blake2b_256 of each file is the one its files.pythonhosted.org URL encodes', () => {
  // A genuineness check independent of the digests field: PyPI stores files under their BLAKE2b-256.
  for (const f of ['poetry-core-1.5.0.json', 'setuptools-67.6.1.json', 'wheel-0.40.0.json']) {
    const path = join(FIXTURES, f);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    const urlOf = new Map<string, string>(doc.urls.map((u: any) => [u.filename, u.url]));
    for (const it of jsonApiItems(readFileSync(path), path)) {
      assert.ok('claim' in it);
      const m = /\/packages\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{60})\//.exec(urlOf.get(it.claim.entry.filename)!);
      assert.equal(it.claim.entry.blake2b256, m!.slice(1).join(''));
    }
  }
});

test('a malformed JSON API document is one problem naming the file; a file without sha256 is its own problem', () => {
  const items = jsonApiItems(new TextEncoder().encode('{"info": {}}'), '/x/broken.json');
  assert.equal(items.length, 1);
  assert.ok('problem' in items[0] && items[0].problem.where === '/x/broken.json' && /info\.name/.test(items[0].problem.message));
  const doc = {
    info: { name: 'Demo_Pkg', version: '1.0' },
    urls: [
      { filename: 'demo_pkg-1.0.tar.gz', url: 'https://files.example/demo_pkg-1.0.tar.gz', size: 5, digests: { md5: '0'.repeat(32) } },
      { filename: 'demo_pkg-1.0-py3-none-any.whl', url: 'https://files.example/demo_pkg-1.0-py3-none-any.whl', size: 6, digests: { sha256: 'A'.repeat(64) } },
    ],
  };
  const two = jsonApiItems(new TextEncoder().encode(JSON.stringify(doc)), 'demo.json');
  assert.deepEqual(two, [
    { problem: { where: 'demo.json (demo_pkg-1.0.tar.gz)', message: 'the index gives no sha256 for this file' } },
    { claim: { entry: { project: 'demo-pkg', version: '1.0', filename: 'demo_pkg-1.0-py3-none-any.whl', size: 6, sha256: 'a'.repeat(64) }, source: 'demo.json' } },
  ]);
});

test('directories expand to their *.json files in order', async () => {
  const files = await jsonApiFiles([FIXTURES]);
  assert.deepEqual(files, readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort().map((f) => join(FIXTURES, f)));
  await assert.rejects(jsonApiFiles([join(FIXTURES, 'nope')]), /does not exist/);
  const items = await collect(jsonApiFileItems(files));
  assert.ok(items.length > 150);
});

// An append that logs each file name once, recording the size of each batch it is given.
function fakeAppend(calls: number[]): (b: ClaimBatch) => Promise<BatchOutcomes> {
  const seen = new Map<string, number>();
  return async (b) => {
    calls.push(b.count);
    const out: BatchOutcomes = { status: new Uint8Array(b.count), index: new Float64Array(b.count), alertIds: new Map() };
    for (let i = 0; i < b.count; i++) {
      const name = filenameOf(b, i);
      const at = seen.get(name);
      if (at !== undefined) {
        out.status[i] = PRESENT;
        out.index[i] = at;
      } else {
        seen.set(name, seen.size);
        out.status[i] = APPENDED;
        out.index[i] = seen.size - 1;
      }
    }
    return out;
  };
}

const KEY_SEED = new Uint8Array(16).fill(7);
// JSON lines given in pieces, as the chunks runImport reads.
const lineChunks = (parts: string[], name: string) => chunksOf(jsonLinesItems(chunks(parts), name), KEY_SEED, 3);

test('lenient import skips and reports malformed records; batches are bounded', async () => {
  const lines = [rec(1), 'nope', rec(2), rec(1), rec(3), rec(4), '{}', rec(5)].join('\n');
  const calls: number[] = [];
  const problems: ImportProblem[] = [];
  const s = await runImport(fakeAppend(calls), lineChunks([lines], 'in'), { strict: false, batch: 2, onProblem: (p) => problems.push(p) });
  assert.deepEqual(s, { claims: 6, appended: 5, present: 1, conflicts: 0, alerts: 0, malformed: 2 });
  assert.deepEqual(problems.map((p) => p.where), ['in:2', 'in:7']);
  assert.deepEqual(calls, [2, 2, 2]);
});

test('each chunk is released once, only after the append that took its last claim', async () => {
  // Chunks of 3 claims appended in batches of 4 or 3: a chunk's last claims often wait for the next.
  for (const batch of [4, 3, 1, 7]) {
    const events: string[] = [];
    const append = fakeAppend([]);
    const lines = Array.from({ length: 10 }, (_, i) => rec(i + 1)).join('\n');
    async function* released(): AsyncGenerator<ImportChunk> {
      let k = 0;
      for await (const c of lineChunks([lines], 'in')) {
        const id = k++;
        const first = Number(c.batch.source(0).slice(3));
        yield { ...c, release: () => events.push(`release ${id} (lines ${first}-${first + c.batch.count - 1})`) };
      }
    }
    let appendedLines = 0;
    await runImport(
      async (b) => {
        appendedLines += b.count;
        events.push(`appended up to line ${appendedLines}`);
        return append(b);
      },
      released(),
      { strict: false, batch, onProblem: () => assert.fail() },
    );
    // Every chunk released exactly once, after the append covering its last line.
    const releases = events.filter((e) => e.startsWith('release'));
    assert.equal(releases.length, 4, `batch ${batch}: ${events.join('; ')}`);
    let upTo = 0;
    for (const e of events) {
      const a = /^appended up to line (\d+)$/.exec(e);
      if (a) upTo = Number(a[1]);
      const r = /^release \d+ \(lines \d+-(\d+)\)$/.exec(e);
      if (r) assert.ok(Number(r[1]) <= upTo, `batch ${batch}: ${e} before its lines were appended (${events.join('; ')})`);
    }
  }
});

test('strict import reads everything first and appends nothing when anything is malformed', async () => {
  const calls: number[] = [];
  const problems: ImportProblem[] = [];
  await assert.rejects(
    runImport(fakeAppend(calls), lineChunks([[rec(1), rec(2), 'bad', rec(3)].join('\n')], 'in'), { strict: true, onProblem: (p) => problems.push(p) }),
    (e: unknown) => e instanceof InputError && /1 malformed input record; nothing was imported/.test((e as Error).message),
  );
  assert.equal(calls.length, 0);
  assert.deepEqual(problems.map((p) => p.where), ['in:3']);
  const s = await runImport(fakeAppend(calls), lineChunks([[rec(1), rec(2)].join('\n')], 'in'), { strict: true, onProblem: () => assert.fail() });
  assert.equal(s.appended, 2);
});

test('strict import of rereadable input checks a first reading, then appends a second one in batches', async () => {
  const good = [rec(1), rec(2), rec(3), rec(4), rec(5)].join('\n');
  let readings = 0;
  const calls: number[] = [];
  const s = await runImport(
    fakeAppend(calls),
    () => {
      readings++;
      return lineChunks([good], 'in');
    },
    { strict: true, batch: 2, onProblem: () => assert.fail() },
  );
  assert.equal(readings, 2);
  assert.deepEqual(s, { claims: 5, appended: 5, present: 0, conflicts: 0, alerts: 0, malformed: 0 });
  // Appended batch by batch as the second reading goes: nothing held back until the end.
  assert.deepEqual(calls, [2, 2, 1]);

  // A malformed record: reported from the first reading, nothing appended, no second reading.
  readings = 0;
  const none: number[] = [];
  const problems: ImportProblem[] = [];
  await assert.rejects(
    runImport(fakeAppend(none), () => (readings++, lineChunks([[rec(1), 'bad', rec(2)].join('\n')], 'in')), { strict: true, onProblem: (p) => problems.push(p) }),
    /1 malformed input record; nothing was imported/,
  );
  assert.equal(readings, 1);
  assert.equal(none.length, 0);
  assert.deepEqual(problems.map((p) => p.where), ['in:2']);

  // Input that differs on the second reading is refused as soon as that shows.
  for (const second of [[rec(1), 'bad'].join('\n'), [rec(1), rec(2), rec(3)].join('\n')]) {
    let n = 0;
    await assert.rejects(
      runImport(fakeAppend([]), () => lineChunks([n++ === 0 ? [rec(1), rec(2)].join('\n') : second], 'in'), { strict: true, onProblem: () => undefined }),
      (e: unknown) => e instanceof InputError && /changed while it was imported/.test((e as Error).message),
    );
  }
});
