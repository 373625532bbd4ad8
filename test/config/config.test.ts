import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConfig } from '../../src/config/config.ts';
import { InputError } from '../../src/errors.ts';

const KEY = 'log.example.org+1a2b3c4d+AZFtaXNzaW5nIGtleSBieXRlcyBhcmUgZmluZSBoZXJlIQ==';

test('parses log settings, verify.strict and trust policies; signers relative to the file', () => {
  const cfg = parseConfig(
    `# a comment
[log]
url = "https://log.example.org"
key = "${KEY}"
witnesses = ["w1", "w2"]
min_witnesses = 1

[verify]
strict = true

[trust.Example_Pkg]
manifest = "https://example.org/{name}-{version}.hashes.txt"
signers = "keys/allowed_signers"
identity = "dev@example.org"
require_log = true

[trust."zope.interface"]
manifest = "file:///srv/{name}/{version}.txt"
signature = "file:///srv/{name}/{version}.sig"
signers = "/etc/distsum/signers"

[tool.other]
anything = 1
`,
    '/proj/distsum.toml',
  );
  assert.deepEqual(cfg.log, { url: 'https://log.example.org', key: KEY, witnesses: ['w1', 'w2'], minWitnesses: 1 });
  assert.equal(cfg.strict, true);
  assert.deepEqual(cfg.trust.get('example-pkg'), {
    project: 'example-pkg',
    manifest: 'https://example.org/{name}-{version}.hashes.txt',
    signers: '/proj/keys/allowed_signers',
    identity: 'dev@example.org',
    requireLog: true,
  });
  assert.deepEqual(cfg.trust.get('zope-interface'), {
    project: 'zope-interface',
    manifest: 'file:///srv/{name}/{version}.txt',
    signature: 'file:///srv/{name}/{version}.sig',
    signers: '/etc/distsum/signers',
  });
  assert.equal(cfg.trust.size, 2);
});

test('an empty file is an empty configuration', () => {
  const cfg = parseConfig('', '/x/distsum.toml');
  assert.deepEqual(cfg.log, {});
  assert.equal(cfg.strict, undefined);
  assert.equal(cfg.trust.size, 0);
});

const refused: [string, RegExp][] = [
  ['[log]\nurl = "http://log.example.org"\n', /log\.url: plain http/],
  ['[log]\nkye = "x"\n', /\[log\]: unknown key "kye"/],
  ['[log]\nmin_witnesses = -1\n', /min_witnesses/],
  ['[log]\nwitnesses = "w"\n', /witnesses: must be a list/],
  ['[verify]\nstrict = "yes"\n', /verify\.strict/],
  ['[trust.pkg]\nsigners = "s"\n', /needs manifest/],
  ['[trust.pkg]\nmanifest = "https://e.org/{x}"\n', /unknown placeholder/],
  ['[trust.pkg]\nmanifest = "https://e.org/{name}"\nsigner = "s"\n', /unknown key "signer"/],
  ['[trust.pkg]\nmanifest = "https://e.org/{name}"\nidentity = "me"\n', /identity needs signers/],
  ['[trust.A_b]\nmanifest = "https://e.org/1"\n[trust.a-B]\nmanifest = "https://e.org/2"\n', /second policy for a-b/],
  ['[trust."not a name"]\nmanifest = "https://e.org/1"\n', /project name/],
  ['trust = 3\n', /\[trust\]: must be a table/],
  ['[log\n', /distsum\.toml:1: not valid TOML/],
];

for (const [text, why] of refused) {
  test(`refuses ${JSON.stringify(text.slice(0, 50))}`, () => {
    assert.throws(
      () => parseConfig(text, '/p/distsum.toml'),
      (e: unknown) => e instanceof InputError && why.test(e.message) && e.message.startsWith('/p/distsum.toml') && !e.message.includes('\n'),
    );
  });
}

test('property: random text parses or is refused with a one-line InputError naming the file', () => {
  const tomlish = fc.stringMatching(/^[\[\]a-z_."= \n{}0-9,#-]{0,120}$/);
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), tomlish), (text) => {
      try {
        const c = parseConfig(text, '/p/distsum.toml');
        assert.ok(c.trust instanceof Map);
      } catch (e) {
        assert.ok(e instanceof InputError, String(e));
        assert.ok(e.message.startsWith('/p/distsum.toml'));
        assert.ok(!e.message.includes('\n'));
      }
    }),
    { numRuns: 500 },
  );
});
