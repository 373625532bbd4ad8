import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InputError } from '../../../src/errors.ts';
import { logicalLines, parseLineOptions, shellSplit, splitArgsOptions } from '../../../src/verify/locks/requirements-lines.ts';
import { python } from './support.ts';

// pip's own line handling (join_lines, ignore_comments, break_args_options) and Python's
// shlex.split are the oracles.
const PY = `
import json, shlex, sys
from pip._internal.req.req_file import join_lines, ignore_comments, break_args_options
out = []
for kind, s in json.load(sys.stdin):
    if kind == 'lines':
        out.append([[n, l] for n, l in ignore_comments(join_lines(enumerate(s.splitlines(), start=1)))])
    elif kind == 'break':
        out.append(list(break_args_options(s)))
    else:
        try:
            out.append(shlex.split(s))
        except ValueError:
            out.append(None)
print(json.dumps(out))
`;

const pieceArb = fc.constantFrom(
  'pkg==1.0',
  ' \\',
  '\\',
  '\\\\',
  '#',
  ' # comment',
  '#comment \\',
  '  ',
  '\t',
  '--hash=sha256:abc',
  'x#y',
  '\n',
  '\r\n',
  '\r',
  '\f',
  '\v',
  '\u2028',
  '\x1c',
  '\x85',
  ';',
  'a b',
);

test('property: logical lines are what pip makes of the same text', () => {
  const texts = fc.sample(fc.array(pieceArb, { maxLength: 14 }).map((a) => a.join('')), { numRuns: 400, seed: 44 });
  const want = python<[number, string][][]>(PY, texts.map((t) => ['lines', t]));
  texts.forEach((t, i) => {
    assert.deepEqual(
      logicalLines(t).map((l) => [l.line, l.text]),
      want[i],
      JSON.stringify(t),
    );
  });
});

test('property: the requirement/options split and the option words are what pip and shlex make of them', () => {
  const wordArb = fc.constantFrom('pkg==1', '--hash=sha256:x', '-r', 'f.txt', ';', 'a', '"q u"', "'s q'", 'b\\ c', '"\\""', '-', '--', 'x-y', "'", '"', '\\', '\u00a0', '\f');
  const lines = fc.sample(fc.array(fc.tuple(wordArb, fc.constantFrom(' ', '  ', '\t', '')), { maxLength: 7 }).map((a) => a.map(([w, s]) => w + s).join('')), { numRuns: 300, seed: 45 });
  const want = python<unknown[]>(PY, [...lines.map((l) => ['break', l]), ...lines.map((l) => ['shlex', l])]);
  lines.forEach((l, i) => {
    const { args, options } = splitArgsOptions(l);
    assert.deepEqual([args, options], want[i], JSON.stringify(l));
    const expected = want[lines.length + i];
    if (expected === null) assert.throws(() => shellSplit(l, 'r.txt:1'), (e: unknown) => e instanceof InputError && /^r\.txt:1: (no closing quotation|a backslash ends the options)/.test(e.message), JSON.stringify(l));
    else assert.deepEqual(shellSplit(l, 'r.txt:1'), expected, JSON.stringify(l));
  });
});

test('line options: forms optparse accepts', () => {
  const o = parseLineOptions(
    ['--hash=sha256:a', '--hash', 'sha384:b', '-rreq.txt', '-c', 'c.txt', '--requirement=r2.txt', '--constr', 'c2.txt', '-e.', '--index-url', 'https://x', '--pre', 'stray', '--unknown', '-z', '--', '--hash=ignored'],
    'w',
  );
  assert.deepEqual(o, {
    hashes: ['sha256:a', 'sha384:b'],
    requirements: ['req.txt', 'r2.txt'],
    constraints: ['c.txt', 'c2.txt'],
    editables: ['.'],
    unknown: ['--unknown', '-z'],
  });
  assert.throws(() => parseLineOptions(['--re', 'x'], 'w'), /ambiguous option --re/);
  assert.throws(() => parseLineOptions(['-r'], 'w'), /-r|--requirement needs a value/);
});
