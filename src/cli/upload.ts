// `distsum upload`: twine upload's drop-in, ending with the hashes of what the index now holds, the
// release manifest to publish elsewhere, and the command a consumer runs to check a download.

import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, resolve } from 'node:path';
import type { CliContext } from './context.ts';
import { VERSION } from './main.ts';
import { canPrompt, prompt } from './prompt.ts';
import { startProgress } from './progress.ts';
import { filesJson, hashTable, writeManifests, type HashedFile, type WrittenManifest } from './release.ts';
import { manifestSigner, type ManifestSigner } from './signing.ts';
import { display } from './hash.ts';
import { digestFiles, type Digests } from '../digest/index.ts';
import { UsageError } from '../errors.ts';
import { splitInputs } from '../upload/inputs.ts';
import { expandArguments, planUploads, prepareUpload, type PlannedFile } from '../upload/prepare.ts';
import { MAX_PYPIRC_BYTES, parseIni, type IniFile } from '../upload/pypirc.ts';
import { addBasicAuth, makeRedactor, type Redactor } from '../upload/redact.ts';
import { completeCredentials, resolveTarget, type Target } from '../upload/target.ts';
import { assertCredentialsAllowed, sanitizeUrl } from '../upload/transport.ts';
import { actionsOidcEnv, mintTrustedPublishingToken } from '../upload/trusted.ts';
import { sendRequest, type HttpRequestOptions, type TlsOptions } from '../upload/http.ts';
import { DEFAULT_RETRY } from '../upload/retry.ts';
import { uploadFile, type PreparedUpload, type UploadDeps, type UploadResult, type UploadSettings } from '../upload/upload.ts';

/** Options as commander parses them. */
interface UploadOptions {
  repository?: string;
  repositoryUrl?: string;
  username?: string;
  password?: string;
  nonInteractive?: boolean;
  comment?: string;
  configFile?: string;
  skipExisting?: boolean;
  cert?: string;
  clientCert?: string;
  attestations?: boolean;
  trustedPublishing?: boolean;
  verbose?: boolean;
  disableProgressBar?: boolean;
  /** twine's GPG -s. */
  s?: boolean;
  signWith?: string;
  sign?: string;
  identity?: string;
  manifest?: string | boolean;
  manifestDir?: string;
  json?: boolean;
}

/** twine's default --config-file. */
const DEFAULT_CONFIG = '~/.pypirc';

/** Largest CA bundle or client certificate file read. */
const MAX_PEM_BYTES = 4 << 20;

/** Registers `distsum upload`. */
export function registerUpload(program: Command, ctx: CliContext): void {
  program
    .command('upload')
    .summary('upload distributions to an index like twine, then print and publish their hashes')
    .description(
      'Upload distribution files with the legacy upload API, exactly as `twine upload` does (same flags, ' +
        'TWINE_* variables and .pypirc), then print the hashes of what the index now holds and write the ' +
        'release manifest <name>-<version>.hashes.txt: publish it where the index cannot change it.',
    )
    .argument('<dists...>', 'distribution files (usually dist/*); .asc signatures and .attestation files may be included')
    .option('-r, --repository <name>', 'repository from .pypirc (default: pypi; env TWINE_REPOSITORY)')
    .option('--repository-url <url>', 'upload URL; overrides --repository (env TWINE_REPOSITORY_URL)')
    .option('-u, --username <name>', 'user name (env TWINE_USERNAME; PyPI: __token__)')
    .option('-p, --password <password>', 'password or API token (env TWINE_PASSWORD)')
    .option('--non-interactive', 'never prompt for credentials (env TWINE_NON_INTERACTIVE)')
    .option('-c, --comment <text>', 'comment sent with each file')
    .option('--config-file <path>', 'the .pypirc file to use', DEFAULT_CONFIG)
    .option('--skip-existing', 'skip files already on the index (their copy must be identical)')
    .option('--cert <path>', 'CA bundle for TLS verification (env TWINE_CERT)')
    .option('--client-cert <path>', 'TLS client certificate: one PEM with key and certificate')
    .option('--attestations', 'upload <file>.<kind>.attestation files (PEP 740) with each file')
    .option('--trusted-publishing', 'mint a token by trusted publishing (automatic for PyPI and TestPyPI in GitHub Actions)')
    .option('--verbose', 'show settings and each request (secrets are never shown)')
    .option('--disable-progress-bar', 'no progress bars')
    .option('-s', "twine's GPG signing: accepted, not done (PyPI ignores PGP signatures); see --sign")
    .option('--sign-with <program>', "twine's GPG program: accepted, ignored")
    .option('--sign <key>', 'sign the release manifest with this SSH private key (or .pub of a key in ssh-agent)')
    .option('-i, --identity <name>', 'signer identity shown in the verify command (e.g. your e-mail)')
    .option('--manifest <path>', 'write the manifest to this path (one release only)')
    .option('--manifest-dir <dir>', 'write manifests to this directory')
    .option('--no-manifest', 'do not write a manifest; only print the hashes')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  distsum upload dist/*                                  # to PyPI, credentials as twine finds them
  distsum upload -r testpypi dist/* --sign ~/.ssh/id_ed25519 --identity you@example.org
  TWINE_USERNAME=__token__ TWINE_PASSWORD=pypi-... distsum upload --non-interactive dist/*
  distsum upload --repository-url https://pypi.example.org/legacy/ --skip-existing dist/*

In GitHub Actions with "permissions: id-token: write" and no password, PyPI and
TestPyPI uploads use trusted publishing. Credentials go only over https (plain
http only to localhost).`,
    )
    .action(async (dists: string[], opts: UploadOptions) => {
      await runUpload(ctx, dists, opts);
    });
}

async function runUpload(ctx: CliContext, args: string[], o: UploadOptions): Promise<void> {
  const red = makeRedactor([o.password, ctx.env.TWINE_PASSWORD, ctx.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN]);
  try {
    await upload(ctx, args, o, red);
  } catch (e) {
    // Nothing a server echoed or a message quoted may carry a secret out.
    if (e instanceof Error) e.message = red.redact(e.message);
    throw e;
  }
}

/** One file's way through the upload. */
interface Done {
  file: PreparedUpload;
  digests: Digests;
  planned: PlannedFile;
  result: UploadResult;
}

/** Output channels; every line passes through the redactor. */
interface Io {
  say: (line: string) => void;
  verbose?: (line: string) => void;
  red: Redactor;
}

async function upload(ctx: CliContext, args: string[], o: UploadOptions, red: Redactor): Promise<void> {
  const say = (line: string) => ctx.stderr.write(red.redact(line) + '\n');
  const io: Io = { say, verbose: o.verbose ? (line: string) => say(`  ${line}`) : undefined, red };
  checkOptions(ctx, o);
  if (o.s || o.signWith) say('Note: PGP signatures are not made (PyPI ignores them since 2023); use --sign KEY to sign the release manifest with an SSH key');

  // Everything is read and checked before any network traffic: inputs, target, key, digests.
  const planned = await planInputs(ctx, args, o, io);
  const target = await resolveTarget(
    {
      repository: o.repository,
      repositoryUrl: o.repositoryUrl,
      username: o.username,
      password: o.password,
      cert: o.cert,
      clientCert: o.clientCert,
      nonInteractive: o.nonInteractive,
    },
    ctx.env,
    () => loadPypirc(ctx, o.configFile ?? DEFAULT_CONFIG, o.configFile !== DEFAULT_CONFIG, io.verbose),
  );
  addBasicAuth(red, target.username, target.password);
  // Refused before anything secret is asked for or sent.
  if (!(target.username === '' && target.password === '')) assertCredentialsAllowed(target.url, 'the password or API token');
  verboseTarget(target, io.verbose);
  const tls = await tlsOptions(ctx, target);
  const sign: ManifestSigner | undefined = o.sign && o.manifest !== false ? await manifestSigner(ctx, o.sign) : undefined;
  const digests = await hashAll(ctx, planned, o);
  const prepared: PreparedUpload[] = [];
  for (let i = 0; i < planned.length; i++) prepared.push(await prepareUpload(planned[i], digests[i], { comment: o.comment }));

  const send = async (req: HttpRequestOptions) => {
    const res = await sendRequest(req);
    io.verbose?.(`${req.method} ${sanitizeUrl(req.url)} -> ${res.status} ${res.reason}`);
    return res;
  };
  const actions = actionsOidcEnv(ctx.env);
  const creds = await completeCredentials(target, {
    prompt: !target.nonInteractive && canPrompt(ctx) ? (q, { hidden }) => prompt(ctx, q, { hidden }) : undefined,
    trustedPublishing:
      actions && (target.isPyPI || o.trustedPublishing)
        ? () => mintTrustedPublishingToken(target.url, actions, { send, tls, secret: (x) => red.add(x), isPyPI: target.isPyPI })
        : undefined,
  });
  addBasicAuth(red, creds.username, creds.password);
  if (creds.passwordSource === 'trusted publishing') say('Minted an upload token by trusted publishing');

  const settings: UploadSettings = {
    url: target.url,
    username: creds.username,
    password: creds.password,
    tls,
    skipExisting: !!o.skipExisting,
    retry: DEFAULT_RETRY,
    userAgent: `distsum/${VERSION} node/${process.versions.node}`,
  };
  const deps: UploadDeps = {
    send,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    random: Math.random,
    randomBytes: (n) => randomBytes(n),
    log: say,
    verbose: io.verbose,
    progress: (name, total) => startProgress(ctx, name, total, { enabled: !o.disableProgressBar && !o.json, minBytes: 1 << 20 }),
  };
  const done = await uploadAll(ctx, io, prepared, digests, planned, settings, deps);

  const hashed = done.map(hashedOf);
  const written: WrittenManifest[] =
    o.manifest !== false
      ? await writeManifests(hashed, {
          manifest: typeof o.manifest === 'string' ? resolve(ctx.cwd, o.manifest) : undefined,
          manifestDir: o.manifestDir ? resolve(ctx.cwd, o.manifestDir) : undefined,
          created: ctx.now(),
          sign,
        })
      : [];
  if (o.json) printJsonSummary(ctx, io, target, done, written, o.identity);
  else printSummary(ctx, io, target, done, written, o.identity);
}

/** Option combinations refused before anything is read. */
function checkOptions(ctx: CliContext, o: UploadOptions): void {
  if (typeof o.manifest === 'string' && o.manifestDir) throw new UsageError('give --manifest or --manifest-dir, not both');
  if (o.manifest === false && o.sign) throw new UsageError('--sign signs the manifest, so it cannot be used with --no-manifest');
  if (o.sign && /\.(whl|tar\.gz|zip)$/.test(o.sign)) {
    throw new UsageError(`--sign takes an SSH key to sign the release manifest, not ${o.sign}; twine's GPG signing is -s`);
  }
  if (o.trustedPublishing && !actionsOidcEnv(ctx.env)) {
    throw new UsageError('--trusted-publishing works only in GitHub Actions with "permissions: id-token: write" (ACTIONS_ID_TOKEN_REQUEST_URL is not set)');
  }
}

/** Expands the arguments and reads every distribution's metadata; notes what is left out and why. */
async function planInputs(ctx: CliContext, args: string[], o: UploadOptions, io: Io): Promise<PlannedFile[]> {
  const expanded = await expandArguments(args, ctx.cwd);
  for (const s of expanded.skipped) io.say(`Skipping ${display(ctx, s)}: distsum wrote it (a release manifest), it is not a distribution`);
  const split = splitInputs(expanded.paths);
  if (!o.attestations && split.attestations.length > 0) {
    io.say(`Ignoring ${split.attestations.length} attestation file(s); pass --attestations to upload them (PEP 740)`);
  }
  return planUploads(split, !!o.attestations);
}

/**
 * Uploads the files in order and stops at the first failure, as twine does; before rethrowing, it
 * shows the hashes of what the index already accepted and how to finish.
 */
async function uploadAll(
  ctx: CliContext,
  io: Io,
  prepared: PreparedUpload[],
  digests: Digests[],
  planned: PlannedFile[],
  settings: UploadSettings,
  deps: UploadDeps,
): Promise<Done[]> {
  io.say(`Uploading distributions to ${sanitizeUrl(settings.url)}`);
  const done: Done[] = [];
  for (let i = 0; i < prepared.length; i++) {
    const file = prepared[i];
    io.say(`Uploading ${file.filename}`);
    let result: UploadResult;
    try {
      result = await uploadFile(file, settings, deps);
    } catch (e) {
      if (done.length > 0) {
        io.say('');
        io.say(`The index accepted ${done.length} file(s) before this failure; no manifest was written:`);
        ctx.stderr.write(io.red.redact(hashTable(done.map(hashedOf))));
        io.say('Fix the problem and run the same command with --skip-existing to finish the release and write the manifest.');
      }
      throw e;
    }
    if (result.status === 'skipped') {
      const how =
        result.existing.kind === 'identical' ? 'the index holds an identical copy' : `could not confirm the index's copy is identical: ${result.existing.why}`;
      io.say(`Skipping ${file.filename} because it appears to already exist (${how})`);
    }
    done.push({ file, digests: digests[i], planned: planned[i], result });
  }
  return done;
}

/** The table, the manifests written, and the command a consumer runs. */
function printSummary(ctx: CliContext, io: Io, target: Target, done: Done[], written: WrittenManifest[], identity: string | undefined): void {
  const line = (text = '') => ctx.stdout.write(io.red.redact(text) + '\n');
  line();
  ctx.stdout.write(io.red.redact(hashTable(done.map(hashedOf))));
  for (const d of done) {
    if (d.result.status === 'skipped' && d.result.existing.kind === 'unknown') {
      line(`Warning: ${d.file.filename} was already on the index and its copy could not be compared; the table shows your local file.`);
    }
  }
  if (written.length === 0) return;
  line();
  for (const m of written) line(`Wrote ${display(ctx, m.path)}${m.signature ? ` and ${display(ctx, m.signature)}` : ''}`);
  line();
  line(`These are the hashes of the files ${sanitizeUrl(target.url)} now holds. Publish the manifest${written.some((m) => m.signature) ? ' and its signature' : ''}`);
  line('where you control the content and the index does not: the release page of your repository, a git');
  line('tag, your web site. Anyone can then check what they download from the index with:');
  line();
  for (const m of written) line(`  ${verifyCommand(m, identity)}`);
}

/** The same data as printSummary, as JSON (field names shared with `distsum hash --json`). */
function printJsonSummary(ctx: CliContext, io: Io, target: Target, done: Done[], written: WrittenManifest[], identity: string | undefined): void {
  const files = filesJson(done.map(hashedOf)).map((f, i) => {
    const r = done[i].result;
    return { ...f, status: r.status, ...(r.status === 'skipped' ? { index_copy: r.existing.kind } : {}), attestations: done[i].planned.attestations.length };
  });
  const doc = {
    repository: sanitizeUrl(target.url),
    files,
    manifests: written.map((m) => ({ path: m.path, project: m.project, version: m.version, files: m.files, signature: m.signature ?? null })),
    verify_commands: written.map((m) => verifyCommand(m, identity)),
  };
  ctx.stdout.write(io.red.redact(JSON.stringify(doc, null, 2)) + '\n');
}

function hashedOf(r: Pick<Done, 'file' | 'digests' | 'planned'>): HashedFile {
  return {
    path: r.file.path,
    filename: r.file.filename,
    project: r.planned.info.name,
    normalizedName: r.planned.info.normalizedName,
    version: r.planned.info.version,
    digests: r.digests,
  };
}

/** The one command a consumer runs: the manifest (by its published name), signers if signed, their download directory. */
export function verifyCommand(m: WrittenManifest, identity: string | undefined): string {
  const signers = m.signature ? ` --signers allowed_signers --identity ${shellWord(identity ?? '<signer identity>')}` : '';
  return `distsum manifest verify ${shellWord(basename(m.path))}${signers} --dir <download dir>`;
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_./@:+=<> -]*$/.test(s) && !/\s/.test(s.replace(/^<[^>]*>$/, '')) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

async function hashAll(ctx: CliContext, planned: PlannedFile[], o: UploadOptions): Promise<Digests[]> {
  let total = 0;
  for (const p of planned) total += (await stat(p.info.path)).size;
  const bar = startProgress(ctx, 'hashing', total, { enabled: !o.disableProgressBar && !o.json });
  try {
    return await digestFiles(planned.map((p) => p.info.path), { onBytes: (n) => bar.add(n) });
  } finally {
    bar.stop();
  }
}

/**
 * Reads and parses .pypirc: the default file may be missing (then there is none, as twine allows); an
 * explicitly named one must exist. `~` is the home directory.
 */
async function loadPypirc(ctx: CliContext, pathArg: string, explicit: boolean, verbose?: (l: string) => void): Promise<IniFile | undefined> {
  const home = ctx.env.HOME || homedir();
  const path = resolve(ctx.cwd, pathArg.replace(/^~(?=$|\/)/, home));
  let text: string;
  try {
    const st = await stat(path);
    if (st.size > MAX_PYPIRC_BYTES) throw new UsageError(`${path} is larger than ${MAX_PYPIRC_BYTES} bytes; not a .pypirc file`);
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if ((code === 'ENOENT' || code === 'ENOTDIR') && !explicit) return undefined;
    throw new UsageError(`cannot read config file ${path}: ${code ?? (e as Error).message}`);
  }
  verbose?.(`Using configuration from ${path}`);
  return parseIni(text, path);
}

function verboseTarget(t: Target, verbose?: (l: string) => void): void {
  if (!verbose) return;
  verbose(`repository: ${sanitizeUrl(t.url)}${t.name ? ` ([${t.name}])` : ''}`);
  verbose(`username: ${t.username ?? '<not set>'}${t.usernameSource ? ` (from ${t.usernameSource})` : ''}`);
  verbose(`password: ${t.password === undefined ? '<not set>' : t.password === '' ? '<empty>' : '<hidden>'}${t.passwordSource ? ` (from ${t.passwordSource})` : ''}`);
  if (t.caCert) verbose(`CA bundle: ${t.caCert}`);
  if (t.clientCert) verbose(`client certificate: ${t.clientCert}`);
}

async function tlsOptions(ctx: CliContext, t: Target): Promise<TlsOptions | undefined> {
  if (!t.caCert && !t.clientCert) return undefined;
  const read = async (p: string, what: string) => {
    const path = resolve(ctx.cwd, p);
    try {
      const st = await stat(path);
      if (st.size > MAX_PEM_BYTES) throw new UsageError(`${what} ${path} is larger than ${MAX_PEM_BYTES} bytes`);
      return await readFile(path);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  return {
    ...(t.caCert ? { ca: await read(t.caCert, 'CA bundle') } : {}),
    ...(t.clientCert ? { clientCert: await read(t.clientCert, 'client certificate') } : {}),
  };
}

