// Shared test helpers for the lock readers: fixture paths, python3 oracles (pip's own
// requirements parser; tomllib and json for the structured formats), temp directories and the
// invariants every LockReadResult must keep.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { InputError } from '../../../src/errors.ts';
import type { LockedFile, LockReadResult } from '../../../src/verify/locks/types.ts';

/** The real lock files (read-only). */
export const LOCKS = resolve(import.meta.dirname, '../../../../shared/fixtures/locks');

/** Path of a fixture under LOCKS. */
export function fixture(rel: string): string {
  return join(LOCKS, rel);
}

/** Runs `script` with python3, `input` as JSON on stdin, and parses its stdout as JSON. */
export function python<T>(script: string, input: unknown): T {
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A requirement as pip itself reads it from a requirements file. */
export interface PipRequirement {
  file: string;
  line: number;
  editable: boolean;
  name: string | null;
  version: string | null;
  url: string | null;
  marker: string | null;
  hashes: Record<string, string[]>;
}

// pip's own parser (pip._internal.req) as the oracle: parse_requirements follows -r/-c, joins
// continuations and strips comments; install_req_from_line reads each requirement.
const PIP_PARSE = `
import json, re, sys
from pip._internal.network.session import PipSession
from pip._internal.req.req_file import parse_requirements
from pip._internal.req.constructors import install_req_from_line, install_req_from_editable
from pip._internal.models.wheel import Wheel
from pip._vendor.packaging.utils import canonicalize_name
session = PipSession()
out = []
for path in json.load(sys.stdin):
    try:
        items = []
        for r in parse_requirements(path, session=session):
            m = re.search(r'^-[rc] (.*) \\(line (\\d+)\\)$', r.comes_from)
            ir = install_req_from_editable(r.requirement) if r.is_editable else install_req_from_line(r.requirement)
            spec = list(ir.req.specifier) if ir.req is not None else []
            version = None
            if len(spec) == 1 and (spec[0].operator == '===' or (spec[0].operator == '==' and not spec[0].version.endswith('.*'))):
                version = spec[0].version
            elif ir.link is not None and ir.link.is_wheel:
                version = Wheel(ir.link.filename).version
            items.append({
                'file': m.group(1), 'line': int(m.group(2)), 'editable': r.is_editable,
                'name': canonicalize_name(ir.name) if ir.name else None, 'version': version,
                'url': ir.link.url if ir.link is not None and not ir.link.is_file else None,
                'marker': str(ir.markers) if ir.markers is not None else None,
                'hashes': (r.options or {}).get('hashes', {}),
            })
        out.append({'ok': items})
    except Exception as e:
        out.append({'error': type(e).__name__ + ': ' + str(e).splitlines()[0] if str(e) else type(e).__name__})
print(json.dumps(out))
`;

/** What pip reads from each requirements file (following its includes), or pip's error. */
export function pipParse(paths: string[]): ({ ok: PipRequirement[] } | { error: string })[] {
  return python(PIP_PARSE, paths);
}

/** A LockedFile reduced to what a lock pins, for comparing against an oracle. */
export type Pin = [name: string, version: string | null, filename: string | null, alg: string, digest: string];

/** The pins of a result, one per (file, hash), sorted. */
export function pins(files: LockedFile[]): Pin[] {
  const out: Pin[] = [];
  for (const f of files) {
    for (const [alg, d] of Object.entries(f.hashes)) out.push([f.name, f.version ?? null, f.filename ?? null, alg, d!]);
  }
  return sortPins(out);
}

/** Sorts pins (and removes exact duplicates) so two lists compare as sets. */
export function sortPins(p: Pin[]): Pin[] {
  const seen = new Set<string>();
  return p
    .filter((x) => {
      const k = JSON.stringify(x);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

const HEX: Record<string, number> = { md5: 32, sha1: 40, sha224: 56, sha256: 64, sha384: 96, sha512: 128, blake2b_256: 64 };

/** The invariants of every LockReadResult: normalized names, at least one well-formed hash, a source. */
export function assertWellFormed(r: LockReadResult): void {
  for (const f of r.files) {
    assert.match(f.name, /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, `name ${f.name}`);
    assert.doesNotMatch(f.name, /--/);
    const entries = Object.entries(f.hashes);
    assert.ok(entries.length >= 1, `${f.name} has no hash`);
    for (const [alg, d] of entries) {
      assert.equal(typeof d, 'string');
      if (Object.hasOwn(HEX, alg)) assert.match(d!, new RegExp(`^[0-9a-f]{${HEX[alg]}}$`), `${f.name} ${alg}`);
    }
    assert.equal(typeof f.source.path, 'string');
    if (f.source.line !== undefined) assert.ok(Number.isInteger(f.source.line) && f.source.line >= 1);
    if (f.size !== undefined) assert.ok(Number.isSafeInteger(f.size) && f.size >= 0);
  }
  for (const w of r.warnings) assert.doesNotMatch(w, /[\n\r\u2028\u2029]/);
}

/** Runs `fn`, which must return a result or throw InputError with a one-line message; anything else fails. */
export function valueOrInputError(fn: () => LockReadResult): void {
  let r: LockReadResult;
  try {
    r = fn();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    assert.doesNotMatch(err.message, /[\n\r\u2028\u2029]/);
    assert.ok(err.message.length > 0);
    return;
  }
  assertWellFormed(r);
}

/** A fresh temporary directory and its removal. */
export function tempDir(prefix = 'distsum-locks-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// An independent reading of the structured formats with Python's tomllib and json, written from
// the format documents (PEP 751, uv's lock format, poetry's lock versions, Pipfile.lock, pip's
// installation report), used as an oracle for the pins a lock holds.
const PY_PINS = `
import json, re, sys, tomllib
from pip._vendor.packaging.utils import parse_wheel_filename, parse_sdist_filename
from pip._vendor.packaging.version import Version
fmt, path = json.load(sys.stdin)
norm = lambda n: re.sub(r'[-_.]+', '-', n).lower()
last = lambda u: u.split('#')[0].split('?')[0].rstrip('/').split('/')[-1] if u else None
pins = []
def pin(name, version, filename, alg, digest):
    alg = alg.lower().replace('blake2b-256', 'blake2b_256')
    pins.append([norm(name), version, filename, alg, digest.lower()])
if fmt == 'pylock':
    d = tomllib.load(open(path, 'rb'))
    for p in d['packages']:
        for e in ([p['sdist']] if 'sdist' in p else []) + ([p['archive']] if 'archive' in p else []) + p.get('wheels', []):
            for alg, h in e.get('hashes', {}).items():
                pin(p['name'], p.get('version'), e.get('name') or last(e.get('url') or e.get('path')), alg, h)
elif fmt == 'uv':
    d = tomllib.load(open(path, 'rb'))
    for p in d.get('package', []):
        src = p.get('source', {})
        if any(k in src for k in ('git', 'directory', 'editable', 'virtual')):
            continue
        for e in ([p['sdist']] if 'sdist' in p else []) + p.get('wheels', []):
            if 'hash' in e:
                alg, h = e['hash'].split(':', 1)
                pin(p['name'], p.get('version'), e.get('filename') or last(e.get('url') or e.get('path') or src.get('path') or src.get('url')), alg, h)
elif fmt == 'poetry':
    d = tomllib.load(open(path, 'rb'))
    pkgs = d.get('package', [])
    for p in pkgs:
        for e in p.get('files', []):
            alg, h = e['hash'].split(':', 1)
            pin(p['name'], p.get('version'), e.get('file'), alg, h)
    for key, entries in d.get('metadata', {}).get('files', {}).items():
        same = [p for p in pkgs if norm(p['name']) == norm(key)]
        for e in entries:
            version = None
            if len(same) == 1:
                version = same[0].get('version')
            else:
                f = e['file']
                v = parse_wheel_filename(f)[1] if f.endswith('.whl') else parse_sdist_filename(f)[1]
                version = next((p['version'] for p in same if Version(p['version']) == v), None)
            alg, h = e['hash'].split(':', 1)
            pin(key, version, e.get('file'), alg, h)
elif fmt == 'pipfile':
    d = json.load(open(path))
    for section, entries in d.items():
        if section == '_meta':
            continue
        for name, e in entries.items():
            m = re.match(r'^===?([^,*]+)$', e.get('version', ''))
            for h in e.get('hashes', []):
                alg, digest = h.split(':', 1)
                pin(name, m.group(1) if m else None, last(e.get('file')), alg, digest)
elif fmt == 'pip-report':
    d = json.load(open(path))
    for item in d['install']:
        info = item['download_info']
        a = info.get('archive_info')
        if a is None:
            continue
        hashes = dict(a.get('hashes', {}))
        if 'hash' in a:
            alg, h = a['hash'].split('=', 1)
            hashes[alg] = h
        for alg, h in hashes.items():
            pin(item['metadata']['name'], item['metadata'].get('version'), last(info['url']), alg, h)
print(json.dumps(pins))
`;

/** The pins of a structured lock file as the Python oracle reads it. */
export function pythonPins(format: 'pylock' | 'uv' | 'poetry' | 'pipfile' | 'pip-report', path: string): Pin[] {
  return sortPins(python<Pin[]>(PY_PINS, [format, path]));
}

/**
 * Random TOML/JSON-compatible documents: tables whose keys come mostly from `keys` (the names a
 * reader looks for) and whose leaves mostly from `leaves`, nested a few levels. They reach far
 * deeper into a reader than random text does.
 */
export function documentArb(keys: string[], leaves: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> {
  const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z_-]{1,8}$/) });
  const leaf = fc.oneof(leaves, fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 1 << 20 }), fc.boolean());
  const { table } = fc.letrec<{ node: unknown; table: Record<string, unknown>; array: unknown[] }>((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, leaf, tie('table'), tie('array')),
    table: fc.dictionary(key, tie('node'), { maxKeys: 5, noNullPrototype: true }),
    array: fc.array(tie('node'), { maxLength: 4 }),
  }));
  return table;
}

/** Lowercase hex of `n` digits. */
export function hexArb(n: number): fc.Arbitrary<string> {
  return fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
}

/** Project names as locks write them (any case, runs of `-`, `_`, `.`) and their PEP 503 form. */
export const projectNameArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,6}$/),
    fc.array(fc.tuple(fc.constantFrom('-', '_', '.', '__', '-.'), fc.stringMatching(/^[A-Za-z0-9]{1,5}$/)), { maxLength: 2 }),
  )
  .map(([head, rest]) => head + rest.map(([s, p]) => s + p).join(''));

/** PEP 503 normalization, written out here so expectations do not come from the code under test. */
export function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Versions in several PEP 440 spellings. */
export const versionArb: fc.Arbitrary<string> = fc.constantFrom('1.0', '2.31.0', '0.4.6', '1.0rc1', '2024.2.2', '3.0.post1', '1!2.0', '10.2.0.dev3');

/** Keeps the first of equal LockedFiles, as the readers promise (a lock pins a set of files). */
export function uniqueFiles(files: LockedFile[]): LockedFile[] {
  const seen = new Set<string>();
  return files.filter((f) => {
    const k = JSON.stringify([f.name, f.version, f.filename, f.url, Object.entries(f.hashes).sort()]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** LockedFiles with their keys in one order, so deepEqual compares content, not key order. */
export function canonical(files: LockedFile[]): LockedFile[] {
  return files.map((f) => JSON.parse(JSON.stringify(f, Object.keys(f).concat(['path', 'line'], Object.keys(f.hashes)).sort())) as LockedFile);
}

/** An assert.throws/rejects validator: an InputError whose message matches `re`. */
export function inputError(re: RegExp): (e: unknown) => boolean {
  return (e) => e instanceof InputError && re.test(e.message);
}
