// Signing release manifests with the real ssh-keygen (the peer distsum's SSHSIG must agree with).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Creates an unencrypted ed25519 key pair `dir/name` (+ .pub); returns the public key line. */
export function sshKey(dir: string, name: string, comment = name): string {
  const path = join(dir, name);
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

/** Signs `file` with key `dir/name` in namespace distsum, writing `file`.sig. */
export function sshSign(dir: string, name: string, file: string): void {
  const r = spawnSync('ssh-keygen', ['-Y', 'sign', '-f', join(dir, name), '-n', 'distsum', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen -Y sign failed: ${r.stderr}`);
}

/** An allowed_signers line for `principal` and a public key line ("type base64 comment"). */
export function allowedSignersLine(principal: string, pubLine: string): string {
  const [type, b64] = pubLine.split(' ');
  return `${principal} namespaces="distsum" ${type} ${b64}\n`;
}

/** The text of a release manifest for `project` `version` listing `files`. */
export function manifestText(project: string, version: string, files: { filename: string; sha256: string; blake2b_256: string; size?: number }[]): string {
  const lines = ['# distsum release manifest v1', `# project: ${project}`, `# version: ${version}`];
  for (const f of files) {
    lines.push(`SHA256 (${f.filename}) = ${f.sha256}`, `BLAKE2b-256 (${f.filename}) = ${f.blake2b_256}`);
  }
  return lines.join('\n') + '\n';
}
