import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { expandTemplate, loadWatches, newWatch, saveWatches, templateProblem, watchesPath, withWatch } from '../../src/monitor/watches.ts';
import { InputError, UsageError } from '../../src/errors.ts';

function tmp(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'distsum-watch-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('templates expand {version}, {name} and {project}', () => {
  assert.equal(expandTemplate('https://e.com/{project}/v{version}/{name}-{version}.hashes.txt', 'Foo.Bar', '1.0+local'), 'https://e.com/foo-bar/v1.0%2Blocal/foo_bar-1.0%2Blocal.hashes.txt');
  assert.equal(templateProblem('https://e.com/{version}'), undefined);
  assert.equal(templateProblem('file:///srv/{name}-{version}.hashes.txt'), undefined);
  assert.equal(templateProblem('http://127.0.0.1:8000/{version}'), undefined);
  assert.match(templateProblem('https://e.com/latest')!, /must contain \{version\}/);
  assert.match(templateProblem('https://e.com/{version}/{nope}')!, /unknown placeholder \{nope\}/);
  assert.match(templateProblem('http://e.com/{version}')!, /loopback/);
  assert.match(templateProblem('https://u:p@e.com/{version}')!, /credentials/);
  assert.match(templateProblem('javascript:{version}')!, /must be https/);
  fc.assert(fc.property(fc.string({ maxLength: 60 }), (s) => {
    const p = templateProblem(s);
    return p === undefined ? s.includes('{version}') : typeof p === 'string';
  }));
});

test('watches are saved, listed, replaced and removed through the file', async (t) => {
  const dir = tmp(t);
  assert.deepEqual(loadWatches(dir), []);
  const now = new Date('2025-01-01T00:00:00Z');
  const a = newWatch({ project: 'Demo_Pkg', manifest: 'https://e.com/{version}', now });
  assert.equal(a.project, 'demo-pkg');
  let ws = withWatch([], a);
  ws = withWatch(ws, newWatch({ project: 'alpha', manifest: 'https://e.com/{version}', now }));
  ws = withWatch(ws, newWatch({ project: 'demo-pkg', manifest: 'https://other.example/{version}', now, allVersions: true }));
  saveWatches(dir, ws);
  const back = loadWatches(dir);
  assert.deepEqual(back.map((w) => [w.project, w.manifest, w.allVersions ?? false]), [
    ['alpha', 'https://e.com/{version}', false],
    ['demo-pkg', 'https://other.example/{version}', true],
  ]);
  assert.deepEqual(back, ws);
});

test('signers are checked when the watch is added and kept in it', async (t) => {
  const dir = tmp(t);
  const key = join(dir, 'k');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const text = `me@example.com ${readFileSync(`${key}.pub`, 'utf8')}`;
  const w = newWatch({ project: 'demo', manifest: 'https://e.com/{version}', signers: { text, file: '/x/allowed' }, identity: 'me@example.com', now: new Date() });
  assert.equal(w.signers, text);
  assert.equal(w.identity, 'me@example.com');
  assert.throws(() => newWatch({ project: 'demo', manifest: 'https://e.com/{version}', signers: { text: '# nothing\n', file: '/x/a' }, identity: 'me', now: new Date() }), /lists no usable signer/);
  assert.throws(() => newWatch({ project: 'demo', manifest: 'https://e.com/{version}', signers: { text: 'me garbage\n', file: '/x/a' }, identity: 'me', now: new Date() }), InputError);
  assert.throws(() => newWatch({ project: 'demo', manifest: 'https://e.com/{version}', identity: 'me', now: new Date() }), UsageError);
  assert.throws(() => newWatch({ project: '../x', manifest: 'https://e.com/{version}', now: new Date() }), UsageError);
});

test('a damaged watches file is an InputError naming it, never a crash', async (t) => {
  const dir = tmp(t);
  const bad = ['nope', '{}', '{"watches":{}}', '{"watches":[{"project":"x"}]}', '{"watches":[{"project":"X","manifest":"https://e.com/{version}","added":"2025-01-01"}]}', '{"watches":[{"project":"x","manifest":"http://e.com/{version}","added":"2025-01-01"}]}'];
  for (const text of bad) {
    writeFileSync(watchesPath(dir), text);
    assert.throws(() => loadWatches(dir), (e) => e instanceof InputError && e.message.includes(watchesPath(dir)), text);
  }
  fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
    writeFileSync(watchesPath(dir), text);
    try {
      return Array.isArray(loadWatches(dir));
    } catch (e) {
      return e instanceof InputError;
    }
  }), { numRuns: 200 });
});
