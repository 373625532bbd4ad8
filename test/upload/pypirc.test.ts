// .pypirc parsing: Python's own configparser (the parser twine uses) is the oracle, on hand-picked
// files and on random INI-like text; twine's index-servers rules on top.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { parseIni, iniGet, repositoriesFromIni, PYPI_UPLOAD_URL, TESTPYPI_UPLOAD_URL } from '../../src/upload/pypirc.ts';
import { InputError } from '../../src/errors.ts';

// Debian's python3 (the one twine runs on): parses each text with RawConfigParser and reports
// {"ok": {section: {key: value}}, "defaults": {...}} or {"error": <class name>}.
const PY = `
import sys, json, configparser
out = []
for text in json.load(sys.stdin):
    p = configparser.RawConfigParser()
    try:
        p.read_string(text)
        out.append({"ok": {s: {k: v for k, v in p._sections[s].items()} for s in p.sections()}, "defaults": dict(p._defaults)})
    except configparser.Error as e:
        out.append({"error": type(e).__name__})
json.dump(out, sys.stdout)
`;

function pythonParse(texts: string[]): Array<{ ok?: Record<string, Record<string, string>>; defaults?: Record<string, string>; error?: string }> {
  const r = spawnSync('/usr/bin/python3', ['-c', PY], { input: JSON.stringify(texts), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function ours(text: string): { ok?: Record<string, Record<string, string>>; defaults?: Record<string, string>; error?: string } {
  try {
    const ini = parseIni(text, 'test.pypirc');
    const ok: Record<string, Record<string, string>> = {};
    for (const [name, s] of ini.sections) ok[name] = Object.fromEntries(s);
    return { ok, defaults: Object.fromEntries(ini.defaults) };
  } catch (e) {
    assert.ok(e instanceof InputError, `unexpected ${String(e)}`);
    return { error: 'error' };
  }
}

function agree(texts: string[]): void {
  const py = pythonParse(texts);
  texts.forEach((t, i) => {
    const mine = ours(t);
    if (py[i].error) assert.ok(mine.error, `python rejects (${py[i].error}) but we accept: ${JSON.stringify(t)}`);
    else assert.deepEqual(mine, py[i], `differs from configparser on ${JSON.stringify(t)}`);
  });
}

test('parses the .pypirc files of the packaging guide and twine docs exactly as configparser does', () => {
  agree([
    '[distutils]\nindex-servers =\n    pypi\n    testpypi\n    private-repository\n\n[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc\n\n[testpypi]\nusername = __token__\npassword = pypi-test\n\n[private-repository]\nrepository = https://private.example.com/legacy/\nusername = alice\npassword = s3cr#t;%(x)s\n',
    '[server-login]\nusername: bob\npassword: hunter2\n',
    '# comment\n; another\n[pypi]\n  username = x\n  password = y\n',
    '[a]\nkey = first\n  second\n\n  third\n\n[b]\nk=v\n',
    '[a]\nkey = v\n# comment inside\n  cont\n',
    '[DEFAULT]\nusername = dflt\n[pypi]\npassword = p\n',
    '[a]\r\nx = 1\r\ny: 2 = 3\r\n',
    '[a] trailing junk\nx=1\n',
    '[a]b]\nx=1\n',
  ]);
});

test('tolerates a UTF-8 byte order mark (Windows editors write one; configparser would fail on it)', () => {
  assert.deepEqual(ours('\ufeff[a]\nx = 1\n'), ours('[a]\nx = 1\n'));
  assert.deepEqual(ours('[a]\nx = 1\n').ok, { a: { x: '1' } });
});

test('rejects what configparser rejects: duplicates, settings before a section, lines without a delimiter', () => {
  for (const t of ['x = 1\n[a]\n', '[a]\n[a]\n', '[a]\nx=1\nX=2\n', '[a]\njustaword\n', '[a]\n= value\n']) {
    assert.throws(() => parseIni(t, 'my.pypirc'), (e: unknown) => e instanceof InputError && /my\.pypirc line \d+/.test(e.message));
  }
  agree(['x = 1\n[a]\n', '[a]\n[a]\n', '[a]\nx=1\nX=2\n', '[a]\njustaword\n']);
});

test('agrees with configparser on random INI-like text', () => {
  const line = fc.oneof(
    fc.constantFrom('[pypi]', '[testpypi]', '[a b]', '[DEFAULT]', '[server-login]', '', '  ', '# c', '; c', '\tindented', '  more = x'),
    fc.tuple(fc.constantFrom('username', 'password', 'repository', 'Key', 'a b'), fc.constantFrom(' = ', '=', ': ', ':', ' := '), fc.string({ unit: fc.constantFrom('a', 'b', ' ', '#', ';', '%', '=', ':', '[', ']', 'é') , maxLength: 8 })).map(
      ([k, d, v]) => `${k}${d}${v}`,
    ),
    fc.string({ unit: fc.constantFrom('a', ' ', '=', '[', ']', '#', '\t'), maxLength: 6 }),
  );
  const files = fc.sample(fc.array(line, { maxLength: 12 }).map((ls) => ls.join('\n')), { numRuns: 400, seed: 4242 });
  agree(files);
});

test('twine rules: pypi always exists, testpypi when listed, server-login gives defaults, sections outside index-servers are ignored', () => {
  const none = repositoriesFromIni(undefined);
  assert.deepEqual([...none.keys()].sort(), ['pypi', 'testpypi']);
  assert.equal(none.get('pypi')!.repository, PYPI_UPLOAD_URL);
  assert.equal(none.get('testpypi')!.repository, TESTPYPI_UPLOAD_URL);

  const ini = parseIni(
    '[distutils]\nindex-servers = pypi\n  corp\n[server-login]\nusername = fallback\npassword = fbpass\n[corp]\nrepository = https://corp.example/legacy/\nusername = carol\nca_cert = /etc/ca.pem\n[unlisted]\nrepository = https://x.example/\n',
    'rc',
  );
  const repos = repositoriesFromIni(ini);
  assert.deepEqual([...repos.keys()].sort(), ['corp', 'pypi']);
  assert.deepEqual(repos.get('corp'), { username: 'carol', password: 'fbpass', repository: 'https://corp.example/legacy/', ca_cert: '/etc/ca.pem' });
  assert.deepEqual(repos.get('pypi'), { username: 'fallback', password: 'fbpass', repository: PYPI_UPLOAD_URL });
  assert.equal(iniGet(ini, 'corp', 'missing'), undefined);
});

test('a [pypi] section can override the URL of pypi, and [DEFAULT] values apply to listed sections', () => {
  const ini = parseIni('[DEFAULT]\npassword = shared\n[pypi]\nrepository = https://mirror.example/legacy/\n', 'rc');
  const repos = repositoriesFromIni(ini);
  assert.equal(repos.get('pypi')!.repository, 'https://mirror.example/legacy/');
  assert.equal(repos.get('pypi')!.password, 'shared');
  // testpypi has no section here, so [DEFAULT] does not reach it (configparser has_option is per section).
  assert.equal(repos.get('testpypi')!.password, undefined);
});

test('never crashes on arbitrary text: a value or an InputError', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      try {
        parseIni(s, 'x');
      } catch (e) {
        assert.ok(e instanceof InputError);
      }
    }),
    { numRuns: 500 },
  );
});
