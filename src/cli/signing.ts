// Turning `--sign KEY` into a manifest signer: the key is loaded once (asking for a passphrase at most
// once), and each manifest gets `<manifest>.sig`, an SSHSIG in the `distsum` namespace.

import { resolve } from 'node:path';
import type { CliContext } from './context.ts';
import { canPrompt, prompt } from './prompt.ts';
import { loadSigner } from '../manifest/signer.ts';
import { signSshsigWith, DISTSUM_NAMESPACE } from '../manifest/sshsig.ts';
import { UsageError } from '../errors.ts';
import { writeFileAtomic } from './release.ts';

/** Passphrase source for encrypted keys: DISTSUM_KEY_PASSPHRASE, else a hidden prompt on a terminal. */
export function passphraseSource(ctx: CliContext, keyPath: string): () => Promise<string> {
  return async () => {
    const fromEnv = ctx.env.DISTSUM_KEY_PASSPHRASE;
    if (fromEnv !== undefined) return fromEnv;
    if (!canPrompt(ctx)) {
      throw new UsageError(`${keyPath} is encrypted: set DISTSUM_KEY_PASSPHRASE or run on a terminal to be asked`);
    }
    return prompt(ctx, `Enter passphrase for ${keyPath}: `, { hidden: true });
  };
}

/** A function that signs manifest bytes and writes `<path>.sig`, returning the signature's path. */
export type ManifestSigner = (manifestPath: string, bytes: Uint8Array) => Promise<string>;

/** Loads the key named by `--sign` (private key, or .pub of a key held by ssh-agent). */
export async function manifestSigner(ctx: CliContext, keyPath: string, namespace = DISTSUM_NAMESPACE): Promise<ManifestSigner> {
  const path = resolve(ctx.cwd, keyPath);
  const loaded = await loadSigner(path, {
    getPassphrase: passphraseSource(ctx, keyPath),
    agentSocket: ctx.env.SSH_AUTH_SOCK || undefined,
  });
  return async (manifestPath, bytes) => {
    const sig = await signSshsigWith(bytes, loaded.signer, namespace, 'sha512', loaded.via === 'agent' ? 'ssh-agent' : keyPath);
    const sigPath = `${manifestPath}.sig`;
    await writeFileAtomic(sigPath, sig);
    return sigPath;
  };
}
