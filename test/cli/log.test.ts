// `distsum log init|key|import|checkpoint|audit`, run in-process with the same error mapping as the
// binary: outputs, exit codes, and one-line errors for bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { run } from '../../src/cli/main.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { openDataDir } from '../../src/log/datadir.ts';
import { openNote, newVerifier } from '../../src/tlog/note.ts';
import { parseCheckpoint } from '../../src/tlog/checkpoint.ts';
import { hexOf, tempDir } from '../log/helpers.ts';

const FIXTURES = resolve(import.meta.dirname, '../../../shared/fixtures/pypi/json-api');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): Writable & { text: () => string } {
  const parts: Buffer[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      parts.push(Buffer.from(chunk));
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => Buffer.concat(parts).toString('utf8');
  return w;
}

// Runs `distsum log ...` in-process through the CLI's run().
async function distsum(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string }): Promise<Result> {
  const stdout = sink();
  const stderr = sink();
  const ctx: CliContext = {
    stdout,
    stderr,
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    env: opts.env ?? {},
    cwd: opts.cwd,
    now: () => new Date(Date.UTC(2024, 5, 1)),
  };
  const code = await run(['log', ...args], ctx);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const rec = (i: number, over: Record<string, unknown> = {}) =>
  JSON.stringify({ project: `Demo.Pkg-${i % 3}`, version: `1.${i}`, filename: `demo_pkg_${i % 3}-1.${i}.tar.gz`, size: 100 + i, sha256: hexOf(`f${i}`), ...over });

function oneLineError(r: Result, re: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, re);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test('init creates the data directory, prints the verifier key, refuses to run twice', async (t) => {
  const cwd = tempDir(t);
  const r = await distsum(['init', '--origin', 'log.example/pypi', '--data', 'd'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  const dir = join(cwd, 'd');
  const vkey = r.stdout.trim();
  assert.match(vkey, /^log\.example\/pypi\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
  newVerifier(vkey);
  assert.match(r.stderr, /Created log log\.example\/pypi in .*d; verifier key:/);
  assert.equal(statSync(join(dir, 'note.key')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'admin.token')).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(dir, 'note.pub'), 'utf8').trim(), vkey);

  const key = await distsum(['key', '--data', 'd'], { cwd });
  assert.deepEqual(key, { code: 0, stdout: vkey + '\n', stderr: '' });
  const keyJson = await distsum(['key', '--data', dir, '--json'], { cwd: '/' });
  assert.deepEqual(JSON.parse(keyJson.stdout), { origin: 'log.example/pypi', verifierKey: vkey });

  const again = await distsum(['init', '--origin', 'log.example/other', '--data', 'd'], { cwd });
  oneLineError(again, /already holds a log .*refusing to overwrite/);
  assert.equal((await distsum(['key', '--data', 'd'], { cwd })).stdout.trim(), vkey);

  oneLineError(await distsum(['init', '--origin', 'bad origin', '--data', 'e'], { cwd }), /origin "bad origin" must be a name/);
  assert.equal(existsSync(join(cwd, 'e')), false);
  assert.equal((await distsum(['init', '--data', 'e'], { cwd })).code, 2);
});

test('the data directory comes from --data, else $DISTSUM_DATA, else ./distsum-data', async (t) => {
  const cwd = tempDir(t);
  assert.equal((await distsum(['init', '--origin', 'a.example/l'], { cwd })).code, 0);
  assert.ok(existsSync(join(cwd, 'distsum-data', 'log.db')));
  const env = { DISTSUM_DATA: join(cwd, 'from-env') };
  assert.equal((await distsum(['init', '--origin', 'b.example/l'], { cwd, env })).code, 0);
  assert.match((await distsum(['key'], { cwd, env })).stdout, /^b\.example\/l\+/);
  assert.match((await distsum(['key'], { cwd })).stdout, /^a\.example\/l\+/);
  assert.match((await distsum(['key', '--data', 'distsum-data'], { cwd, env })).stdout, /^a\.example\/l\+/);
});

test('checkpoint prints the signed note exactly; import appends, dedups and reports', async (t) => {
  const cwd = tempDir(t);
  const vkey = (await distsum(['init', '--origin', 'log.example/l', '--data', 'd'], { cwd })).stdout.trim();
  const v = newVerifier(vkey);
  const cp0 = await distsum(['checkpoint', '--data', 'd'], { cwd });
  assert.equal(cp0.code, 0);
  assert.equal(parseCheckpoint(openNote(new TextEncoder().encode(cp0.stdout), [v]).text).size, 0);
  assert.match(cp0.stdout, /^log\.example\/l\n0\n47DEQpj8HBSa\+\/TImW\+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n\u2014 log\.example\/l /);

  writeFileSync(join(cwd, 'a.jsonl'), Array.from({ length: 10 }, (_, i) => rec(i)).join('\n') + '\n');
  const imp = await distsum(['import', 'a.jsonl', '--data', 'd'], { cwd });
  assert.deepEqual(imp, { code: 0, stdout: '10 appended, 0 already present, 0 conflicts (0 new alerts); tree size 10\n', stderr: '' });

  const cp = await distsum(['checkpoint', '--data', 'd'], { cwd });
  const l = await openDataDir(join(cwd, 'd'), { now: () => new Date() });
  assert.equal(cp.stdout, Buffer.from((await l.reader.latestCheckpoint()).note).toString('utf8'));
  assert.equal((await l.reader.lookupFilename('demo_pkg_1-1.4.tar.gz'))?.entry.project, 'demo-pkg-1');
  await l.close();
  const cpj = JSON.parse((await distsum(['checkpoint', '--data', 'd', '--json'], { cwd })).stdout);
  assert.equal(cpj.size, 10);
  assert.equal(cpj.origin, 'log.example/l');
  assert.equal(cpj.note, cp.stdout);

  // Again from stdin, plus a changed file and two malformed lines.
  const input = [rec(0), rec(1, { sha256: hexOf('changed') }), 'not json', rec(10), rec(11, { size: -5 })].join('\n');
  const r2 = await distsum(['import', '-', '--data', 'd'], { cwd, stdin: input });
  assert.equal(r2.code, 1, r2.stderr);
  assert.equal(r2.stdout, '1 appended, 1 already present, 1 conflicts (1 new alerts), 2 malformed skipped; tree size 11\n');
  assert.match(r2.stderr, /^distsum: stdin:3: not JSON/m);
  assert.match(r2.stderr, /^distsum: stdin:5: "size" is missing or not a non-negative integer$/m);
  assert.match(r2.stderr, /^distsum: hash-changed: demo_pkg_1-1\.1\.tar\.gz is entry 1 with other digests than claimed by stdin:2$/m);

  const r3 = await distsum(['import', '--data', 'd', '--json'], { cwd, stdin: [rec(1, { sha256: hexOf('changed') }), 'x'].join('\n') });
  assert.equal(r3.code, 1);
  const j = JSON.parse(r3.stdout);
  // The JSON parser's wording differs between Node versions.
  assert.match(j.problems[0].message, /^not JSON \(/);
  j.problems[0].message = 'not JSON';
  assert.deepEqual(
    j,
    {
      claims: 1,
      appended: 0,
      present: 0,
      conflicts: [{ filename: 'demo_pkg_1-1.1.tar.gz', index: 1, source: 'stdin:1', alertId: null }],
      alerts: 0,
      malformed: 1,
      treeSize: 11,
      problems: [{ where: 'stdin:2', message: 'not JSON' }],
    },
  );

  // --strict: one bad line and nothing is imported.
  const strict = await distsum(['import', '-', '--strict', '--data', 'd'], { cwd, stdin: [rec(20), rec(21), '{'].join('\n') });
  assert.equal(strict.code, 2);
  assert.match(strict.stderr, /stdin:3: not JSON/);
  assert.match(strict.stderr, /1 malformed input record; nothing was imported \(--strict\)/);
  assert.equal(JSON.parse((await distsum(['checkpoint', '--data', 'd', '--json'], { cwd })).stdout).size, 11);
  // --strict over good input, from stdin (kept in a temporary file) and from files (read twice).
  const okStdin = await distsum(['import', '-', '--strict', '--batch', '2', '--data', 'd', '--json'], { cwd, stdin: [rec(30), rec(31), rec(32)].join('\n') });
  assert.equal(okStdin.code, 0, okStdin.stderr);
  assert.equal(JSON.parse(okStdin.stdout).appended, 3);
  writeFileSync(join(cwd, 'good.jsonl'), [rec(40), rec(41)].join('\n'));
  writeFileSync(join(cwd, 'bad.jsonl'), [rec(42), 'oops'].join('\n'));
  const badFiles = await distsum(['import', 'good.jsonl', 'bad.jsonl', '--strict', '--data', 'd'], { cwd });
  assert.equal(badFiles.code, 2);
  assert.match(badFiles.stderr, /bad\.jsonl:2: not JSON/);
  const okFiles = await distsum(['import', 'good.jsonl', '--strict', '--data', 'd', '--json'], { cwd });
  assert.equal(okFiles.code, 0, okFiles.stderr);
  assert.equal(JSON.parse(okFiles.stdout).appended, 2);
  assert.equal(JSON.parse((await distsum(['checkpoint', '--data', 'd', '--json'], { cwd })).stdout).size, 16);

  const audit = await distsum(['audit', '--data', 'd'], { cwd });
  assert.equal(audit.code, 0, audit.stderr);
  assert.match(audit.stdout, /^ok: log log\.example\/l: 16 entries, \d+ checkpoints; signatures, tree, tiles and indexes verified\n$/);
});

test('import of saved PyPI JSON API responses, then a clean audit', async (t) => {
  const cwd = tempDir(t);
  await distsum(['init', '--origin', 'log.example/l', '--data', 'd'], { cwd });
  const r = await distsum(['import', '--format', 'pypi-json', FIXTURES, '--data', 'd', '--json'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  // requests.json and requests-2.18.4.json describe the same two 2.18.4 files.
  assert.equal(s.appended + s.present, s.claims);
  assert.equal(s.present, 2);
  assert.equal(s.treeSize, s.appended);
  const one = await distsum(['import', '--format', 'pypi-json', join(FIXTURES, 'six-1.11.0.json'), '--data', 'd'], { cwd });
  assert.equal(one.code, 0);
  assert.match(one.stdout, /^0 appended, 2 already present, 0 conflicts/);
  const audit = JSON.parse((await distsum(['audit', '--data', 'd', '--json'], { cwd })).stdout);
  assert.equal(audit.ok, true);
  assert.equal(audit.entries, s.treeSize);
});

test('bad data directories, stores and keys are one-line errors (exit 2); a damaged log fails audit (exit 1)', async (t) => {
  const cwd = tempDir(t);
  oneLineError(await distsum(['key', '--data', 'nowhere'], { cwd }), /no log data directory at .*nowhere \(run distsum log init/);
  mkdirSync(join(cwd, 'empty'));
  oneLineError(await distsum(['checkpoint', '--data', 'empty'], { cwd }), /holds no log store/);
  mkdirSync(join(cwd, 'garbage'));
  writeFileSync(join(cwd, 'garbage', 'log.db'), 'x'.repeat(5000));
  oneLineError(await distsum(['audit', '--data', 'garbage'], { cwd }), /is not a distsum store or is damaged/);

  await distsum(['init', '--origin', 'log.example/l', '--data', 'd'], { cwd });
  writeFileSync(join(cwd, 'a.jsonl'), rec(1) + '\n');
  oneLineError(await distsum(['import', 'missing.jsonl', '--data', 'd'], { cwd }), /missing\.jsonl does not exist/);
  const key = readFileSync(join(cwd, 'd', 'note.key'), 'utf8');
  writeFileSync(join(cwd, 'd', 'note.key'), 'PRIVATE+KEY+log.example/l+00000000+AAAA\n');
  oneLineError(await distsum(['import', 'a.jsonl', '--data', 'd'], { cwd }), /note key .*note\.key is not a note signer key/);
  writeFileSync(join(cwd, 'd', 'note.key'), key);

  // A second writer while one runs.
  const holder = await openDataDir(join(cwd, 'd'), { writer: true, now: () => new Date() });
  oneLineError(await distsum(['import', 'a.jsonl', '--data', 'd'], { cwd }), /another distsum process is writing this log/);
  await holder.close();
  assert.equal((await distsum(['import', 'a.jsonl', '--data', 'd'], { cwd })).code, 0);

  const db = new Database(join(cwd, 'd', 'log.db'));
  db.prepare('DELETE FROM runs WHERE kind = 1').run(); // the sha256 index
  db.close();
  const audit = await distsum(['audit', '--data', 'd'], { cwd });
  assert.equal(audit.code, 1);
  assert.equal(audit.stdout, 'FAILED: log log.example/l: 1 problem:\n  entry 0 is missing from the sha256 index\n');
});
