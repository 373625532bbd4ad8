// The metadata checks of `distsum check`, and the reStructuredText title check against docutils (the
// renderer twine check uses) on generated documents.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { checkMetadata, rstProblems, parseContentType, looksLikeMarkdown, looksLikeRst, columnWidth } from '../../src/upload/check.ts';
import type { CoreMetadata } from '../../src/upload/form.ts';

function meta(over: Partial<CoreMetadata> & { fields?: Record<string, string[]> } = {}): CoreMetadata {
  return { metadataVersion: '2.1', name: 'good-name', version: '1.0', fields: { 'description-content-type': ['text/markdown'] }, description: 'Hello\n', ...over };
}

test('a complete, valid file has no findings', () => {
  assert.deepEqual(checkMetadata(meta()), { errors: [], warnings: [] });
});

test("twine check's warnings: no content type (defaults to rst), no long description", () => {
  assert.deepEqual(checkMetadata(meta({ fields: {} })).warnings, ['`long_description_content_type` missing. defaulting to `text/x-rst`.']);
  assert.deepEqual(checkMetadata(meta({ description: undefined })).warnings, ['`long_description` missing.']);
  assert.deepEqual(checkMetadata(meta({ description: 'UNKNOWN\n' })).warnings, ['`long_description` missing.']);
});

test('errors PyPI would reject the upload for', () => {
  const errs = (m: CoreMetadata) => checkMetadata(m).errors.join('\n');
  assert.match(errs(meta({ metadataVersion: '3.0' })), /Metadata-Version.*3\.0/);
  assert.match(errs(meta({ name: 'bad name!' })), /not a valid project name/);
  assert.match(errs(meta({ name: '-leading' })), /not a valid project name/);
  assert.match(errs(meta({ version: 'one.two' })), /not a valid PEP 440 version/);
  assert.match(errs(meta({ fields: { 'description-content-type': ['text/html'] } })), /type\/subtype is not valid/);
  assert.match(errs(meta({ fields: { 'description-content-type': ['text/markdown; charset=latin-1'] } })), /charset must be UTF-8/);
  assert.match(errs(meta({ fields: { 'description-content-type': ['text/markdown; variant=Wiki'] } })), /variant must be one of GFM, CommonMark/);
  assert.match(errs(meta({ fields: { 'description-content-type': ['text/markdown'], summary: ['x'.repeat(513)] } })), /Summary.*512/);
  assert.equal(errs(meta({ fields: { 'description-content-type': ['text/markdown; charset="UTF-8"; variant=GFM'] } })), '');
  assert.match(checkMetadata(meta({ version: '1.0+local' })).warnings.join(), /local version/);
});

test('reStructuredText with a short title underline fails; Markdown declared as rst is a warning', () => {
  const rst = meta({ fields: { 'description-content-type': ['text/x-rst'] }, description: 'Project\n=====\n\nText.\n' });
  assert.deepEqual(checkMetadata(rst).errors, ['`long_description` has syntax errors in markup and would not be rendered on PyPI: line 2: Warning: Title underline too short.']);
  const md = meta({ fields: {}, description: '# Project\n\nSee [docs](https://example.org).\n' });
  assert.match(checkMetadata(md).warnings.join('\n'), /looks like Markdown/);
  const rstAsMd = meta({ description: 'Intro\n\n.. code-block:: python\n\n   x = 1\n' });
  assert.match(checkMetadata(rstAsMd).warnings.join('\n'), /looks like reStructuredText/);
  assert.equal(looksLikeMarkdown('Plain text with #hashtag and a (parenthesis).'), false);
  assert.equal(looksLikeRst('Plain text.'), false);
});

test('content types parse like cgi.parse_header', () => {
  assert.deepEqual(parseContentType('Text/Markdown; Charset="UTF-8" ; variant=GFM'), { type: 'text/markdown', params: { charset: 'UTF-8', variant: 'GFM' } });
  assert.deepEqual(parseContentType(''), { type: '', params: {} });
});

test('East Asian wide characters take two columns, as docutils counts them', () => {
  assert.equal(columnWidth('abc'), 3);
  assert.equal(columnWidth('日本語'), 6);
  assert.deepEqual(rstProblems('日本語\n======\n'), []);
  assert.deepEqual(rstProblems('日本語\n=====\n'), ['line 2: Warning: Title underline too short.']);
});

// Debian's docutils, run as readme_renderer runs it for twine check; reports the lines of
// "Title underline too short" warnings per document.
const DOCUTILS = `
import sys, json, io
import docutils.core, docutils.utils
out = []
for text in json.load(sys.stdin):
    stream = io.StringIO()
    try:
        docutils.core.publish_doctree(text, settings_overrides={'warning_stream': stream, 'report_level': 2, 'halt_level': 5})
    except Exception as e:
        pass
    # docutils may report a title twice (it re-reads titles when section levels change).
    found = []
    for line in stream.getvalue().splitlines():
        if 'Title underline too short' in line or 'Title overline too short' in line:
            found.append(line.split(':')[1] + (' under' if 'underline' in line else ' over'))
    out.append(sorted(set(found), key=lambda f: int(f.split()[0])))
json.dump(out, sys.stdout)
`;

function docutils(docs: string[]): string[][] {
  const r = spawnSync('/usr/bin/python3', ['-c', DOCUTILS], { input: JSON.stringify(docs), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function ours(d: string): string[] {
  return rstProblems(d).map((p) => `${/^line (\d+)/.exec(p)![1]} ${/underline/.test(p) ? 'under' : 'over'}`);
}

const adornment = fc.tuple(fc.constantFrom('=', '-', '~', '^', '*', '#', '+'), fc.integer({ min: 1, max: 24 })).map(([c, n]) => c.repeat(n));
const titleText = fc.constantFrom('Title', 'A longer title here', 'x', 'Installation', '日本語タイトル', 'Title with trailing   ');

test('title findings equal docutils on documents made of separate blocks', () => {
  const block = fc.oneof(
    fc.tuple(titleText, adornment).map(([t, u]) => `${t}\n${u}`),
    fc.tuple(titleText, adornment).map(([t, o]) => `${o}\n${t}\n${o}`),
    fc.constantFrom('A paragraph of text\nover two lines.', '* a bullet\n* another', '.. note::\n\n   indented body', '::\n\n    literal\n    =====', '1. Item'),
  );
  const docs = fc.sample(fc.array(block, { minLength: 1, maxLength: 6 }).map((bs) => bs.join('\n\n') + '\n'), { numRuns: 400, seed: 13 });
  const expected = docutils(docs);
  let withFinding = 0;
  docs.forEach((d, i) => {
    if (expected[i].length) withFinding++;
    assert.deepEqual(ours(d), expected[i], `document ${JSON.stringify(d)}`);
  });
  assert.ok(withFinding > 40, `only ${withFinding} documents exercised the warnings`);
});

test('on arbitrary line soup, every title finding is one docutils reports too (never a false failure)', () => {
  const line = fc.oneof(
    fc.constantFrom('', '', 'Title', 'A longer title here', 'x', 'Text line.', '日本語タイトル', '  indented', '* bullet', '1. Item', ':field: value', '.. note::', '| line'),
    adornment,
  );
  const docs = fc.sample(fc.array(line, { minLength: 1, maxLength: 10 }).map((ls) => ls.join('\n') + '\n'), { numRuns: 400, seed: 14 });
  const expected = docutils(docs);
  docs.forEach((d, i) => {
    for (const f of ours(d)) assert.ok(expected[i].includes(f), `we report ${f} but docutils does not, in ${JSON.stringify(d)}`);
  });
});

test('property: arbitrary metadata and descriptions give findings, never a crash', () => {
  const text = fc.string({ maxLength: 200 });
  fc.assert(
    fc.property(
      fc.record({
        metadataVersion: fc.constantFrom('1.0', '2.1', '2.4', 'x'),
        name: fc.string({ maxLength: 20 }),
        version: fc.string({ maxLength: 12 }),
        fields: fc.dictionary(fc.constantFrom('summary', 'description-content-type', 'description'), fc.array(text, { maxLength: 2 })),
        description: fc.option(text, { nil: undefined }),
      }),
      (m) => {
        const f = checkMetadata(m as CoreMetadata);
        assert.ok(Array.isArray(f.errors) && Array.isArray(f.warnings));
        for (const p of rstProblems(m.description ?? '')) assert.match(p, /^line \d+: Warning: Title (under|over)line too short\.$/);
        parseContentType(m.fields['description-content-type']?.[0] ?? '');
      },
    ),
    { numRuns: 500 },
  );
});
