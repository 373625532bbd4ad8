import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { blake2bFromUrl, checkUrlDigest, digestUrl, mayBeOn, PYTHONHOSTED, type DigestUrlLayout } from '../../src/index/pythonhosted.ts';
import { DISTS } from './fixtures.ts';

const B2 = '2d996b0c5fe90e247b2b7b96a27cdf39ee59a02aab3c01d7243fc0c63cd7fb73';
const URL_B2 = `https://files.pythonhosted.org/packages/2d/99/6b0c5fe90e247b2b7b96a27cdf39ee59a02aab3c01d7243fc0c63cd7fb73/poetry_core-1.5.0-py3-none-any.whl`;

test('the digest in a files.pythonhosted.org URL', () => {
  assert.equal(blake2bFromUrl(URL_B2), B2);
  assert.equal(blake2bFromUrl(URL_B2.replace('https:', 'http:')), B2);
  assert.equal(digestUrl(B2, 'poetry_core-1.5.0-py3-none-any.whl'), URL_B2);
});

test('URLs that encode no digest give undefined', () => {
  const no = [
    'https://files.pythonhosted.org/packages/source/r/requests/requests-0.2.0.tar.gz',
    'https://files.pythonhosted.org/packages/2.7/r/requests/requests-2.0.0-py2.py3-none-any.whl',
    URL_B2.replace('files.pythonhosted.org', 'files.pythonhosted.org.evil.test'),
    URL_B2.replace('/packages/', '/pkgs/'),
    URL_B2.replace('/2d/', '/2D/'),
    URL_B2.replace('6b0c5f', '6b0c5'),
    URL_B2.replace('/poetry_core-1.5.0-py3-none-any.whl', '/'),
    URL_B2.replace('/poetry_core-1.5.0-py3-none-any.whl', ''),
    `${URL_B2}/extra`,
    URL_B2.replace('https:', 'ftp:'),
    'not a url',
    '',
  ];
  for (const u of no) assert.equal(blake2bFromUrl(u), undefined, u);
});

test('another layout (a stand-in index) can be given', () => {
  const layout = { hostname: '127.0.0.1', prefix: '/files/' };
  const u = `http://127.0.0.1:8080/files/${B2.slice(0, 2)}/${B2.slice(2, 4)}/${B2.slice(4)}/a-1.tar.gz`;
  assert.equal(blake2bFromUrl(u, [layout]), B2);
  assert.equal(blake2bFromUrl(u), undefined);
  assert.equal(blake2bFromUrl(URL_B2, [layout, PYTHONHOSTED]), B2);
});

test('checkUrlDigest: match, unclaimed, digest and file-name mismatches, not addressed', () => {
  const fn = 'poetry_core-1.5.0-py3-none-any.whl';
  assert.deepEqual(checkUrlDigest(URL_B2, { filename: fn, blake2b_256: B2.toUpperCase() }), { kind: 'match', blake2b256: B2 });
  assert.deepEqual(checkUrlDigest(URL_B2, { filename: fn }), { kind: 'unclaimed', blake2b256: B2 });
  const other = '00'.repeat(32);
  assert.deepEqual(checkUrlDigest(URL_B2, { filename: fn, blake2b_256: other }), { kind: 'digest-mismatch', urlDigest: B2, claimed: other });
  assert.deepEqual(checkUrlDigest(URL_B2, { filename: 'evil-1.0.whl', blake2b_256: B2 }), { kind: 'filename-mismatch', urlFilename: fn, claimed: 'evil-1.0.whl' });
  assert.deepEqual(checkUrlDigest('https://example.test/a-1.tar.gz', { blake2b_256: other }), { kind: 'not-addressed' });
  // %-escapes in the last segment are decoded before comparing.
  assert.deepEqual(checkUrlDigest(URL_B2.replace('poetry_core-1.5.0', 'a%2Bb-1'), { filename: 'a+b-1-py3-none-any.whl' }).kind, 'unclaimed');
});

test('peer check: python3 hashlib BLAKE2b-256 of the real beautifulsoup4 wheel starts with the path in the fixtures README (b1/fe/e8c6...)', () => {
  const path = join(DISTS, 'beautifulsoup4-4.12.3-py3-none-any.whl');
  const py = execFileSync('python3', ['-c', 'import hashlib,sys; print(hashlib.blake2b(open(sys.argv[1],"rb").read(), digest_size=32).hexdigest())', path], { encoding: 'utf8' }).trim();
  assert.match(py, /^b1fee8c6/);
  const url = digestUrl(py, 'beautifulsoup4-4.12.3-py3-none-any.whl');
  assert.ok(url.startsWith('https://files.pythonhosted.org/packages/b1/fe/e8c6'), url);
  assert.deepEqual(checkUrlDigest(url, { filename: 'beautifulsoup4-4.12.3-py3-none-any.whl', blake2b_256: py }), { kind: 'match', blake2b256: py });
});

test('property: digestUrl and blake2bFromUrl round-trip; arbitrary strings never throw', () => {
  const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });
  const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,30}$/);
  fc.assert(
    fc.property(hex64, name, (h, n) => {
      assert.equal(blake2bFromUrl(digestUrl(h, n)), h);
      assert.equal(checkUrlDigest(digestUrl(h, n), { filename: n, blake2b_256: h }).kind, 'match');
    }),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      const r = blake2bFromUrl(s);
      assert.ok(r === undefined || /^[0-9a-f]{64}$/.test(r));
      assert.ok(['not-addressed', 'unclaimed', 'match', 'digest-mismatch', 'filename-mismatch'].includes(checkUrlDigest(s, { filename: 'x', blake2b_256: s }).kind));
    }),
  );
  fc.assert(
    fc.property(fc.webUrl({ withFragments: true, withQueryParameters: true }), (u) => {
      const r = blake2bFromUrl(u);
      assert.ok(r === undefined || /^[0-9a-f]{64}$/.test(r));
    }),
  );
});

test('the host of a layout written another way (case, %-escapes, tabs, IDNA, IPv4 forms) is still recognised', () => {
  const path = URL_B2.slice('https://files.pythonhosted.org'.length);
  for (const host of ['FILES.PythonHosted.ORG', 'files%2Epythonhosted.org', 'files.python\thosted.org', 'files\u3002pythonhosted.org', 'files.python\u00adhosted.org', 'files\uff0epythonhosted\uff0eorg']) {
    assert.equal(new URL(`https://${host}${path}`).hostname, 'files.pythonhosted.org', host);
    assert.equal(blake2bFromUrl(`https://${host}${path}`), B2, host);
  }
  const local: DigestUrlLayout = { hostname: '127.0.0.1', prefix: '/files/' };
  const tail = `/files/${B2.slice(0, 2)}/${B2.slice(2, 4)}/${B2.slice(4)}/a-1.tar.gz`;
  for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '127.1']) assert.equal(blake2bFromUrl(`http://${host}:8080${tail}`, [local]), B2, host);
});

test('mayBeOn: only URLs that cannot be on a layout host are skipped', () => {
  // A stand-in index's files are not on files.pythonhosted.org: no URL to parse.
  assert.equal(mayBeOn(`http://127.0.0.1:8080/files/2d/99/${B2.slice(4)}/a-1.tar.gz`, [PYTHONHOSTED]), false);
  assert.equal(mayBeOn('https://example.test/a-1.tar.gz', [PYTHONHOSTED]), false);
  assert.equal(mayBeOn(URL_B2, [PYTHONHOSTED]), true);
  assert.equal(mayBeOn('https://example.test/a-1.tar.gz', []), false);
  // Anything the parser may rewrite, and hosts that may be spelled as numbers, are parsed.
  assert.equal(mayBeOn('https://ex%41mple.test/a-1.tar.gz', [PYTHONHOSTED]), true);
  assert.equal(mayBeOn('https://example.test/a-1.tar.gz', [{ hostname: '127.0.0.1', prefix: '/' }]), true);

  // Property: whatever the spelling, a URL the parser puts on a layout's host is never skipped.
  const layouts: DigestUrlLayout[] = [PYTHONHOSTED, { hostname: 'files.example', prefix: '/p/' }];
  const respell = (host: string) =>
    fc.array(fc.constantFrom('same', 'upper', 'percent', 'tab', 'soft-hyphen', 'wide-dot'), { minLength: host.length, maxLength: host.length }).map((how) =>
      [...host]
        .map((ch, i) => {
          switch (how[i]) {
            case 'upper':
              return ch.toUpperCase();
            case 'percent':
              return `%${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
            case 'tab':
              return `\t${ch}`;
            case 'soft-hyphen':
              return `\u00ad${ch}`;
            case 'wide-dot':
              return ch === '.' ? '\u3002' : ch;
            default:
              return ch;
          }
        })
        .join(''),
    );
  const host = fc.oneof(respell('files.pythonhosted.org'), respell('files.example'), fc.domain(), fc.string({ maxLength: 30 }));
  const url = fc.tuple(fc.constantFrom('https://', 'http://', 'HTTPS://', 'ftp://', 'https:\\\\', ' https://'), fc.option(fc.constantFrom('user@', 'files.pythonhosted.org@'), { nil: '' }), host, fc.constantFrom('', ':443', ':8080'), fc.constantFrom('/packages/2d/99/x/a.whl', '/p/a', '', '?q=1#f'));
  fc.assert(
    fc.property(url, ([scheme, user, h, port, path]) => {
      const u = `${scheme}${user}${h}${port}${path}`;
      let hostname: string | undefined;
      try {
        hostname = new URL(u).hostname;
      } catch {
        return;
      }
      if (layouts.some((l) => l.hostname === hostname)) assert.equal(mayBeOn(u, layouts), true, JSON.stringify(u));
    }),
    { numRuns: 3000 },
  );
});
