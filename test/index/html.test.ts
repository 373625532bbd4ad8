import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeCharacterReferences, tokenizeHtml, type HtmlToken } from '../../src/index/html.ts';
import { IndexFormatError } from '../../src/index/errors.ts';

const tokens = (html: string) => [...tokenizeHtml(html)];

test('start and end tags, attributes in every quoting style, text, comments', () => {
  assert.deepEqual(tokens(`<A HREF="x" data-a='y' c=z d>t&amp;u</a><!--SERIAL 1-->`), [
    {
      kind: 'start',
      name: 'a',
      attributes: [
        { name: 'href', value: 'x' },
        { name: 'data-a', value: 'y' },
        { name: 'c', value: 'z' },
        { name: 'd', value: '' },
      ],
      selfClosing: false,
    },
    { kind: 'text', text: 't&u' },
    { kind: 'end', name: 'a' },
    { kind: 'comment', text: 'SERIAL 1' },
  ]);
});

test('self-closing tags, the first of duplicate attributes, `=` starting a name, values with > inside quotes', () => {
  assert.deepEqual(tokens(`<br/><x a=1 a=2 =b="q>r" / >`), [
    { kind: 'start', name: 'br', attributes: [], selfClosing: true },
    { kind: 'start', name: 'x', attributes: [{ name: 'a', value: '1' }, { name: '=b', value: 'q>r' }], selfClosing: false },
  ]);
});

test('doctype, processing instructions, CDATA and </ followed by a non-letter are bogus comments', () => {
  assert.deepEqual(tokens('<!DOCTYPE html><?xml x?><![CDATA[<a href=x>]]></ 3>'), [
    { kind: 'comment', text: 'DOCTYPE html' },
    { kind: 'comment', text: 'xml x?' },
    { kind: 'comment', text: '[CDATA[<a href=x' },
    { kind: 'text', text: ']]>' },
    { kind: 'comment', text: ' 3' },
  ]);
});

test('comments: abrupt <!--> and <!--->, --!> closes, unterminated runs to the end', () => {
  assert.deepEqual(tokens('<!-->a<!--->b<!-- x --!>c<!-- <a href=y>'), [
    { kind: 'comment', text: '' },
    { kind: 'text', text: 'a' },
    { kind: 'comment', text: '' },
    { kind: 'text', text: 'b' },
    { kind: 'comment', text: ' x ' },
    { kind: 'text', text: 'c' },
    { kind: 'comment', text: ' <a href=y>' },
  ]);
});

test('raw text elements hide tags until their own end tag (any case); RCDATA decodes references', () => {
  assert.deepEqual(tokens('<script>"<a href=x>"</scripty></SCRIPT ><title>&lt;a&gt;</title><a>'), [
    { kind: 'start', name: 'script', attributes: [], selfClosing: false },
    { kind: 'text', text: '"<a href=x>"</scripty>' },
    { kind: 'end', name: 'script' },
    { kind: 'start', name: 'title', attributes: [], selfClosing: false },
    { kind: 'text', text: '<a>' },
    { kind: 'end', name: 'title' },
    { kind: 'start', name: 'a', attributes: [], selfClosing: false },
  ]);
  // Unterminated <style> swallows the rest; <plaintext> makes everything text.
  assert.deepEqual(tokens('<style><a href=x>'), [
    { kind: 'start', name: 'style', attributes: [], selfClosing: false },
    { kind: 'text', text: '<a href=x>' },
  ]);
  assert.deepEqual(tokens('<plaintext></plaintext><a>'), [
    { kind: 'start', name: 'plaintext', attributes: [], selfClosing: false },
    { kind: 'text', text: '</plaintext><a>' },
  ]);
});

test('a tag cut off by the end of input is dropped; a lone < is text', () => {
  assert.deepEqual(tokens('x<a href="y'), [{ kind: 'text', text: 'x' }]);
  assert.deepEqual(tokens('<a href=y'), []);
  assert.deepEqual(tokens('1 < 2 <3'), [
    { kind: 'text', text: '1 ' },
    { kind: 'text', text: '<' },
    { kind: 'text', text: ' 2 ' },
    { kind: 'text', text: '<' },
    { kind: 'text', text: '3' },
  ]);
  assert.deepEqual(tokens('</>'), []);
});

test('more attributes than the limit is an IndexFormatError', () => {
  const many = `<a ${Array.from({ length: 65 }, (_, i) => `x${i}=1`).join(' ')}>`;
  assert.throws(() => tokens(many), IndexFormatError);
  assert.equal((tokens(many.replace(' x64=1', '')) [0] as Extract<HtmlToken, { kind: 'start' }>).attributes.length, 64);
});

test('character references: named, numeric, legacy without semicolon, invalid code points', () => {
  const d = (s: string, attr = false) => decodeCharacterReferences(s, attr);
  assert.equal(d('&gt;=2.6, &lt;3'), '>=2.6, <3');
  assert.equal(d('&#62;&#x3C;&#X3c;&#0062'), '><<>');
  assert.equal(d('&#0;&#xD800;&#x110000;&#99999999999999999999;'), '\ufffd\ufffd\ufffd\ufffd');
  assert.equal(d('&nosuch; & &# &#x; &'), '&nosuch; & &# &#x; &');
  assert.equal(d('a&ampb'), 'a&b');
  // In attribute values a legacy reference followed by a letter, digit or = stays as written (URLs!).
  assert.equal(d('?a=1&ampb=2&amp=3&lt', true), '?a=1&ampb=2&amp=3<');
  assert.equal(d('&nbsp;&copy;&hellip;&apos;'), '\u00a0\u00a9\u2026\'');
});

// ---- properties ----

// Our own encoder (independent of the decoder under test): every special character as a reference.
function encode(s: string, numeric: boolean): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '&' || ch === '<' || ch === '>' || ch === '"' || ch === "'" || cp > 0x7e) out += numeric ? `&#x${cp.toString(16)};` : `&#${cp};`;
    else out += ch;
  }
  return out;
}

test('property: decode(encode(s)) == s for any string of well-formed code points', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.boolean(), fc.boolean(), (s, numeric, attr) => {
      assert.equal(decodeCharacterReferences(encode(s, numeric), attr), s);
    }),
  );
});

test('property: attributes written by our encoder come back exactly', () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(name, fc.string({ unit: 'grapheme', maxLength: 20 })), { selector: ([n]) => n, maxLength: 10 }), (attrs) => {
      const html = `<a ${attrs.map(([n, v]) => `${n}="${encode(v, false)}"`).join(' ')}>x</a>`;
      assert.deepEqual(tokens(html), [
        { kind: 'start', name: 'a', attributes: attrs.map(([n, v]) => ({ name: n, value: v })), selfClosing: false },
        { kind: 'text', text: 'x' },
        { kind: 'end', name: 'a' },
      ]);
    }),
  );
});

test('property: any input tokenizes (or hits the attribute limit) and text never loses characters outside markup', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      try {
        tokens(s);
      } catch (e) {
        assert.ok(e instanceof IndexFormatError);
      }
      // Without `<` and `&` the whole input is one text token, unchanged.
      const plain = s.replace(/[<&]/g, '');
      assert.deepEqual(tokens(plain), plain === '' ? [] : [{ kind: 'text', text: plain }]);
    }),
  );
  fc.assert(
    fc.property(fc.array(fc.constantFrom('<', '>', '/', '!', '-', '--', '"', "'", '=', ' ', 'a', 'script', '&', '#', 'x', ';', '?'), { maxLength: 60 }), (parts) => {
      try {
        for (const t of tokenizeHtml(parts.join(''))) assert.ok(['start', 'end', 'text', 'comment'].includes(t.kind));
      } catch (e) {
        assert.ok(e instanceof IndexFormatError);
      }
    }),
  );
});

test('linear time on hostile inputs of several MiB', () => {
  const inputs = ['<!--' + '-'.repeat(4 << 20), '<script>' + '</scrip'.repeat(1 << 19), '&#'.repeat(2 << 20), '<a b="'.repeat(1 << 19).slice(0, 60) + ' '.repeat(4 << 20), '<'.repeat(4 << 20)];
  for (const s of inputs) {
    const t0 = Date.now();
    let n = 0;
    try {
      for (const _ of tokenizeHtml(s)) n++;
    } catch (e) {
      assert.ok(e instanceof IndexFormatError);
    }
    assert.ok(Date.now() - t0 < 5000, `${s.slice(0, 10)}: ${Date.now() - t0} ms`);
  }
});
