import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseJsonApi } from '../../src/index/jsonapi.ts';
import { IndexFormatError } from '../../src/index/errors.ts';
import { blake2bFromUrl, checkUrlDigest } from '../../src/index/pythonhosted.ts';
import { fixture } from './fixtures.ts';

const PH = 'https://files.pythonhosted.org/packages';
const enc = (s: string) => new TextEncoder().encode(s);

test('poetry-core 1.5.0: name, version, last_serial, and both files with every digest', () => {
  const p = parseJsonApi(fixture('json-api/poetry-core-1.5.0.json'), 'https://pypi.org/pypi/poetry-core/1.5.0/json');
  assert.deepEqual(p, {
    name: 'poetry-core',
    normalizedName: 'poetry-core',
    version: '1.5.0',
    lastSerial: 16600250,
    versions: ['1.5.0'],
    files: [
      {
        filename: 'poetry_core-1.5.0-py3-none-any.whl',
        url: `${PH}/2d/99/6b0c5fe90e247b2b7b96a27cdf39ee59a02aab3c01d7243fc0c63cd7fb73/poetry_core-1.5.0-py3-none-any.whl`,
        version: '1.5.0',
        digests: {
          blake2b_256: '2d996b0c5fe90e247b2b7b96a27cdf39ee59a02aab3c01d7243fc0c63cd7fb73',
          md5: 'be7589b4902793e66d7d979bd8581591',
          sha256: 'e216b70f013c47b82a72540d34347632c5bfe59fd54f5fe5d51f6a68b19aaf84',
        },
        size: 464992,
        uploadTime: '2023-01-28T10:52:52.445537Z',
        yanked: false,
        requiresPython: '>=3.7,<4.0',
        packagetype: 'bdist_wheel',
      },
      {
        filename: 'poetry_core-1.5.0.tar.gz',
        url: `${PH}/57/bb/2435fef60bb01f6c0891d9482c7053b50e90639f0f74d7658e99bdd4da69/poetry_core-1.5.0.tar.gz`,
        version: '1.5.0',
        digests: {
          blake2b_256: '57bb2435fef60bb01f6c0891d9482c7053b50e90639f0f74d7658e99bdd4da69',
          md5: '481671a4895af7cdda4944eab67f3843',
          sha256: '253521bb7104e1df81f64d7b49ea1825057c91fa156d7d0bd752fefdad6f8c7a',
        },
        size: 448812,
        uploadTime: '2023-01-28T10:52:53.916268Z',
        yanked: false,
        requiresPython: '>=3.7,<4.0',
        packagetype: 'sdist',
      },
    ],
  });
});

test('setuptools 67.6.1 and wheel 0.40.0: sizes, sha256 and blake2b_256', () => {
  const s = parseJsonApi(fixture('json-api/setuptools-67.6.1.json'), 'https://pypi.org/pypi/setuptools/67.6.1/json');
  assert.equal(s.lastSerial, 17478645);
  assert.deepEqual(
    s.files.map((f) => [f.filename, f.size, f.digests.sha256, f.digests.blake2b_256, f.digests.md5]),
    [
      ['setuptools-67.6.1-py3-none-any.whl', 1089263, 'e728ca814a823bf7bf60162daf9db95b93d532948c4c0bea762ce62f60189078', '0bfc8781442def77b0aa22f63f266d4dadd486ebc0c5371d6290caf4320da4b7', '3b5b846e000da033d54eeaaf7915126e'],
      ['setuptools-67.6.1.tar.gz', 2486256, '257de92a9d50a60b8e22abfcbb771571fde0dbf3ec234463212027a4eeecbe9a', 'cb4622ec35f286a77e6b94adf81b4f0d59f402ed981d4251df0ba7b992299146', 'a661b7cdf4cf1e914f866506c1022dee'],
    ],
  );
  const w = parseJsonApi(fixture('json-api/wheel-0.40.0.json'), 'https://pypi.org/pypi/wheel/0.40.0/json');
  assert.equal(w.lastSerial, 17289142);
  assert.deepEqual(
    w.files.map((f) => [f.filename, f.size, f.digests.sha256, f.digests.blake2b_256, f.requiresPython]),
    [
      ['wheel-0.40.0-py3-none-any.whl', 64545, 'd236b20e7cb522daf2390fa84c55eea81c5c30190f90f29ae2ca1ad8355bf247', '6186cc8d1ff2ca31a312a25a708c891cf9facbad4eae493b3872638db6785eb5', '>=3.7'],
      ['wheel-0.40.0.tar.gz', 96226, 'cd1196f3faee2b31968d626e1731c94f99cbdb67cf5a46e4f5656cbee7738873', 'fcef0335f7217dd1e8096a9e8383e1d472aa14717878ffe07c4772e68b6e8735', '>=3.7'],
    ],
  );
});

test('genuineness: every blake2b_256 in poetry-core, setuptools and wheel equals the digest in its files.pythonhosted.org URL', () => {
  let checked = 0;
  for (const f of ['poetry-core-1.5.0.json', 'setuptools-67.6.1.json', 'wheel-0.40.0.json']) {
    for (const file of parseJsonApi(fixture(`json-api/${f}`), `https://pypi.org/x/${f}`).files) {
      assert.ok(file.digests.blake2b_256, `${file.filename} has a blake2b_256`);
      assert.equal(blake2bFromUrl(file.url), file.digests.blake2b_256, file.filename);
      assert.deepEqual(checkUrlDigest(file.url, { filename: file.filename, blake2b_256: file.digests.blake2b_256 }), { kind: 'match', blake2b256: file.digests.blake2b_256 });
      checked++;
    }
  }
  assert.equal(checked, 6);
});

test('requests (2018, /pypi/requests/json): every release, empty ones included, md5 from md5_digest too', () => {
  const p = parseJsonApi(fixture('json-api/requests.json'), 'https://pypi.org/pypi/requests/json');
  assert.equal(p.name, 'requests');
  assert.equal(p.version, '2.18.4');
  assert.equal(p.lastSerial, undefined);
  // Counted with python3's json module: 132 release keys, 181 files (129 sdist, 52 wheels), 51345671 bytes.
  assert.equal(p.versions.length, 132);
  assert.deepEqual(p.versions.slice(0, 3), ['0.0.1', '0.10.0', '0.10.1']);
  assert.equal(p.files.length, 181);
  assert.equal(p.files.filter((f) => f.packagetype === 'sdist').length, 129);
  assert.equal(p.files.filter((f) => f.packagetype === 'bdist_wheel').length, 52);
  assert.equal(p.files.reduce((n, f) => n + f.size, 0), 51345671);
  for (const empty of ['0.0.1', '0.12.01', '2.15.0']) {
    assert.ok(p.versions.includes(empty));
    assert.equal(p.files.filter((f) => f.version === empty).length, 0);
  }
  assert.deepEqual(
    p.files.find((f) => f.filename === 'requests-0.2.0.tar.gz'),
    {
      filename: 'requests-0.2.0.tar.gz',
      url: `${PH}/ba/bb/dfa0141a32d773c47e4dede1a617c59a23b74dd302e449cf85413fc96bc4/requests-0.2.0.tar.gz`,
      version: '0.2.0',
      digests: { md5: '637ae94cb6f2f1d9ea9020293055964a', sha256: '813202ace4d9301a3c00740c700e012fb9f3f8c73ddcfe02ab558a8df6f175fd' },
      size: 5533,
      uploadTime: '2011-02-14T08:49:42Z',
      yanked: false,
      packagetype: 'sdist',
    },
  );
  // `urls` repeats the 2.18.4 files of `releases`: listed once.
  assert.deepEqual(
    p.files.filter((f) => f.version === '2.18.4').map((f) => [f.filename, f.digests.sha256, f.size]),
    [
      ['requests-2.18.4-py2.py3-none-any.whl', '6a1b267aa90cac58ac3a765d067950e7dbbf75b1da07e895d1f594193a40a38b', 88704],
      ['requests-2.18.4.tar.gz', '9c443e7324ba5b85070c4a818ade28bfabedf16ea10206da1132edaa6dda237e', 126224],
    ],
  );
});

test('requests 2.18.4 and six 1.11.0 (per-version documents, no blake2b, empty requires_python)', () => {
  const r = parseJsonApi(fixture('json-api/requests-2.18.4.json'), 'https://pypi.org/pypi/requests/2.18.4/json');
  assert.deepEqual(r.versions, ['2.18.4']);
  assert.deepEqual(
    r.files.map((f) => [f.filename, f.digests, f.size, f.uploadTime, f.requiresPython]),
    [
      ['requests-2.18.4-py2.py3-none-any.whl', { md5: 'eb9be71cc41fd73a51a7c9cd1adde5de', sha256: '6a1b267aa90cac58ac3a765d067950e7dbbf75b1da07e895d1f594193a40a38b' }, 88704, '2017-08-15T13:23:43Z', undefined],
      ['requests-2.18.4.tar.gz', { md5: '081412b2ef79bdc48229891af13f4d82', sha256: '9c443e7324ba5b85070c4a818ade28bfabedf16ea10206da1132edaa6dda237e' }, 126224, '2017-08-15T13:23:46Z', undefined],
    ],
  );
  const six = parseJsonApi(fixture('json-api/six-1.11.0.json'), 'https://pypi.org/pypi/six/1.11.0/json');
  assert.equal(six.lastSerial, 3180827);
  assert.deepEqual(
    six.files.map((f) => [f.filename, f.digests.sha256, f.size]),
    [
      ['six-1.11.0-py2.py3-none-any.whl', '832dc0e10feb1aa2c68dcc57dbb658f1c7e65b9b61af69048abc87a2db00a0eb', 10702],
      ['six-1.11.0.tar.gz', '70e8a77beed4562e7f14fe23a786b54f6296e34344c23bc42f07b15018ff98e9', 29860],
    ],
  );
});

test('the simple-json pages agree with the JSON API where the fixtures are genuine, and show the placeholders where they are not', () => {
  const api = parseJsonApi(fixture('json-api/poetry-core-1.5.0.json'), 'https://x.test/pypi/a/json');
  const simple = JSON.parse(new TextDecoder().decode(fixture('simple-json/poetry-core.v1.x-stubbed.json'))) as { files: { filename: string; url: string; hashes: { sha256: string } }[] };
  const whl = simple.files.find((f) => f.filename === 'poetry_core-1.5.0-py3-none-any.whl')!;
  const sdist = simple.files.find((f) => f.filename === 'poetry_core-1.5.0.tar.gz')!;
  assert.equal(whl.hashes.sha256, api.files[0].digests.sha256);
  assert.notEqual(sdist.hashes.sha256, api.files[1].digests.sha256, 'the stubbed sdist hash is a placeholder (fixtures README)');
  // The URL still records the genuine BLAKE2b: the JSON API's value.
  assert.deepEqual(checkUrlDigest(sdist.url, { filename: sdist.filename, blake2b_256: api.files[1].digests.blake2b_256 }).kind, 'match');
});

test('yanked files: yanked_reason becomes the reason, an empty one plain true', () => {
  const doc = (yanked: unknown, reason: unknown) =>
    enc(JSON.stringify({ info: { name: 'a', version: '1' }, urls: [{ filename: 'a-1.tar.gz', url: 'https://x.test/a-1.tar.gz', digests: { sha256: '00'.repeat(32) }, size: 1, yanked, yanked_reason: reason }] }));
  assert.equal(parseJsonApi(doc(true, 'broken'), 'https://x.test/pypi/a/json').files[0].yanked, 'broken');
  assert.equal(parseJsonApi(doc(true, null), 'https://x.test/pypi/a/json').files[0].yanked, true);
  assert.equal(parseJsonApi(doc(true, ''), 'https://x.test/pypi/a/json').files[0].yanked, true);
  assert.equal(parseJsonApi(doc(false, 'ignored'), 'https://x.test/pypi/a/json').files[0].yanked, false);
  assert.throws(() => parseJsonApi(doc('yes', null), 'https://x.test/pypi/a/json'), /"yanked" is not a boolean/);
});

test('hostile and malformed documents are refused with IndexFormatError', () => {
  const file = { filename: 'a-1.tar.gz', url: 'https://x.test/a-1.tar.gz', digests: { sha256: '00'.repeat(32) }, size: 1 };
  const doc = (over: Record<string, unknown>, top: Record<string, unknown> = {}) => enc(JSON.stringify({ info: { name: 'a', version: '1' }, urls: [{ ...file, ...over }], ...top }));
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['not JSON', enc('{'), /malformed JSON/],
    ['no info', enc('{"urls":[]}'), /"info" is missing/],
    ['bad name', enc(JSON.stringify({ info: { name: 'a/../b', version: '1' } })), /not a project name/],
    ['version with slash', enc(JSON.stringify({ info: { name: 'a', version: '../1' } })), /not a version string/],
    ['non-hex blake2b', doc({ digests: { blake2b_256: 'g'.repeat(64) } }), /not hex/],
    ['wrong-length sha256', doc({ digests: { sha256: 'ab' } }), /hex digits/],
    ['md5_digest disagrees', doc({ digests: { md5: '00'.repeat(16) }, md5_digest: '11'.repeat(16) }), /disagrees/],
    ['no size', doc({ size: undefined }), /"size"/],
    ['string size', doc({ size: '1' }), /"size"/],
    ['traversal', doc({ filename: '../a-1.tar.gz' }), /cannot have/],
    ['markup', doc({ filename: 'a-1<b>.tar.gz' }), /cannot have/],
    ['bad url', doc({ url: 'ftp://x.test/a-1.tar.gz' }), /not http or https/],
    ['bad time', doc({ upload_time_iso_8601: '2020-13-45' }), /ISO 8601/],
    ['bad packagetype', doc({ packagetype: 'bdist wheel<' }), /package type/],
    ['releases not object', doc({}, { releases: [] }), /"releases" is not an object/],
    ['release not list', doc({}, { releases: { '1': {} } }), /not a list/],
    ['conflicting copies', doc({}, { releases: { '1': [{ ...file, size: 2 }] } }), /described twice/],
    ['serial negative', doc({}, { last_serial: -5 }), /last_serial/],
  ];
  for (const [why, body, message] of cases) {
    assert.throws(() => parseJsonApi(body, 'https://x.test/pypi/a/json'), (e: unknown) => e instanceof IndexFormatError && message.test(e.message) && e.message.startsWith('https://x.test/pypi/a/json'), why);
  }
  assert.throws(() => parseJsonApi(doc({}, { releases: { '1': [], '2': [], '3': [] } }), 'https://x.test/pypi/a/json', { maxFiles: 10, maxVersions: 2, maxStringLength: 100 }), /more than 2 releases/);
});

test('property: random JSON never crashes the parser; valid documents round-trip', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 5 }), (v) => {
      for (const body of [v, { info: { name: 'a', version: '1' }, releases: { '1': [v] } }, { info: v, urls: [] }]) {
        try {
          parseJsonApi(enc(JSON.stringify(body)), 'https://x.test/pypi/a/json');
        } catch (e) {
          if (!(e instanceof IndexFormatError)) throw e;
        }
      }
    }),
  );
  const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
  const file = fc.record({ v: fc.stringMatching(/^[0-9]{1,2}\.[0-9]{1,2}$/), sha256: hex(64), blake: hex(64), size: fc.nat(), yanked: fc.boolean() });
  fc.assert(
    fc.property(fc.uniqueArray(file, { selector: (f) => f.v, maxLength: 6 }), (files) => {
      const releases: Record<string, unknown[]> = {};
      for (const f of files) {
        releases[f.v] = [{ filename: `p-${f.v}.tar.gz`, url: `https://f.test/${f.blake}/p-${f.v}.tar.gz`, digests: { sha256: f.sha256.toUpperCase(), blake2b_256: f.blake }, size: f.size, yanked: f.yanked, packagetype: 'sdist' }];
      }
      const p = parseJsonApi(enc(JSON.stringify({ info: { name: 'P', version: '9' }, releases })), 'https://x.test/pypi/a/json');
      // JSON object key order puts integer-like keys first; compare as sets keyed by file name.
      const want = files.map((f) => ({ filename: `p-${f.v}.tar.gz`, url: `https://f.test/${f.blake}/p-${f.v}.tar.gz`, version: f.v, digests: { sha256: f.sha256, blake2b_256: f.blake }, size: f.size, yanked: f.yanked, packagetype: 'sdist' }));
      const byName = (a: { filename: string }, b: { filename: string }) => (a.filename < b.filename ? -1 : 1);
      assert.deepEqual([...p.files].sort(byName), want.sort(byName));
      assert.equal(p.normalizedName, 'p');
    }),
  );
});
