// Choosing how to sign from what the user named with --sign: a private key file (signed locally, or
// through ssh-agent when the key is encrypted and the agent already holds it, so no passphrase is asked),
// or a `.pub` file whose private half lives in ssh-agent.

import { InputError, UsageError } from '../errors.ts';
import { readBounded } from '../readbounded.ts';
import { agentHasKey, agentSigner } from './agent.ts';
import type { AgentOptions } from './agent.ts';
import { fingerprint, keyDisplayType, parsePublicKeyText } from './keys.ts';
import type { SshPublicKey } from './keys.ts';
import { isOpensshPrivateKey, loadPrivateKey, MAX_PRIVATE_KEY_FILE, readOpensshKeyHeader } from './private-key.ts';
import { localSigner } from './signature.ts';
import type { SshSigner } from './signature.ts';

/** Options for loadSigner; the I/O is injectable for tests. */
export interface LoadSignerOptions {
  /** Supplies the passphrase of an encrypted private key (asked only when needed). */
  getPassphrase?: () => Promise<string>;
  /** The ssh-agent socket (SSH_AUTH_SOCK), or undefined when there is no agent. */
  agentSocket?: string;
  agentOptions?: AgentOptions;
  /** Reads a file; resolves undefined when it does not exist. Default: node:fs with a size bound. */
  readFile?: (path: string) => Promise<Uint8Array | undefined>;
}

/** A ready signer and how it signs. */
export interface LoadedSigner {
  signer: SshSigner;
  via: 'file' | 'agent';
  /** `ED25519 SHA256:...`, for messages. */
  description: string;
}

function defaultReadFile(path: string): Promise<Uint8Array | undefined> {
  return readBounded(path, MAX_PRIVATE_KEY_FILE, {
    what: 'key file',
    tooLarge: (p, max) => new InputError(`${p} is larger than ${max} bytes; not an SSH key`),
  });
}

function describe(key: SshPublicKey): string {
  return `${keyDisplayType(key)} ${fingerprint(key)}`;
}

function looksLikePublicKey(text: string): boolean {
  return /^\s*(ssh-|ecdsa-|sk-)\S*\s+[A-Za-z0-9+/=]+/.test(text);
}

async function agentHolds(socket: string, key: SshPublicKey, opts: AgentOptions | undefined): Promise<boolean> {
  try {
    return await agentHasKey(socket, key, opts);
  } catch {
    return false; // an unreachable agent just means: sign with the file
  }
}

/**
 * Loads the signer for `path`. A `.pub` (any public key text) needs the agent to hold the key; an
 * encrypted private key is used through the agent when the agent holds it, else decrypted with
 * `getPassphrase`. Errors are typed and name the file.
 */
export async function loadSigner(path: string, opts: LoadSignerOptions = {}): Promise<LoadedSigner> {
  const read = opts.readFile ?? defaultReadFile;
  const data = await read(path);
  if (data === undefined) throw new UsageError(`key file ${path} does not exist`);
  const text = Buffer.from(data).toString('utf8');

  if (looksLikePublicKey(text)) {
    let key: SshPublicKey;
    try {
      key = parsePublicKeyText(text.trim().split('\n')[0]).key;
    } catch (e) {
      throw new InputError(`${path}: ${(e as Error).message}`, { cause: e });
    }
    if (!opts.agentSocket) {
      throw new UsageError(`${path} is a public key: its private key must be loaded in ssh-agent, but SSH_AUTH_SOCK is not set`);
    }
    if (!(await agentHasKey(opts.agentSocket, key, opts.agentOptions))) {
      throw new UsageError(`ssh-agent does not hold the key ${describe(key)} of ${path}; add it with ssh-add`);
    }
    return { signer: agentSigner(opts.agentSocket, key, opts.agentOptions), via: 'agent', description: describe(key) };
  }

  if (opts.agentSocket) {
    // Only encrypted keys go through the agent: it saves the passphrase prompt; plain keys sign locally.
    let pub: SshPublicKey | undefined;
    if (isOpensshPrivateKey(text)) {
      const header = readOpensshKeyHeader(text, path);
      if (header.cipher !== 'none') pub = header.publicKey;
    } else if (/ENCRYPTED/.test(text)) {
      const pubData = await read(`${path}.pub`).catch(() => undefined);
      if (pubData) {
        try {
          pub = parsePublicKeyText(Buffer.from(pubData).toString('utf8').trim().split('\n')[0]).key;
        } catch {
          pub = undefined;
        }
      }
    }
    if (pub && (await agentHolds(opts.agentSocket, pub, opts.agentOptions))) {
      return { signer: agentSigner(opts.agentSocket, pub, opts.agentOptions), via: 'agent', description: describe(pub) };
    }
  }

  const key = await loadPrivateKey(data, { name: path, getPassphrase: opts.getPassphrase });
  return { signer: localSigner(key), via: 'file', description: describe(key.publicKey) };
}
