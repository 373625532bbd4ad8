// The form's building blocks checked against twine 4.0.2 and pkginfo themselves (Debian's python3),
// on random input: header collapsing, safe names, wheel python tags; and the per-version field table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { collapseHeader, collapseDescriptionHeader, safeName, pyVersion, fileType, uploadForm, longDescription, type CoreMetadata } from '../../src/upload/form.ts';

const PY = `
import sys, json
from pkginfo.distribution import _collapse_leading_ws
from twine.package import _safe_name
from twine.wheel import Wheel
class W(Wheel):
    def __init__(self, name):
        self.basefilename = name
out = []
for kind, s in json.load(sys.stdin):
    if kind == 'collapse': out.append(_collapse_leading_ws('Summary', s))
    elif kind == 'desc': out.append(_collapse_leading_ws('Description', s))
    elif kind == 'safe': out.append(_safe_name(s))
    elif kind == 'pyver': out.append(W(s).py_version)
json.dump(out, sys.stdout)
`;

function python(items: Array<[string, string]>): string[] {
  const r = spawnSync('/usr/bin/python3', ['-c', PY], { input: JSON.stringify(items), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const textChar = fc.constantFrom(...'ab Z9\t\n\r\v\f\u001c\u0085\u2028é-_.|'.split(''));

test('header collapsing, safe names and wheel python tags agree with pkginfo and twine on random input', () => {
  const texts = fc.sample(fc.string({ unit: textChar, maxLength: 30 }), { numRuns: 300, seed: 7 });
  const names = fc.sample(fc.string({ unit: fc.constantFrom(...'aZ09._- ~!é'.split('')), maxLength: 20 }), { numRuns: 200, seed: 8 });
  const wheels = fc.sample(
    fc.array(fc.string({ unit: fc.constantFrom('a', '1', '_', '.', 'x'), minLength: 0, maxLength: 5 }), { minLength: 1, maxLength: 7 }).map((p) => p.join('-') + '.whl'),
    { numRuns: 200, seed: 9 },
  );
  const items: Array<[string, string]> = [
    ...texts.map((t) => ['collapse', t] as [string, string]),
    ...texts.map((t) => ['desc', t] as [string, string]),
    ...names.map((n) => ['safe', n] as [string, string]),
    ...wheels.map((w) => ['pyver', w] as [string, string]),
    ['pyver', 'wheel-0.40.0-py3-none-any.whl'],
    ['pyver', 'pkg-1.0-1-cp311-cp311-manylinux_2_17_x86_64.whl'],
  ];
  const expected = python(items);
  items.forEach(([kind, s], i) => {
    const got = kind === 'collapse' ? collapseHeader(s) : kind === 'desc' ? collapseDescriptionHeader(s) : kind === 'safe' ? safeName(s) : pyVersion(s);
    assert.equal(got, expected[i], `${kind} of ${JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}`);
  });
});

test('file types and python versions of the legacy API', () => {
  assert.equal(fileType('a-1.0-py3-none-any.whl'), 'bdist_wheel');
  assert.equal(fileType('a-1.0.tar.gz'), 'sdist');
  assert.equal(fileType('a-1.0.zip'), 'sdist');
  assert.equal(fileType('a-1.0.exe'), undefined);
  assert.equal(pyVersion('a-1.0.tar.gz'), '');
  assert.equal(pyVersion('a-1.0-py2.py3-none-any.whl'), 'py2.py3');
});

function meta(version: string, fields: Record<string, string[]>, description?: string): CoreMetadata {
  return { metadataVersion: version, name: fields.name?.[0] ?? 'Pkg_Name', version: fields.version?.[0] ?? '1.0', fields, ...(description !== undefined ? { description } : {}) };
}

const EXTRAS = { filename: 'pkg_name-1.0-py3-none-any.whl', sha256: 'a'.repeat(64), blake2b_256: 'b'.repeat(64) };

test('each metadata version sends the fields pkginfo reads for it; absent single fields are empty; lists repeat', () => {
  const fields = {
    'metadata-version': ['1.0'],
    name: ['Pkg_Name'],
    version: ['1.0'],
    classifier: ['A :: B', 'C :: D'],
    'requires-dist': ['x>=1'],
    'provides-extra': ['test'],
    dynamic: ['Requires-Dist'],
    platform: ['any'],
    summary: ['UNKNOWN'],
  };
  const names = (v: string) => uploadForm(meta(v, { ...fields, 'metadata-version': [v] }), EXTRAS).map((p) => p.name);
  const v10 = names('1.0');
  assert.ok(!v10.includes('classifiers') && !v10.includes('requires_dist') && !v10.includes('provides_extras'));
  // Single-valued fields are always sent, empty when the version has no such header.
  assert.ok(v10.includes('maintainer') && v10.includes('requires_python') && v10.includes('description_content_type'));
  assert.ok(v10.includes('platform') && v10.includes('home_page'));
  const v11 = names('1.1');
  assert.equal(v11.filter((n) => n === 'classifiers').length, 2);
  assert.ok(!v11.includes('requires_dist'));
  assert.ok(names('1.2').includes('requires_dist') && names('2.0').includes('requires_dist') && !names('2.0').includes('provides_extras'));
  assert.ok(names('2.1').includes('provides_extras') && !names('2.1').includes('dynamic'));
  assert.ok(names('2.2').includes('dynamic'));
  // Versions newer than pkginfo's table get everything.
  assert.ok(names('2.4').includes('dynamic') && names('2.4').includes('provides_extras'));

  const form = uploadForm(meta('2.1', { ...fields, 'metadata-version': ['2.1'] }), { ...EXTRAS, comment: 'hi' });
  const get = (n: string) => form.filter((p) => p.name === n).map((p) => ('value' in p ? p.value : '<file>'));
  assert.deepEqual(get('name'), ['Pkg-Name']);
  assert.deepEqual(get('summary'), [''], 'UNKNOWN is sent as empty, as pkginfo drops it');
  assert.deepEqual(get('author'), ['']);
  assert.deepEqual(get('comment'), ['hi']);
  assert.deepEqual(get('md5_digest'), [], 'md5 is not sent');
  assert.deepEqual(get('sha256_digest'), ['a'.repeat(64)]);
  assert.deepEqual(get('blake2_256_digest'), ['b'.repeat(64)]);
  assert.deepEqual(form.slice(-2).map((p) => p.name), [':action', 'protocol_version']);
  assert.deepEqual(get(':action'), ['file_upload']);
  assert.deepEqual(get('protocol_version'), ['1']);
});

test('Metadata 2.4 fields go under current twine names; signatures and attestations come last before the digest', () => {
  const form = uploadForm(meta('2.4', { 'license-expression': ['MIT'], 'license-file': ['LICENSE', 'NOTICE'] }), {
    ...EXTRAS,
    gpgSignature: { filename: 'x.asc', data: new Uint8Array([1]) },
    attestations: '[{}]',
  });
  const order = form.map((p) => p.name);
  assert.deepEqual(form.filter((p) => p.name === 'license_file').map((p) => ('value' in p ? p.value : '')), ['LICENSE', 'NOTICE']);
  assert.ok(order.includes('license_expression'));
  assert.deepEqual(order.slice(-5), ['gpg_signature', 'attestations', 'blake2_256_digest', ':action', 'protocol_version']);
  // Not for versions twine 4.0.2 handled (it never sent them).
  assert.ok(!uploadForm(meta('2.2', { 'license-expression': ['MIT'] }), EXTRAS).some((p) => p.name === 'license_expression'));
});

test('the long description is the body, else the Description header', () => {
  assert.equal(longDescription(meta('2.1', { description: ['header'] }, 'body text\n')), 'body text\n');
  assert.equal(longDescription(meta('1.0', { description: ['line one\n        |line two'] })), 'line one\n|line two');
  assert.equal(longDescription(meta('1.0', { description: ['UNKNOWN'] })), '');
  assert.equal(longDescription(meta('1.0', {})), '');
});

test('property: any metadata gives a form of text parts ending with the action, never a crash', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('1.0', '1.1', '1.2', '2.0', '2.1', '2.2', '2.3', '2.4', '9.9'),
      fc.dictionary(fc.constantFrom('name', 'summary', 'classifier', 'description', 'project-url', 'license-file', 'x-custom'), fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 })),
      fc.option(fc.string({ maxLength: 50 }), { nil: undefined }),
      (v, fields, description) => {
        const form = uploadForm(meta(v, fields, description), EXTRAS);
        for (const p of form) assert.ok('value' in p && typeof p.value === 'string');
        assert.deepEqual(form.slice(-3).map((p) => p.name), ['blake2_256_digest', ':action', 'protocol_version']);
        assert.equal(form.filter((p) => p.name === 'sha256_digest').length, 1);
      },
    ),
    { numRuns: 500 },
  );
});
