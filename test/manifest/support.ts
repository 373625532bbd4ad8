// Shared test support for src/manifest: the sshsig reference vectors (loaded, never copied into the
// repo), temp directories, and running the real peers (ssh-keygen, ssh-agent, cksum, sha256sum).

import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/** The sshsig vector folder (read-only). */
export const SSHSIG = resolve(import.meta.dirname, '../../../shared/vectors/sshsig');

/** Bytes of a vector file. */
export function vecBytes(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(SSHSIG, rel)));
}

/** Text of a vector file. */
export function vecText(rel: string): string {
  return readFileSync(join(SSHSIG, rel), 'utf8');
}

/** A parsed vector JSON file. */
export function vecJson<T>(rel: string): T {
  return JSON.parse(vecText(rel)) as T;
}

/** One entry of keys.json. */
export interface VectorKey {
  file: string;
  public_key_file: string;
  principal: string;
  passphrase: string | null;
  public_key: string;
  fingerprint: string;
  private_key_cipher: string;
  in_allowed_signers: boolean;
}

/** One entry of expected.json `signatures`. */
export interface VectorSignature {
  file: string;
  key: string;
  magic: string;
  version: number;
  publickey_base64: string;
  namespace: string;
  reserved: string;
  hash_algorithm: string;
  signature_algorithm: string;
  signature_blob_base64: string;
  message_hash_hex: string;
  signed_data_base64: string;
  independent_verify: { message: boolean; tampered_message: boolean };
}

/** One entry of expected.json `cases`. */
export interface VectorCase {
  description: string;
  operation: 'verify' | 'check-novalidate' | 'find-principals' | 'decrypt-key';
  signature: string | null;
  message: string | null;
  allowed_signers?: string;
  principal?: string;
  namespace?: string;
  command: string;
  exit_code: number;
  ok: boolean;
  stdout: string;
  stderr: string;
}

export const keysJson = () => vecJson<{ keys: VectorKey[] }>('keys.json').keys;
export const expectedJson = () =>
  vecJson<{ message: string; tampered_message: string; signatures: VectorSignature[]; cases: VectorCase[] }>('expected.json');

/** A fresh temp directory removed when the test ends. */
export function tempDir(t: TestContext, prefix = 'distsum-manifest-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Copies vector private keys (and their .pub) into `dir` with mode 0600, as ssh-keygen demands. */
export function copyVectorKeys(dir: string, names: string[]): void {
  for (const n of names) {
    copyFileSync(join(SSHSIG, 'keys', n), join(dir, n));
    chmodSync(join(dir, n), 0o600);
    copyFileSync(join(SSHSIG, 'keys', `${n}.pub`), join(dir, `${n}.pub`));
  }
}

/** Result of running a peer. */
export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command synchronously; SSH agent/askpass variables are cleared unless given in `env`. */
export function run(cmd: string, args: string[], opts: { input?: string | Uint8Array; env?: Record<string, string>; cwd?: string } = {}): RunResult {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(SSH_AUTH_SOCK|SSH_AGENT_PID|SSH_ASKPASS|SSH_ASKPASS_REQUIRE|DISPLAY)$/.test(k)) env[k] = v;
  }
  const res = spawnSync(cmd, args, { input: opts.input, env: { ...env, ...opts.env }, cwd: opts.cwd, encoding: 'utf8', timeout: 30_000 });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Writes an SSH_ASKPASS helper printing `passphrase`; returns its path. */
export function writeAskpass(dir: string, passphrase: string): string {
  const p = join(dir, 'askpass.sh');
  writeFileSync(p, `#!/bin/sh\nprintf '%s\\n' '${passphrase.replace(/'/g, "'\\''")}'\n`, { mode: 0o700 });
  return p;
}

/** A key made by ssh-keygen in a temp dir: private key path (mode 0600) and its `.pub` path. */
export interface GeneratedKey {
  name: string;
  path: string;
  pub: string;
  principal: string;
}

/**
 * Generates a key with `ssh-keygen -q <args> -N <passphrase> -C <name>@example.test -f <dir>/<name>`
 * (args such as `-t ecdsa -b 384` or `-m PEM`). For what the vectors do not cover: P-384, P-521, other RSA
 * sizes, PEM/PKCS#8 files.
 */
export function sshKeygen(dir: string, name: string, args: string[], passphrase = ''): GeneratedKey {
  const path = join(dir, name);
  const principal = `${name}@example.test`;
  const res = run('ssh-keygen', ['-q', ...args, '-N', passphrase, '-C', principal, '-f', path]);
  if (res.status !== 0) throw new Error(`ssh-keygen ${args.join(' ')} failed: ${res.stderr}`);
  return { name, path, pub: `${path}.pub`, principal };
}

/** A running `ssh-agent -D -a <sock>` started by a test (stopped when the test ends). */
export interface TestAgent {
  socket: string;
  /** Runs ssh-add against this agent; `passphrase` answers through SSH_ASKPASS. */
  add(keyPath: string, passphrase?: string): RunResult;
}

/** Starts a private ssh-agent on a socket in `dir`; kills exactly that process when the test ends. */
export async function startAgent(t: TestContext, dir: string): Promise<TestAgent> {
  const socket = join(dir, 'agent.sock');
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  for (let i = 0; i < 200 && !existsSync(socket); i++) {
    if (child.exitCode !== null) throw new Error(`ssh-agent exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  if (!existsSync(socket)) throw new Error('ssh-agent did not create its socket');
  return {
    socket,
    add(keyPath, passphrase) {
      const env: Record<string, string> = { SSH_AUTH_SOCK: socket };
      if (passphrase !== undefined) Object.assign(env, { SSH_ASKPASS: writeAskpass(dir, passphrase), SSH_ASKPASS_REQUIRE: 'force' });
      return run('ssh-add', [keyPath], { env });
    },
  };
}
