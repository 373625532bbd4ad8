import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { InputError } from '../../../src/errors.ts';
import { detectLockFormat, formatFromContent, formatFromName, parseLock, readLockFile } from '../../../src/verify/locks/detect.ts';
import { DEFAULT_LOCK_LIMITS } from '../../../src/verify/locks/limits.ts';
import type { LockFormat } from '../../../src/verify/locks/types.ts';
import { LOCKS, assertWellFormed, inputError, tempDir } from './support.ts';

// Every fixture, by the directory it is in (the directory names the format).
const FIXTURES: [string, LockFormat][] = readdirSync(LOCKS).flatMap((d) =>
  readdirSync(join(LOCKS, d)).map((f): [string, LockFormat] => {
    const format = ({ 'Pipfile.lock': 'pipfile', 'poetry.lock': 'poetry', 'pylock.toml': 'pylock', 'requirements-hashes': 'requirements', 'uv.lock': 'uv' } as const)[d as 'uv.lock'];
    return [join(LOCKS, d, f), format];
  }),
);

const CANONICAL: Record<LockFormat, string> = {
  pylock: 'pylock.toml',
  uv: 'uv.lock',
  poetry: 'poetry.lock',
  pipfile: 'Pipfile.lock',
  requirements: 'requirements.txt',
  'pip-report': 'report.json',
};

test('file names', () => {
  const cases: [string, LockFormat | undefined][] = [
    ['pylock.toml', 'pylock'],
    ['/a/b/pylock.dev.toml', 'pylock'],
    ['pylock.a.b.toml', undefined],
    ['pylock..toml', undefined],
    ['uv.lock', 'uv'],
    ['poetry.lock', 'poetry'],
    ['Pipfile.lock', 'pipfile'],
    ['pipfile.lock', 'pipfile'],
    ['requirements.txt', 'requirements'],
    ['dev-requirements.in', 'requirements'],
    ['constraints.TXT', 'requirements'],
    ['report.json', undefined],
    ['x.uv.lock', undefined],
    ['Cargo.lock', undefined],
  ];
  for (const [name, want] of cases) assert.equal(formatFromName(name), want, name);
});

test('every fixture is detected from its content alone (its name is not a canonical one)', () => {
  assert.equal(FIXTURES.length, 13);
  for (const [path, format] of FIXTURES) {
    const text = readFileSync(path, 'utf8');
    if (format !== 'requirements') assert.equal(formatFromName(path), undefined, path);
    assert.equal(formatFromContent(text), format, path);
    assert.equal(detectLockFormat(path, text), format, path);
    // Under its canonical name, the name and the content agree.
    assert.equal(detectLockFormat(`/some/dir/${CANONICAL[format]}`, text), format, path);
  }
});

test('every fixture reads through readLockFile with well-formed results', async () => {
  for (const [path, format] of FIXTURES) {
    const r = await readLockFile(path);
    assert.equal(r.format, format);
    assert.ok(r.files.length > 0, path);
    assertWellFormed(r);
    for (const f of r.files) assert.equal(f.source.path, path);
  }
});

test('a canonical name with another format inside, and content nobody can place, are InputErrors', () => {
  const uv = readFileSync(FIXTURES.find(([, f]) => f === 'uv')![0], 'utf8');
  assert.throws(() => detectLockFormat('/x/poetry.lock', uv), (e: unknown) => e instanceof InputError && e.message === '/x/poetry.lock is named like a poetry.lock but its content is a uv.lock; rename it');
  assert.throws(() => detectLockFormat('/x/Pipfile.lock', '{"install": []}'), inputError(/named like a Pipfile\.lock but its content is a pip installation report/));
  assert.throws(() => detectLockFormat('notes.md', '# Notes\n\nnothing here'), (e: unknown) => e instanceof InputError && /^notes\.md: cannot tell which lock format this is/.test(e.message));
  assert.throws(() => detectLockFormat('data.json', '{"a": 1}'), inputError(/^data\.json: cannot tell/));
  // A .txt name is weak: a pip report saved as .txt is still a pip report.
  assert.equal(detectLockFormat('report.txt', '{"version": "1", "install": []}'), 'pip-report');
  assert.equal(detectLockFormat('locked', `flask==3.0 --hash=sha256:${'a'.repeat(64)}`), 'requirements');
  assert.equal(detectLockFormat('locked', '-r base.txt\n'), 'requirements');
  // An empty pylock.toml is still a pylock.toml (its reader says what is missing).
  assert.equal(detectLockFormat('pylock.toml', ''), 'pylock');
});

test('readLockFile: a given format, unreadable and oversized files, UTF-16 and BOMs', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const line = `pkg==1.0 --hash=sha256:${'a'.repeat(64)}\n`;
    const p = join(dir, 'locked');
    writeFileSync(p, line);
    assert.equal((await readLockFile(p, { format: 'requirements' })).files.length, 1);
    await assert.rejects(readLockFile(p, { format: 'uv' }), inputError(/locked:1: not valid TOML: /));
    await assert.rejects(readLockFile(p, { format: 'pipfile' }), inputError(/locked: not valid JSON: Unexpected token/));

    await assert.rejects(readLockFile(join(dir, 'absent.txt')), (e: unknown) => e instanceof InputError && e.message.startsWith(`cannot read ${join(dir, 'absent.txt')}: `));
    await assert.rejects(readLockFile(dir), (e: unknown) => e instanceof InputError && e.message === `${dir} is not a regular file`);

    const big = join(dir, 'big.txt');
    writeFileSync(big, line.repeat(10));
    await assert.rejects(readLockFile(big, { limits: { ...DEFAULT_LOCK_LIMITS, maxBytes: line.length * 10 - 1 } }), inputError(/big\.txt is \d+ bytes; lock files larger than \d+ bytes are refused$/));
    assert.equal((await readLockFile(big, { limits: { ...DEFAULT_LOCK_LIMITS, maxBytes: line.length * 10 } })).files.length, 1);

    // Windows PowerShell's `pip freeze > requirements.txt` writes UTF-16 LE with a BOM.
    for (const [name, bytes] of [
      ['le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(line, 'utf16le')])],
      ['be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(line, 'utf16le').swap16()])],
      ['bom8.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(line)])],
    ] as const) {
      writeFileSync(join(dir, name), bytes);
      const r = await readLockFile(join(dir, name));
      assert.deepEqual(r.files.map((f) => [f.name, f.version, f.hashes.sha256]), [['pkg', '1.0', 'a'.repeat(64)]], name);
    }
    writeFileSync(join(dir, 'latin1.txt'), Buffer.from('pkg==1.0 # caf\xe9\n', 'latin1'));
    await assert.rejects(readLockFile(join(dir, 'latin1.txt')), inputError(/latin1\.txt: not UTF-8 text$/));

    // An injected reader's text is bounded too.
    await assert.rejects(readLockFile('x.txt', { readFile: async () => line.repeat(5), limits: { ...DEFAULT_LOCK_LIMITS, maxBytes: 10 } }), inputError(/^x\.txt: larger than 10 bytes; refused$/));
  } finally {
    cleanup();
  }
});

test('parseLock bounds its input and drops a leading BOM', () => {
  assert.throws(() => parseLock('requirements', 'x'.repeat(11), 'r.txt', { ...DEFAULT_LOCK_LIMITS, maxBytes: 10 }), inputError(/^r\.txt: larger than 10 bytes; refused$/));
  const r = parseLock('pipfile', `\uFEFF{"_meta": {}, "default": {"a": {"hashes": ["sha256:${'b'.repeat(64)}"]}}}`, 'Pipfile.lock');
  assert.equal(r.files.length, 1);
});

test('property: detection never throws anything but InputError, and never contradicts a canonical name', () => {
  const names = fc.constantFrom('pylock.toml', 'uv.lock', 'poetry.lock', 'Pipfile.lock', 'requirements.txt', 'x.json', 'lockfile', 'pylock.x.toml');
  fc.assert(
    fc.property(names, fc.string({ unit: 'binary', maxLength: 200 }), (name, text) => {
      try {
        const f = detectLockFormat(name, text);
        const byName = formatFromName(name);
        if (byName !== undefined && byName !== 'requirements') assert.equal(f, byName);
      } catch (err) {
        assert.ok(err instanceof InputError);
      }
    }),
    { numRuns: 1000 },
  );
});
