import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { parseCoreMetadata, MAX_METADATA_BYTES } from '../../src/dist/metadata.ts';
import { InputError } from '../../src/errors.ts';
import { python } from './python.ts';

const DISTS = resolve(import.meta.dirname, '../../../shared/fixtures/dists');

// Python's email parser (the reader behind every Python metadata tool) as the peer; continuation
// lines unfolded as pkginfo (what twine used) does.
const PY_METADATA = `
import email, json, sys, zipfile
def unfold(name, value):
    lines = value.splitlines()
    if name == 'description':
        return '\\n'.join([l[8:] if i > 0 and (l.startswith(' ' * 8) or l.startswith(' ' * 7 + '|')) else l
                          for i, l in enumerate(lines)]).strip()
    return ' '.join(l.strip() for l in lines).strip()
out = []
for path in sys.argv[1:]:
    z = zipfile.ZipFile(path)
    [name] = [n for n in z.namelist() if n.count('/') == 1 and n.endswith('.dist-info/METADATA')]
    msg = email.message_from_string(z.read(name).decode('utf-8'))
    fields = {}
    for k, v in msg.items():
        fields.setdefault(k.lower(), []).append(unfold(k.lower(), v))
    out.append({'member': name, 'fields': fields, 'body': msg.get_payload()})
print(json.dumps(out))
`;

test('the real wheels: every field, in order, as Python email parses it', () => {
  const paths = readdirSync(DISTS).sort().map((n) => join(DISTS, n));
  const py = python<{ member: string; fields: Record<string, string[]>; body: string }[]>(PY_METADATA, null, paths);
  // The member bytes come from python's zipfile too, so only the parser is under test here.
  const raw = python<string[]>(
    'import sys,zipfile,json\nprint(json.dumps([zipfile.ZipFile(p).read(m).decode() for p,m in zip(sys.argv[1::2], sys.argv[2::2])]))',
    null,
    paths.flatMap((p, i) => [p, py[i].member]),
  );
  for (let i = 0; i < paths.length; i++) {
    const md = parseCoreMetadata(new TextEncoder().encode(raw[i]), paths[i]);
    assert.deepEqual(md.fields, py[i].fields, paths[i]);
    assert.equal(md.description, py[i].body, paths[i]);
    assert.equal(md.metadataVersion, py[i].fields['metadata-version'][0]);
    assert.equal(md.name, py[i].fields.name[0]);
    assert.equal(md.version, py[i].fields.version[0]);
  }
  const wheel = parseCoreMetadata(raw[3], 'wheel');
  assert.equal(wheel.name, 'wheel');
  assert.equal(wheel.version, '0.40.0');
  assert.deepEqual(wheel.fields['project-url'], [
    'Changelog, https://wheel.readthedocs.io/en/stable/news.html',
    'Documentation, https://wheel.readthedocs.io/',
    'Issue Tracker, https://github.com/pypa/wheel/issues',
  ]);
  assert.equal(wheel.fields['maintainer-email'][0], 'Alex Grönholm <alex.gronholm@nextday.fi>');
});

test('Description header with the 8-space and "       |" continuation conventions', () => {
  const text = [
    'Metadata-Version: 1.1',
    'Name: old',
    'Version: 0.1',
    'Description: First line',
    '        ',
    '        indented:',
    '            code',
    '       |pipe form',
    'License: MIT',
    '        Copyright (c) someone',
    'Platform: UNKNOWN',
    '',
  ].join('\r\n');
  const md = parseCoreMetadata(text, 'PKG-INFO');
  assert.equal(md.description, 'First line\n\nindented:\n    code\npipe form');
  assert.deepEqual(md.fields.description, ['First line\n\nindented:\n    code\npipe form']);
  assert.deepEqual(md.fields.license, ['MIT Copyright (c) someone']);
  assert.deepEqual(md.fields.platform, ['UNKNOWN']);
});

test('body after the blank line is the description, kept byte for byte; a BOM is ignored', () => {
  const md = parseCoreMetadata('\ufeffMetadata-Version: 2.1\nName: x\nVersion: 1\nDescription: header form\n\n# Title\r\n\n  text \n', 'M');
  assert.equal(md.description, '# Title\r\n\n  text \n');
  assert.deepEqual(md.fields.description, ['header form']);
  assert.equal(md.metadataVersion, '2.1');
  const empty = parseCoreMetadata('Metadata-Version: 2.1\nName: x\nVersion: 1\n\n\n', 'M');
  assert.equal(empty.description, undefined);
});

test('a line that is not a header starts the body, as in Python', () => {
  const md = parseCoreMetadata('Metadata-Version: 2.1\nName: x\nVersion: 1\nthis is not a header\nmore\n', 'M');
  assert.equal(md.description, 'this is not a header\nmore\n');
  assert.deepEqual(Object.keys(md.fields), ['metadata-version', 'name', 'version']);
});

test('missing, empty or repeated Metadata-Version/Name/Version and other damage are InputErrors naming the file', () => {
  const cases: [string, RegExp][] = [
    ['Name: x\nVersion: 1\n', /no Metadata-Version field/],
    ['Metadata-Version: 2.1\nVersion: 1\n', /no Name field/],
    ['Metadata-Version: 2.1\nName: x\n', /no Version field/],
    ['Metadata-Version: 2.1\nName:   \nVersion: 1\n', /no Name field/],
    ['Metadata-Version: 2.1\nName: x\nName: y\nVersion: 1\n', /2 Name fields/],
    [' continued\nMetadata-Version: 2.1\n', /continuation line/],
    ['', /no Metadata-Version/],
    ['\u0000\u0001binary', /no Metadata-Version/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseCoreMetadata(text, 'pkg/PKG-INFO'), (e: unknown) => e instanceof InputError && re.test(e.message) && e.message.startsWith('pkg/PKG-INFO: '), text);
  }
  assert.throws(() => parseCoreMetadata(new Uint8Array(MAX_METADATA_BYTES + 1), 'big'), (e: unknown) => e instanceof InputError && /larger than/.test(e.message));
});

// A setuptools-style writer (test-side): folds multi-line values with 8 spaces.
function write(fields: [string, string][], body?: string): string {
  const lines = fields.map(([k, v]) => `${k}: ${v.split('\n').join('\n        ')}`);
  return lines.join('\n') + '\n' + (body !== undefined ? '\n' + body : '');
}

const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
const oneLine = fc.string({ unit: fc.constantFrom(...'abc XYZ019,.;:<>=!()[]@/\'"éß'.split('')), maxLength: 30 }).map((s) => s.trim());
const multiLine = fc.array(oneLine, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('\n').trim());

test('property: written metadata parses back to the same fields (order kept within a name) and description', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(headerName, oneLine), { maxLength: 12 }),
      fc.option(multiLine, { nil: undefined }),
      fc.option(fc.string({ maxLength: 80 }).filter((b) => b.trim() !== ''), { nil: undefined }),
      oneLine.filter((s) => s !== ''),
      (extra, descriptionHeader, body, name) => {
        const reserved = /^(metadata-version|name|version|description)$/i;
        const fields: [string, string][] = [['Metadata-Version', '2.1'], ['Name', name], ['Version', '1.0'], ...extra.filter(([k]) => !reserved.test(k))];
        if (descriptionHeader !== undefined) fields.push(['Description', descriptionHeader]);
        const md = parseCoreMetadata(write(fields, body), 'M');
        const want: Record<string, string[]> = {};
        for (const [k, v] of fields) (want[k.toLowerCase()] ??= []).push(v);
        assert.deepEqual(md.fields, want);
        assert.equal(md.name, name);
        assert.equal(md.description, body ?? (descriptionHeader !== undefined ? descriptionHeader : undefined));
      },
    ),
    { numRuns: 300 },
  );
});

test('property: arbitrary bytes give metadata or an InputError, never a crash', () => {
  const prefix = fc.constantFrom('', 'Metadata-Version: 2.1\nName: a\nVersion: 1\n', 'Metadata-Version: 2.1\n');
  fc.assert(
    fc.property(prefix, fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 100 }), (p, bytes, s) => {
      for (const input of [Buffer.concat([Buffer.from(p), bytes]), p + s]) {
        try {
          const md = parseCoreMetadata(input, 'M');
          assert.ok(md.name.length > 0 && md.version.length > 0 && md.metadataVersion.length > 0);
        } catch (e) {
          assert.ok(e instanceof InputError, String(e));
        }
      }
    }),
    { numRuns: 500 },
  );
});
