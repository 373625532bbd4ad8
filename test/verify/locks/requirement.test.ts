import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InputError } from '../../../src/errors.ts';
import { parseRequirement } from '../../../src/verify/locks/requirement.ts';
import { pep503, python } from './support.ts';

// pip's install_req_from_line is the oracle; a version in a wheel or sdist file name is read with
// packaging's parsers (pip itself only reads it for wheels before building).
const PY = `
import json, sys
from pip._internal.req.constructors import install_req_from_line
from pip._internal.models.wheel import Wheel
from pip._vendor.packaging.utils import canonicalize_name, parse_sdist_filename
out = []
for line in json.load(sys.stdin):
    try:
        ir = install_req_from_line(line)
    except Exception as e:
        out.append({'error': type(e).__name__})
        continue
    name = canonicalize_name(ir.name) if ir.name else None
    spec = list(ir.req.specifier) if ir.req is not None else []
    version = None
    if len(spec) == 1 and (spec[0].operator == '===' or (spec[0].operator == '==' and not spec[0].version.endswith('.*'))):
        version = spec[0].version
    link = ir.link
    if link is not None and not link.is_vcs:
        if link.is_wheel:
            version = Wheel(link.filename).version
        elif link.filename.endswith('.tar.gz'):
            n, v = parse_sdist_filename(link.filename)
            version = str(v)
            name = name or canonicalize_name(n)
    out.append({
        'name': name, 'version': version,
        'url': link.url if link is not None else None,
        'vcs': bool(link is not None and link.is_vcs),
        'marker': str(ir.markers) if ir.markers is not None else None,
    })
print(json.dumps(out))
`;

const nameArb = fc.constantFrom('pkg', 'Foo.Bar', 'foo_bar-baz', 'A1');
const specArb = fc.constantFrom('', '==1.0', '===1.0', ' == 2.31.0', '>=1,<2', '(==1.0)', '==1.0.*', '~=1.0', '!=3', '<=4 , >1');
const extrasArb = fc.constantFrom('', '[x]', '[x,y]', '[ x , y ]');
const markerArb = fc.constantFrom('', ' ; python_version < "3.8"', ' ; sys_platform == "win32" and python_version >= "3.9"');
const urlArb = fc.constantFrom(
  'https://files.example/p/pkg-1.0-py3-none-any.whl',
  'https://files.example/p/Foo_Bar-2.0-cp312-cp312-manylinux_2_17_x86_64.whl',
  'https://files.example/p/pkg-1.0.tar.gz',
  'https://files.example/p/pkg-1.0.tar.gz#egg=pkg',
  'git+https://github.com/a/b@main#egg=pkg',
  'git+ssh://git@github.com/a/b.git',
  'hg+https://hg.example/repo#egg=Foo.Bar',
);
const lineArb = fc.oneof(
  fc.tuple(nameArb, extrasArb, specArb, markerArb).map(([n, e, s, m]) => `${n}${e}${s}${m}`),
  fc.tuple(nameArb, extrasArb, urlArb, markerArb).map(([n, e, u, m]) => `${n}${e} @ ${u}${m}`),
  fc.tuple(urlArb, markerArb).map(([u, m]) => `${u}${m}`),
);

test('property: requirements read the same as pip reads them (name, exact version, URL, VCS, marker)', () => {
  const lines = [...new Set(fc.sample(lineArb, { numRuns: 300, seed: 440 }))];
  const want = python<({ error: string } | { name: string | null; version: string | null; url: string | null; vcs: boolean; marker: string | null })[]>(PY, lines);
  lines.forEach((line, i) => {
    const w = want[i];
    if ('error' in w) {
      assert.throws(() => parseRequirement(line, 'r.txt:1'), InputError, line);
      return;
    }
    const r = parseRequirement(line, 'r.txt:1');
    assert.equal(r.name === undefined ? null : pep503(r.name), w.name, line);
    assert.equal(r.version ?? null, w.version, line);
    assert.equal(r.kind === 'vcs', w.vcs, line);
    assert.equal(r.kind === 'url' || r.kind === 'vcs' ? r.location : null, w.url, line);
    assert.equal(r.marker ?? null, w.marker, line);
  });
});

test('what each kind of requirement says', () => {
  assert.deepEqual(parseRequirement('Foo[bar]==1.0;python_version<"3.8"', 'w'), { name: 'Foo', version: '1.0', kind: 'index', marker: 'python_version<"3.8"' });
  assert.deepEqual(parseRequirement('pkg>=1', 'w'), { name: 'pkg', kind: 'index' });
  assert.deepEqual(parseRequirement(`https://x/pkg-1.0-py3-none-any.whl#sha256=${'a'.repeat(64)}`, 'w'), {
    kind: 'url',
    location: `https://x/pkg-1.0-py3-none-any.whl#sha256=${'a'.repeat(64)}`,
    filename: 'pkg-1.0-py3-none-any.whl',
    name: 'pkg',
    version: '1.0',
    fragmentHash: ['sha256', 'a'.repeat(64)],
  });
  assert.deepEqual(parseRequirement('./dist/pkg-2.0.tar.gz[extra]', 'w'), { kind: 'file', location: './dist/pkg-2.0.tar.gz', filename: 'pkg-2.0.tar.gz', name: 'pkg', version: '2.0' });
  assert.deepEqual(parseRequirement('pkg @ ./dist/pkg-2.0.tar.gz', 'w'), { kind: 'file', location: './dist/pkg-2.0.tar.gz', filename: 'pkg-2.0.tar.gz', name: 'pkg', version: '2.0' });
  assert.deepEqual(parseRequirement('pkg @ ../src/pkg', 'w'), { kind: 'directory', location: '../src/pkg', name: 'pkg' });
  assert.deepEqual(parseRequirement('.', 'w'), { kind: 'directory', location: '.' });
  assert.deepEqual(parseRequirement('git+https://g/x#egg=Thing', 'w'), { kind: 'vcs', location: 'git+https://g/x#egg=Thing', name: 'Thing' });
  // After a URL, only "; " starts a marker: a URL may contain ";".
  assert.deepEqual(parseRequirement('https://x/a;b/pkg-1.0.tar.gz', 'w').filename, 'pkg-1.0.tar.gz');
});
