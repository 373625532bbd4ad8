// `distsum check` against Debian's real `twine check` on generated wheels: the same verdict (PASSED,
// PASSED with warnings, FAILED) and the same messages where both report them. Where twine 4.0.2
// differs on purpose, the difference is asserted explicitly below:
//   - an empty long description: twine 4.0.2 renders "" (FAILED as rst, PASSED as markdown); current
//     twine and distsum warn "`long_description` missing.".
//   - a content type PyPI refuses (text/html): twine 4.0.2 falls back to rst and passes; PyPI would
//     reject the upload, so distsum fails it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDistsum } from '../upload/harness.ts';

const run = promisify(execFile);

const MAKE = `
import sys, json, zipfile
d = sys.argv[1]
for name, extra, body in json.load(sys.stdin):
    with zipfile.ZipFile(f'{d}/{name}-1.0-py3-none-any.whl', 'w') as z:
        z.writestr(f'{name}/__init__.py', '')
        z.writestr(f'{name}-1.0.dist-info/METADATA', f'Metadata-Version: 2.1\\nName: {name}\\nVersion: 1.0\\n' + extra + ('' if body is None else '\\n' + body))
`;

const CASES: Array<[string, string, string | null]> = [
  ['rst_ok', 'Description-Content-Type: text/x-rst\n', 'Title\n=====\n\nText.\n'],
  ['no_ct', '', 'Title\n=====\n\nText.\n'],
  ['short', 'Description-Content-Type: text/x-rst\n', 'Title here\n=====\n\nText.\n'],
  ['short_default', '', 'Intro\n\nA longer section\n------\n\nText.\n'],
  ['md_ok', 'Description-Content-Type: text/markdown\n', '# Title\n\nText.\n'],
  ['unknown_desc', 'Description-Content-Type: text/plain\n', 'UNKNOWN\n'],
  ['md_as_rst', '', '# Title\n\nSee [docs](https://example.org).\n'],
  ['no_desc', '', null],
  ['no_desc_md', 'Description-Content-Type: text/markdown\n', null],
  ['bad_ct', 'Description-Content-Type: text/html\n', '<p>x</p>\n'],
];

type Verdict = 'PASSED' | 'PASSED with warnings' | 'FAILED';

function parseVerdicts(out: string): Map<string, Verdict> {
  const m = new Map<string, Verdict>();
  // eslint-disable-next-line no-control-regex
  const clean = out.replace(/\u001b\[[0-9;]*m/g, '');
  for (const match of clean.matchAll(/Checking (?:.*\/)?([a-z_]+)-1\.0-py3-none-any\.whl: (PASSED with warnings|PASSED|FAILED)/g)) m.set(match[1], match[2] as Verdict);
  return m;
}

test('the same verdicts as twine check, and the deliberate differences', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'distsum-check-e2e-'));
  try {
    const made = spawnSync('/usr/bin/python3', ['-c', MAKE, dir], { input: JSON.stringify(CASES), encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const files = CASES.map(([n]) => join(dir, `${n}-1.0-py3-none-any.whl`));

    const tw = await run('/usr/bin/twine', ['check', ...files], { env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1' } }).catch((e) => e as { stdout: string; stderr: string });
    const twine = parseVerdicts(tw.stdout + tw.stderr);
    const res = await runDistsum(['check', ...files], { cwd: dir });
    assert.equal(res.code, 1, 'some files fail');
    const ours = parseVerdicts(res.stdout);
    assert.equal(ours.size, CASES.length, res.stdout);

    const deliberate: Record<string, [Verdict, Verdict]> = {
      no_desc: ['FAILED', 'PASSED with warnings'],
      no_desc_md: ['PASSED', 'PASSED with warnings'],
      bad_ct: ['PASSED', 'FAILED'],
    };
    for (const [name] of CASES) {
      const [twineSays, weSay] = deliberate[name] ?? [twine.get(name), twine.get(name)];
      assert.equal(twine.get(name), twineSays, `twine's verdict on ${name} changed`);
      assert.equal(ours.get(name), weSay, `${name}: twine says ${twine.get(name)}, we say ${ours.get(name)}`);
    }
    // The same messages where both report them.
    assert.match(res.stdout, /Checking short-1\.0-py3-none-any\.whl: FAILED\n {2}ERROR {4}`long_description` has syntax errors in markup and would not be rendered on PyPI: line 2: Warning: Title underline too short\./);
    assert.match(res.stdout, /Checking no_ct-1\.0-py3-none-any\.whl: PASSED with warnings\n {2}WARNING {2}`long_description_content_type` missing\. defaulting to `text\/x-rst`\./);
    assert.match(res.stdout, /Checking unknown_desc-1\.0-py3-none-any\.whl: PASSED with warnings\n {2}WARNING {2}`long_description` missing\./);
    assert.match(tw.stdout + tw.stderr, /line 2: Warning: Title underline too short/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--strict fails on warnings; --json gives the verdicts; exit 0 when all pass', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'distsum-check-strict-'));
  try {
    spawnSync('/usr/bin/python3', ['-c', MAKE, dir], { input: JSON.stringify(CASES.filter(([n]) => n === 'rst_ok' || n === 'no_ct')), encoding: 'utf8' });
    const ok = await runDistsum(['check', dir], { cwd: dir });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const strict = await runDistsum(['check', '--strict', dir], { cwd: dir });
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /no_ct-1\.0-py3-none-any\.whl: FAILED due to warnings/);
    const json = await runDistsum(['check', '--json', dir], { cwd: dir });
    const doc = JSON.parse(json.stdout);
    assert.deepEqual(
      doc.files.map((f: { path: string; status: string }) => [f.path, f.status]),
      [
        ['no_ct-1.0-py3-none-any.whl', 'warnings'],
        ['rst_ok-1.0-py3-none-any.whl', 'passed'],
      ],
    );
    // A file that is not a readable distribution fails with its reason; the others are still checked.
    writeFileSync(join(dir, 'broken-1.0.tar.gz'), 'not gzip');
    const broken = await runDistsum(['check', join(dir, 'rst_ok-1.0-py3-none-any.whl'), join(dir, 'broken-1.0.tar.gz')], { cwd: dir });
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /rst_ok-1\.0-py3-none-any\.whl: PASSED/);
    assert.match(broken.stdout, /broken-1\.0\.tar\.gz: FAILED\n {2}ERROR {4}\S/);
    // A path that does not exist is a usage error, as twine makes it.
    const missing = await runDistsum(['check', join(dir, 'missing-1.0.tar.gz')], { cwd: dir });
    assert.equal(missing.code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
