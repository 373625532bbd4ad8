import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { CheckError, InputError } from '../../src/errors.ts';
import { checkAllowed, matchPattern, matchPatternList, parseAllowedSigners, parseSshTime, principalsForKey } from '../../src/manifest/allowed-signers.ts';
import { parsePublicKeyText } from '../../src/manifest/keys.ts';
import { verifySshsig } from '../../src/manifest/verify.ts';
import { SSHSIG, keysJson, run, tempDir, vecBytes, vecText } from './support.ts';

const ED = keysJson().find((k) => k.file === 'keys/ed25519')!;
const K = ED.public_key.split(' ').slice(0, 2).join(' ');
const edKey = parsePublicKeyText(ED.public_key).key;
const NOW = new Date(Date.UTC(2025, 5, 1));

test('the vector allowed_signers files parse: four signers, namespaces restriction, comment line skipped', () => {
  const plain = parseAllowedSigners(vecText('allowed_signers'), 'allowed_signers');
  assert.deepEqual(plain.signers.map((s) => [s.line, s.principals, s.publicKey.type, s.namespaces]), [
    [1, 'ed25519@example.test', 'ssh-ed25519', undefined],
    [2, 'ed25519-enc@example.test', 'ssh-ed25519', undefined],
    [3, 'ecdsa-p256@example.test', 'ecdsa-sha2-nistp256', undefined],
    [4, 'rsa-3072@example.test', 'ssh-rsa', undefined],
  ]);
  assert.deepEqual(plain.notes, []);
  const restricted = parseAllowedSigners(vecText('allowed_signers.restricted'));
  assert.deepEqual(restricted.signers.map((s) => [s.line, s.namespaces]), [[2, 'distsum'], [3, 'distsum'], [4, 'distsum'], [5, 'distsum']]);
});

test('matchPattern and matchPatternList follow OpenSSH match.c', () => {
  const yes: [string, string][] = [['abc', 'abc'], ['abc', 'a*'], ['abc', '*c'], ['abc', 'a?c'], ['abc', '*'], ['', '*'], ['', ''], ['a*c', 'a*c'], ['aXbXc', 'a*b*c'], ['ab', 'a**b']];
  const no: [string, string][] = [['abc', 'ABC'], ['abc', 'ab'], ['abc', '?'], ['', '?'], ['abc', 'a*d'], ['ab', 'a?b']];
  for (const [s, p] of yes) assert.equal(matchPattern(s, p), true, `${s} ~ ${p}`);
  for (const [s, p] of no) assert.equal(matchPattern(s, p), false, `${s} !~ ${p}`);
  assert.equal(matchPatternList('a@x', 'b@x,a@*'), 1);
  assert.equal(matchPatternList('a@x', '*@x,!a@x'), -1);
  assert.equal(matchPatternList('a@x', '!b@x'), 0, 'only negations never match');
  assert.equal(matchPatternList('a@x', 'b@x'), 0);
  assert.equal(matchPattern('a'.repeat(5000), '*a*a*a*a*a*a*a*a*b'), false, 'no exponential backtracking');
});

test('property: matchPattern agrees with a regular-expression translation of the glob', () => {
  // With the u flag `.` matches one code point, as `?` does in matchPattern.
  const toRegex = (p: string) => new RegExp('^' + [...p].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('') + '$', 'su');
  const chars = fc.constantFrom('a', 'b', '*', '?', '.', '\u{1F600}');
  fc.assert(
    fc.property(fc.string({ unit: chars, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', '.', '\u{1F600}'), maxLength: 10 }), (p, s) => {
      assert.equal(matchPattern(s, p), toRegex(p).test(s), `${s} ~ ${p}`);
    }),
    { numRuns: 1000 },
  );
});

test('parseSshTime reads OpenSSH absolute times: UTC with Z/UTC, local time otherwise', () => {
  assert.equal(parseSshTime('20240501Z'), Date.UTC(2024, 4, 1) / 1000);
  assert.equal(parseSshTime('202405011230Z'), Date.UTC(2024, 4, 1, 12, 30) / 1000);
  assert.equal(parseSshTime('20240501123059UTC'), Date.UTC(2024, 4, 1, 12, 30, 59) / 1000);
  assert.equal(parseSshTime('20240501123059z'), Date.UTC(2024, 4, 1, 12, 30, 59) / 1000);
  assert.equal(parseSshTime('20240501'), new Date(2024, 4, 1).getTime() / 1000);
  for (const bad of ['2024050', '2024-05-01', '20240230Z', '20241301Z', '202405012460Z', '20240501T1230Z', '19691231Z', '']) {
    assert.throws(() => parseSshTime(bad), InputError, bad);
  }
});

test('options, quoting and comments parse; cert-authority and unsupported keys are skipped with a note', () => {
  const text = [
    '# a comment',
    '',
    `  "a@x,b@x" namespaces="distsum,file",valid-after="20240101Z",VALID-BEFORE="20300101Z" ${K} a comment`,
    `c@x namespaces="x\\"y" ${K}`,
    `ca@x cert-authority ${K}`,
    'sk@x sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIA==',
    `d@x ${K}\r`,
  ].join('\n');
  const a = parseAllowedSigners(text, 'signers');
  assert.equal(a.signers.length, 3);
  assert.deepEqual(
    { ...a.signers[0], publicKey: undefined },
    { line: 3, principals: 'a@x,b@x', namespaces: 'distsum,file', validAfter: Date.UTC(2024, 0, 1) / 1000, validBefore: Date.UTC(2030, 0, 1) / 1000, publicKey: undefined, comment: 'a comment' },
  );
  assert.equal(a.signers[1].namespaces, 'x"y');
  assert.equal(a.signers[2].line, 7);
  assert.deepEqual(a.notes, [
    'signers:5: cert-authority entry skipped (SSH certificates are not supported)',
    'signers:6: sk-ssh-ed25519@openssh.com key skipped (not supported; use ed25519, ecdsa or rsa)',
  ]);
});

test('malformed lines are InputErrors naming file and line', () => {
  const cases: [string, RegExp][] = [
    [`a@x`, /:1: missing key/],
    [`a@x namespaces="distsum"`, /:1: missing key after the options/],
    [`a@x bogus="1" ${K}`, /:1: unknown option "bogus"/],
    [`a@x namespaces=distsum ${K}`, /missing its opening quote/],
    [`a@x namespaces="distsum ${K}`, /unterminated quote/],
    [`a@x namespaces="a",namespaces="b" ${K}`, /more than one namespaces/],
    [`a@x valid-after="2024" ${K}`, /invalid time "2024"/],
    [`a@x valid-after="20250101Z",valid-before="20240101Z" ${K}`, /valid-before is not after valid-after/],
    [`a@x namespaces="a", ${K}`, /end with a comma/],
    [`a@x namespaces="a";cert-authority ${K}`, /separated by commas/],
    [`"a@x ${K}`, /closing quote/],
    [`a"b@x ${K}`, /quote inside principals/],
    [`"a@x"b ${K}`, /space after the quoted principals/],
    [`a@x ssh-ed25519 AAAA`, /:1: /],
    [`a@x ssh-rsa ${K.split(' ')[1]}`, /says ssh-rsa but the key is ssh-ed25519/],
    [`# ok\na@x\x01 ${K}`, /:2: control character/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseAllowedSigners(text, 'f'), (e: unknown) => e instanceof InputError && /^f:\d+: /.test(e.message) && re.test(e.message), re.source);
  }
  assert.throws(() => parseAllowedSigners('#\n'.repeat(10_001)), /more than 10000 lines/);
  assert.throws(() => parseAllowedSigners('#'.repeat(1024 * 1024 + 1)), /larger than/);
});

test('checkAllowed explains the closest miss: namespace, expiry, not yet valid, other principal, unknown key', () => {
  const text = [`a@x namespaces="file" ${K}`, `a@x valid-before="20240101Z" ${K}`, `b@x valid-after="20300101Z" ${K}`].join('\n');
  const a = parseAllowedSigners(text, 'f');
  const reason = (p: string, ns = 'distsum') => {
    const d = checkAllowed(a, edKey, p, ns, NOW);
    return d.ok ? 'ok' : d.reason;
  };
  assert.equal(reason('a@x'), 'f:1: key is not permitted for signature namespace "distsum" (namespaces="file")');
  assert.equal(reason('a@x', 'file'), 'ok');
  assert.match(reason('b@x'), /^f:3: key is not yet valid \(valid-after 2030-01-01T00:00:00.000Z\)$/);
  const expired = checkAllowed(parseAllowedSigners(`a@x valid-before="20240101Z" ${K}`, 'g'), edKey, 'a@x', 'distsum', NOW);
  assert.ok(!expired.ok && /^g:1: key has expired \(valid-before 2024-01-01T00:00:00.000Z\)$/.test(expired.reason));
  assert.match(reason('c@x'), /is not allowed to sign for "c@x" \(f lists it for a@x b@x\)$/);
  const other = parsePublicKeyText(keysJson().find((k) => k.file === 'keys/outsider-ed25519')!.public_key).key;
  const d = checkAllowed(a, other, 'a@x', 'distsum', NOW);
  assert.ok(!d.ok && /^ED25519 key SHA256:HEc1vt03.* is not listed in f$/.test(d.reason));
  assert.deepEqual(principalsForKey(a, edKey, NOW), ['a@x'], 'find-principals ignores namespaces');
  assert.deepEqual(principalsForKey(parseAllowedSigners(`a@x valid-before="20240101Z" ${K}`), edKey, NOW), [], 'but not validity');
  assert.deepEqual(principalsForKey(parseAllowedSigners(`x@y,z@y namespaces="q" ${K}`), edKey, NOW), ['x@y', 'z@y']);
});

// ssh-keygen is the oracle for matching semantics: each allowed_signers variant is checked by both.
test('matching agrees with ssh-keygen -Y verify on principals patterns, quoting, namespaces and validity times', (t) => {
  const dir = tempDir(t);
  const P = 'ed25519@example.test';
  const cases: [string, string, 'distsum' | 'file'][] = [
    [`*@example.test ${K}`, P, 'distsum'],
    [`${P},!${P} ${K}`, P, 'distsum'],
    [`!other@example.test,*@example.test ${K}`, P, 'distsum'],
    [`*,!${P} ${K}`, P, 'distsum'],
    [`ed25519@example.t?st ${K}`, P, 'distsum'],
    [`ED25519@example.test ${K}`, P, 'distsum'],
    [`"${P}" ${K}`, P, 'distsum'],
    [`   ${P} ${K} trailing comment words`, P, 'distsum'],
    [`x@y,${P} namespaces="dist*" ${K}`, P, 'distsum'],
    [`${P} namespaces="file,!distsum" ${K}`, P, 'distsum'],
    [`${P} namespaces="*,!file" ${K}`, P, 'file'],
    [`${P} NAMESPACES="distsum" ${K}`, P, 'distsum'],
    [`${P} namespaces="a\\"b,distsum" ${K}`, P, 'distsum'],
    [`${P} valid-after="20000101Z" ${K}`, P, 'distsum'],
    [`${P} valid-before="20000101" ${K}`, P, 'distsum'],
    [`${P} valid-after="29991231235959Z" ${K}`, P, 'distsum'],
    [`${P} valid-after="20000101",valid-before="29990101" ${K}`, P, 'distsum'],
    [`${P} namespaces="distsum",valid-after="200001011200Z" ${K}`, P, 'distsum'],
    [`${P} namespaces="file" ${K}\n${P} ${K}`, P, 'distsum'],
    [`${P} cert-authority ${K}`, P, 'distsum'],
    [`other@example.test ${K}`, P, 'distsum'],
  ];
  const message = vecBytes('example_pkg-1.2.0.hashes.txt');
  const verdicts: boolean[] = [];
  cases.forEach(([text, identity, ns], i) => {
    const file = join(dir, `allowed_${i}`);
    writeFileSync(file, text + '\n');
    const sigFile = join(SSHSIG, ns === 'file' ? 'sigs/ed25519.file.sig' : 'sigs/ed25519.distsum.sig');
    const theirs = run('ssh-keygen', ['-Y', 'verify', '-f', file, '-I', identity, '-n', ns, '-s', sigFile], { input: message });
    let ours: boolean;
    try {
      verifySshsig({ message, signature: vecText(sigFile.slice(SSHSIG.length + 1)), allowedSigners: text, identity, namespace: ns, now: new Date() });
      ours = true;
    } catch (e) {
      if (!(e instanceof CheckError)) throw e;
      ours = false;
    }
    assert.equal(ours, theirs.status === 0, `case ${i}: ${text}\nssh-keygen: ${theirs.stdout}${theirs.stderr}`);
    verdicts.push(ours);
  });
  assert.equal(verdicts.map((v) => (v ? 'ok' : 'no')).join(' '), 'ok no ok no ok no ok ok ok no no ok ok ok no no ok ok ok no no');
});

test('a line ssh-keygen rejects as bad options is an InputError for us, never a pass', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'allowed');
  const text = `ed25519@example.test bogus="x" ${K}\n`;
  writeFileSync(file, text);
  const theirs = run('ssh-keygen', ['-Y', 'verify', '-f', file, '-I', 'ed25519@example.test', '-n', 'distsum', '-s', join(SSHSIG, 'sigs/ed25519.distsum.sig')], {
    input: vecBytes('example_pkg-1.2.0.hashes.txt'),
  });
  assert.equal(theirs.status, 255);
  assert.match(theirs.stderr, /bad options: unknown key option/);
  assert.throws(() => parseAllowedSigners(text), InputError);
});

test('property: random text parses to signers or fails with InputError', () => {
  const frag = fc.constantFrom('a@x', '"a b"', '*', '!b', 'namespaces="d"', 'valid-after="20240101Z"', 'cert-authority', K, 'ssh-ed25519', 'AAAA', '#', ' ', '\t', ',', '"', '\\"');
  const check = (text: string) => {
    try {
      const a = parseAllowedSigners(text);
      for (const s of a.signers) assert.ok(s.principals.length > 0 && s.line >= 1);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
    }
  };
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), check), { numRuns: 500 });
  fc.assert(
    fc.property(fc.array(fc.array(frag, { maxLength: 6 }).map((w) => w.join(' ')), { maxLength: 5 }), (lines) => check(lines.join('\n'))),
    { numRuns: 1000 },
  );
});
