// Where to upload and as whom: twine's documented precedence (command line > TWINE_* environment >
// .pypirc), --repository-url overriding --repository, __token__ for PyPI, and what happens when
// something is missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTarget, completeCredentials, envFlag, normalizeRepositoryUrl, type Target } from '../../src/upload/target.ts';
import { parseIni } from '../../src/upload/pypirc.ts';
import { UsageError } from '../../src/errors.ts';

const RC = parseIni(
  `[distutils]
index-servers =
    pypi
    testpypi
    corp

[pypi]
username = rc-user
password = rc-pass

[corp]
repository = https://corp.example/legacy/
username = carol
password = carol-pass
ca_cert = /etc/corp-ca.pem
client_cert = /etc/me.pem
`,
  '.pypirc',
);
const load = async () => RC;
const noFile = async () => undefined;
const mustNotLoad = async () => {
  throw new Error('.pypirc must not be read when --repository-url is given');
};

test('no flags, no environment, no .pypirc: PyPI as __token__ with no password yet', async () => {
  const t = await resolveTarget({}, {}, noFile);
  assert.equal(t.url.toString(), 'https://upload.pypi.org/legacy/');
  assert.equal(t.username, '__token__');
  assert.equal(t.usernameSource, 'default');
  assert.equal(t.password, undefined);
  assert.equal(t.isPyPI, true);
  assert.equal(t.name, 'pypi');
});

test('the command line beats the environment, which beats .pypirc', async () => {
  const env = { TWINE_USERNAME: 'env-user', TWINE_PASSWORD: 'env-pass' };
  const cli = await resolveTarget({ username: 'cli-user', password: 'cli-pass' }, env, load);
  assert.deepEqual([cli.username, cli.usernameSource, cli.password, cli.passwordSource], ['cli-user', 'command line', 'cli-pass', 'command line']);
  const fromEnv = await resolveTarget({}, env, load);
  assert.deepEqual([fromEnv.username, fromEnv.usernameSource, fromEnv.password, fromEnv.passwordSource], ['env-user', 'environment', 'env-pass', 'environment']);
  const fromRc = await resolveTarget({}, {}, load);
  assert.deepEqual([fromRc.username, fromRc.usernameSource, fromRc.password, fromRc.passwordSource], ['rc-user', 'config file', 'rc-pass', 'config file']);
  // Mixed: each setting is resolved on its own.
  const mixed = await resolveTarget({ username: 'cli-user' }, { TWINE_PASSWORD: 'env-pass' }, load);
  assert.deepEqual([mixed.username, mixed.password], ['cli-user', 'env-pass']);
});

test('-r picks a .pypirc repository; TWINE_REPOSITORY too, but -r wins', async () => {
  const corp = await resolveTarget({ repository: 'corp' }, { TWINE_REPOSITORY: 'testpypi' }, load);
  assert.equal(corp.url.toString(), 'https://corp.example/legacy/');
  assert.deepEqual([corp.username, corp.password, corp.caCert, corp.clientCert], ['carol', 'carol-pass', '/etc/corp-ca.pem', '/etc/me.pem']);
  assert.equal(corp.isPyPI, false);
  const test_ = await resolveTarget({}, { TWINE_REPOSITORY: 'testpypi' }, load);
  assert.equal(test_.url.toString(), 'https://test.pypi.org/legacy/');
  assert.equal(test_.username, '__token__');
  assert.equal(test_.isPyPI, true);
});

test('--repository-url (or TWINE_REPOSITORY_URL) overrides -r and then .pypirc is not used at all', async () => {
  const t = await resolveTarget({ repository: 'corp', repositoryUrl: 'https://other.example/legacy/' }, {}, mustNotLoad);
  assert.equal(t.url.toString(), 'https://other.example/legacy/');
  assert.equal(t.username, undefined);
  assert.equal(t.caCert, undefined);
  // twine: the URL from the environment also overrides a -r given on the command line.
  const e = await resolveTarget({ repository: 'corp' }, { TWINE_REPOSITORY_URL: 'https://env.example/legacy/' }, mustNotLoad);
  assert.equal(e.url.toString(), 'https://env.example/legacy/');
  // ...but a --repository-url on the command line beats the environment's.
  const c = await resolveTarget({ repositoryUrl: 'https://cli.example/legacy/' }, { TWINE_REPOSITORY_URL: 'https://env.example/legacy/' }, mustNotLoad);
  assert.equal(c.url.toString(), 'https://cli.example/legacy/');
});

test('credentials in the repository URL are used and removed from the URL', async () => {
  const t = await resolveTarget({ repositoryUrl: 'https://dave:p%40ss@idx.example/legacy/' }, {}, mustNotLoad);
  assert.equal(t.url.toString(), 'https://idx.example/legacy/');
  assert.deepEqual([t.username, t.password, t.usernameSource], ['dave', 'p@ss', 'repository URL']);
  const overridden = await resolveTarget({ repositoryUrl: 'https://dave:x@idx.example/legacy/', password: 'cli' }, {}, mustNotLoad);
  assert.equal(overridden.password, 'cli');
});

test('an empty environment variable counts as unset (a missing CI secret expands to "")', async () => {
  const t = await resolveTarget({}, { TWINE_USERNAME: '', TWINE_PASSWORD: '', TWINE_REPOSITORY_URL: '' }, noFile);
  assert.equal(t.url.toString(), 'https://upload.pypi.org/legacy/');
  assert.equal(t.username, '__token__');
  assert.equal(t.password, undefined);
});

test('PyPI hosts are forced to https; legacy pypi.python.org is refused; bad URLs are usage errors', async () => {
  const t = await resolveTarget({ repositoryUrl: 'http://upload.pypi.org/legacy/' }, {}, mustNotLoad);
  assert.equal(t.url.toString(), 'https://upload.pypi.org/legacy/');
  assert.equal(t.isPyPI, true);
  assert.equal(normalizeRepositoryUrl(new URL('http://example.org/legacy/')).toString(), 'http://example.org/legacy/');
  await assert.rejects(resolveTarget({ repositoryUrl: 'https://pypi.python.org/pypi' }, {}, mustNotLoad), /no longer takes uploads/);
  await assert.rejects(resolveTarget({ repositoryUrl: 'ftp://example.org/' }, {}, mustNotLoad), (e: unknown) => e instanceof UsageError && /http/.test(e.message));
  await assert.rejects(resolveTarget({ repositoryUrl: 'not a url' }, {}, mustNotLoad), UsageError);
});

test('a repository name missing from .pypirc is a usage error naming it', async () => {
  await assert.rejects(resolveTarget({ repository: 'nope' }, {}, load), (e: unknown) => e instanceof UsageError && /"nope"/.test(e.message));
  await assert.rejects(resolveTarget({ repository: 'corp' }, {}, noFile), /no repository "corp"/);
});

test('TWINE_CERT and --cert give the CA bundle, --cert first, then ca_cert from .pypirc', async () => {
  assert.equal((await resolveTarget({ repository: 'corp', cert: '/cli.pem' }, { TWINE_CERT: '/env.pem' }, load)).caCert, '/cli.pem');
  assert.equal((await resolveTarget({ repository: 'corp' }, { TWINE_CERT: '/env.pem' }, load)).caCert, '/env.pem');
  assert.equal((await resolveTarget({ repository: 'corp' }, {}, load)).caCert, '/etc/corp-ca.pem');
});

test('TWINE_NON_INTERACTIVE follows twine: set unless empty, 0, false or no', async () => {
  for (const v of ['1', 'true', 'yes', 'anything']) assert.equal(envFlag(v), true, v);
  for (const v of [undefined, '', '0', 'false', 'FALSE', 'no', 'No']) assert.equal(envFlag(v), false, String(v));
  assert.equal((await resolveTarget({}, { TWINE_NON_INTERACTIVE: '1' }, noFile)).nonInteractive, true);
  assert.equal((await resolveTarget({ nonInteractive: true }, {}, noFile)).nonInteractive, true);
});

function target(over: Partial<Target> = {}): Target {
  return { url: new URL('https://idx.example/legacy/'), nonInteractive: false, isPyPI: false, ...over };
}

test('missing credentials: trusted publishing first (for __token__), then the prompt, else a usage error saying how', async () => {
  const asked: Array<[string, boolean]> = [];
  const prompt = async (q: string, o: { hidden: boolean }) => {
    asked.push([q, o.hidden]);
    return o.hidden ? 'typed-secret' : 'typed-user';
  };
  const viaPrompt = await completeCredentials(target(), { prompt });
  assert.deepEqual([viaPrompt.username, viaPrompt.password], ['typed-user', 'typed-secret']);
  assert.deepEqual(asked, [
    ['Enter your username: ', false],
    ['Enter your password: ', true],
  ]);

  const tp = await completeCredentials(target({ username: '__token__', isPyPI: true }), { prompt, trustedPublishing: async () => 'pypi-minted' });
  assert.deepEqual([tp.username, tp.password, tp.passwordSource], ['__token__', 'pypi-minted', 'trusted publishing']);

  // A named user with no password is not trusted publishing: it is asked for.
  asked.length = 0;
  const named = await completeCredentials(target({ username: 'carol' }), { prompt, trustedPublishing: async () => 'never' });
  assert.equal(named.password, 'typed-secret');
  assert.deepEqual(asked, [['Enter your password: ', true]]);

  await assert.rejects(completeCredentials(target(), {}), (e: unknown) => e instanceof UsageError && /-u\/--username/.test(e.message));
  await assert.rejects(completeCredentials(target({ username: 'x', name: 'corp' }), {}), (e: unknown) => e instanceof UsageError && /TWINE_PASSWORD/.test(e.message) && /\[corp\]/.test(e.message));
});

test('explicitly empty credentials are kept (anonymous uploads), nothing is asked', async () => {
  const t = await completeCredentials(target({ username: '', password: '' }), {
    prompt: async () => assert.fail('must not prompt'),
    trustedPublishing: async () => assert.fail('must not mint'),
  });
  assert.deepEqual([t.username, t.password], ['', '']);
});
