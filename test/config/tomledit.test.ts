import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from 'smol-toml';
import { findHeaders, removeTrustPolicy, setTrustPolicy, tomlString } from '../../src/config/tomledit.ts';
import { InputError } from '../../src/errors.ts';

const P = '/p/distsum.toml';

const ORIGINAL = `# Project settings for distsum.
[log]
url = "https://log.example.org" # our log
key = "log.example.org+00000000+AQ=="

# Policies below.
[trust.example-pkg]
# Published with each GitHub release.
manifest = "https://old.example/{name}-{version}.hashes.txt"
signers = "allowed_signers"   # keep me
identity = "old@example.org"

# Comment about the next table.
[tool.something]
text = """
[trust.not-a-header]
"""
list = [
  "[trust.also-not]",
]
`;

test('findHeaders skips brackets in multi-line strings and arrays', () => {
  const hs = findHeaders(ORIGINAL).map((h) => h.key.join('.'));
  assert.deepEqual(hs, ['log', 'trust.example-pkg', 'tool.something']);
  assert.deepEqual(findHeaders("[a.'b c'.\"d.e\"]\n[[arr]]\n").map((h) => [h.key, h.array]), [
    [['a', 'b c', 'd.e'], false],
    [['arr'], true],
  ]);
});

test('updating a policy rewrites only its values; comments and other tables stay byte-for-byte', () => {
  const out = setTrustPolicy(ORIGINAL, 'example-pkg', { manifest: 'https://new.example/{name}/{version}.txt', signers: 'keys/signers', requireLog: true }, P);
  const expected = ORIGINAL.replace('manifest = "https://old.example/{name}-{version}.hashes.txt"', 'manifest = "https://new.example/{name}/{version}.txt"')
    .replace('signers = "allowed_signers"   # keep me', 'signers = "keys/signers"')
    .replace('identity = "old@example.org"\n', 'require_log = true\n');
  assert.equal(out, expected);
});

test('a new policy is appended as a table, after a blank line', () => {
  const out = setTrustPolicy('# mine\n[log]\nurl = "https://l.example"', 'new-pkg', { manifest: 'file:///m/{name}-{version}.txt', identity: 'a"b' }, P);
  assert.equal(out, '# mine\n[log]\nurl = "https://l.example"\n\n[trust.new-pkg]\nmanifest = "file:///m/{name}-{version}.txt"\nidentity = "a\\"b"\n');
  assert.equal(setTrustPolicy('', 'x', { manifest: 'https://e/{name}' }, P), '[trust.x]\nmanifest = "https://e/{name}"\n');
});

test('the project name may be spelt differently in the file', () => {
  const text = '[trust."Example.Pkg"]\nmanifest = "https://a/{name}"\n';
  assert.equal(setTrustPolicy(text, 'example-pkg', { manifest: 'https://b/{name}' }, P), '[trust."Example.Pkg"]\nmanifest = "https://b/{name}"\n');
  assert.equal(removeTrustPolicy(text, 'example-pkg', P), '');
});

test('removing a policy keeps comments around it and everything else', () => {
  const out = removeTrustPolicy(ORIGINAL, 'example-pkg', P)!;
  const doc = parse(out) as Record<string, any>;
  assert.equal(doc.trust, undefined);
  assert.deepEqual(doc.log, parse(ORIGINAL).log);
  assert.deepEqual(doc.tool, parse(ORIGINAL).tool);
  assert.ok(out.includes('# Policies below.'));
  assert.ok(out.includes('# Comment about the next table.'));
  assert.ok(!out.includes('example-pkg'));
  assert.equal(removeTrustPolicy(ORIGINAL, 'other', P), undefined);
});

test('policies written in forms distsum does not edit are refused, not mangled', () => {
  const inline = '[trust]\nexample-pkg = { manifest = "https://a/{name}" }\n';
  assert.throws(() => setTrustPolicy(inline, 'example-pkg', { manifest: 'https://b/{name}' }, P), (e: unknown) => e instanceof InputError && /change it by hand/.test(e.message));
  assert.throws(() => removeTrustPolicy(inline, 'example-pkg', P), InputError);
  const dotted = '[trust]\nnew.manifest = "https://a/{name}"\n';
  assert.throws(() => setTrustPolicy(dotted, 'new', { manifest: 'https://b/{name}' }, P), InputError);
  const multiline = '[trust.p]\nmanifest = """\nhttps://a/{name}"""\n';
  assert.throws(() => setTrustPolicy(multiline, 'p', { manifest: 'https://b/{name}' }, P), InputError);
  assert.throws(() => setTrustPolicy('[broken\n', 'p', { manifest: 'https://b/{name}' }, P), /not valid TOML/);
});

test('CRLF files stay CRLF', () => {
  const out = setTrustPolicy('[log]\r\nurl = "https://l"\r\n', 'x', { manifest: 'https://e/{name}' }, P);
  assert.equal(out, '[log]\r\nurl = "https://l"\r\n\r\n[trust.x]\r\nmanifest = "https://e/{name}"\r\n');
});

test('tomlString escapes what TOML basic strings need and round-trips through a TOML parser', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
      const doc = parse(`v = ${tomlString(s)}\n`) as { v: string };
      assert.equal(doc.v, s);
    }),
  );
  assert.throws(() => tomlString('\ud800'), InputError);
});

// Documents made of other tables, comments and blank lines, with or without existing policies.
const key = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);
const value = fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 20 }).filter((s) => !/[\ud800-\udfff]/.test(s)));
const block = fc.oneof(
  fc.tuple(key, fc.array(fc.tuple(key, value), { maxLength: 3 })).map(([t, kv]) => {
    const seen = new Set<string>();
    const lines = kv.filter(([k]) => !seen.has(k) && seen.add(k)).map(([k, v]) => `${k} = ${typeof v === 'string' ? tomlString(v) : String(v)}`);
    return `[other.${t}]\n${lines.join('\n')}\n`;
  }),
  fc.string({ maxLength: 30 }).filter((s) => !/[\n\r\u0000-\u0008\u000b-\u001f\u007f\ud800-\udfff]/.test(s)).map((s) => `# ${s}\n`),
  fc.constant('\n'),
  fc.tuple(fc.constantFrom('alpha', 'beta', 'Gamma.Pkg'), fc.webUrl()).map(([p, u]) => `[trust."${p}"]\nmanifest = ${tomlString(u)}\n`),
);

test('property: set then remove changes exactly one policy and keeps everything else', () => {
  fc.assert(
    fc.property(fc.array(block, { maxLength: 8 }), fc.constantFrom('alpha', 'beta', 'gamma-pkg', 'delta'), (blocks, project) => {
      const text = blocks.join('');
      let before: Record<string, any>;
      try {
        before = parse(text) as Record<string, any>;
      } catch {
        return; // duplicate tables from the generator: not a TOML document
      }
      const fields = { manifest: 'https://example.org/{name}-{version}.hashes.txt', signers: 'signers file', requireLog: true };
      const set = setTrustPolicy(text, project, fields, P);
      const after = parse(set) as Record<string, any>;
      assert.deepEqual(after.other, before.other);
      const policyKey = Object.keys(after.trust).find((k) => k.toLowerCase().replace(/[-_.]+/g, '-') === project)!;
      assert.deepEqual({ ...after.trust[policyKey] }, { manifest: fields.manifest, signers: fields.signers, require_log: true });
      for (const k of Object.keys(before.trust ?? {})) if (k !== policyKey) assert.deepEqual(after.trust[k], before.trust[k]);
      // Every comment line survives.
      for (const l of text.split('\n').filter((l) => l.startsWith('#'))) assert.ok(set.includes(l));
      const removed = removeTrustPolicy(set, project, P)!;
      const again = parse(removed) as Record<string, any>;
      assert.deepEqual(again.other, before.other);
      assert.equal(again.trust?.[policyKey], undefined);
      for (const l of text.split('\n').filter((l) => l.startsWith('#'))) assert.ok(removed.includes(l));
    }),
    { numRuns: 300 },
  );
});
