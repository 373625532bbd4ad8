// HTML building: every interpolated value is escaped, checked against Python's html.unescape (a
// real HTML decoder) for random strings, and hostile names never produce markup.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { escapeHtml, html, pathOf, trustedHtml } from '../../src/server/html.ts';

// No lone surrogates (String.prototype.isWellFormed is ES2024, beyond this project's lib).
const wellFormedText = (s: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

function pythonUnescape(strings: string[]): string[] {
  const r = spawnSync('python3', ['-c', 'import html, json, sys; print(json.dumps([html.unescape(s) for s in json.load(sys.stdin)]))'], {
    input: JSON.stringify(strings),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

test('escapeHtml replaces the five significant characters', () => {
  assert.equal(escapeHtml(`<script>alert("x")</script> & 'q'`), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;');
  assert.equal(escapeHtml('plain ünïcødé ✓'), 'plain ünïcødé ✓');
});

test('escaped random strings decode back exactly and contain no markup characters (python3 html.unescape)', () => {
  const samples = fc.sample(fc.string({ unit: 'binary', maxLength: 60 }), 300);
  samples.push(`"><img src=x onerror=alert(1)>`, `'; DROP TABLE`, '&amp;', '&#60;', '\u202e', '');
  const escaped = samples.map(escapeHtml);
  for (const e of escaped) assert.doesNotMatch(e, /[<>"']/);
  // Lone surrogates cannot cross JSON/UTF-8 to Python; compare the well-formed ones.
  const wellFormed = samples.map((s, i) => [s, escaped[i]] as const).filter(([s]) => wellFormedText(s));
  const back = pythonUnescape(wellFormed.map(([, e]) => e));
  wellFormed.forEach(([s], i) => assert.equal(back[i], s));
});

test('html escapes interpolations but not the template or nested fragments', () => {
  const name = '<b>bold</b>';
  const inner = html`<em>${name}</em>`;
  const out = html`<p title="${name}">${inner} ${42} ${null} ${undefined} ${false} ${['a<', html`<i>b</i>`]}</p>`;
  assert.equal(out.text, '<p title="&lt;b&gt;bold&lt;/b&gt;"><em>&lt;b&gt;bold&lt;/b&gt;</em> 42    a&lt;<i>b</i></p>');
  assert.equal(trustedHtml('<br>').text, '<br>');
});

test('a plain object cannot pose as a fragment', () => {
  assert.throws(() => html`${{ text: '<script>' } as never}`, TypeError);
});

test('pathOf percent-encodes each untrusted segment', () => {
  assert.equal(pathOf('/file/', 'a b/../c?d#e'), '/file/a%20b%2F..%2Fc%3Fd%23e');
  assert.equal(pathOf('/project/', 'javascript:alert(1)'), '/project/javascript%3Aalert(1)');
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }).filter(wellFormedText), (s) => {
      const p = pathOf('/x/', s);
      assert.equal(decodeURIComponent(p.slice(3)), s);
      assert.doesNotMatch(p.slice(3), /[/?#"<>\s]/);
    }),
  );
});
