// A minimal ssh-agent client (draft-miller-ssh-agent): list identities and sign with one, over the Unix
// socket in SSH_AUTH_SOCK. Signing RSA keys asks for rsa-sha2-512 (SSH_AGENT_RSA_SHA2_512), as
// ssh-keygen -Y sign does. Message encoding and decoding are pure functions; only `agentRequest` does I/O.

import { createConnection } from 'node:net';
import { CheckError, InputError, UsageError } from '../errors.ts';
import { fingerprint, parsePublicKeyBlob, sameKey } from './keys.ts';
import type { SshPublicKey } from './keys.ts';
import type { SshSigner } from './signature.ts';
import { concat, encodeString, encodeUint32, expectEnd, readByte, readString, readUint32, reader } from './wire.ts';

/** Message numbers used here (draft-miller-ssh-agent section 6.1). */
export const AgentMsg = {
  Failure: 5,
  RequestIdentities: 11,
  IdentitiesAnswer: 12,
  SignRequest: 13,
  SignResponse: 14,
} as const;

/** Sign request flags: ask for rsa-sha2-256 / rsa-sha2-512 instead of SHA-1 for RSA keys. */
export const AGENT_RSA_SHA2_256 = 0x02;
export const AGENT_RSA_SHA2_512 = 0x04;

/** Largest agent reply we accept (OpenSSH's own agent limit, AGENT_MAX_LEN, is 256 KiB). */
export const MAX_AGENT_MESSAGE = 256 * 1024;
/** Most identities we read from one answer. */
export const MAX_AGENT_IDENTITIES = 1024;

/** One key the agent holds. `key` is undefined for key types distsum does not support. */
export interface AgentIdentity {
  blob: Uint8Array;
  comment: string;
  key?: SshPublicKey;
}

/** Frames one agent message: uint32 length || byte type || payload. */
export function encodeAgentMessage(type: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(encodeUint32(1 + payload.length), new Uint8Array([type]), payload);
}

/** The SSH2_AGENTC_SIGN_REQUEST body for `data` signed by the key with wire blob `keyBlob`. */
export function encodeSignRequest(keyBlob: Uint8Array, data: Uint8Array, flags: number): Uint8Array {
  return encodeAgentMessage(AgentMsg.SignRequest, concat(encodeString(keyBlob), encodeString(data), encodeUint32(flags)));
}

/** Splits one framed reply into its type and payload. Throws InputError when the frame is malformed. */
export function parseAgentFrame(frame: Uint8Array): { type: number; payload: Uint8Array } {
  const r = reader(frame);
  const len = readUint32(r, 'agent message length');
  if (len < 1 || len > MAX_AGENT_MESSAGE) throw new InputError(`agent message length ${len} out of range`);
  if (frame.length !== 4 + len) throw new InputError('agent message length does not match the data');
  const type = readByte(r, 'agent message type');
  return { type, payload: frame.subarray(5) };
}

/** Parses an SSH2_AGENT_IDENTITIES_ANSWER payload. */
export function parseIdentitiesAnswer(payload: Uint8Array): AgentIdentity[] {
  const r = reader(payload);
  const n = readUint32(r, 'identity count');
  if (n > MAX_AGENT_IDENTITIES) throw new InputError(`agent lists ${n} identities; at most ${MAX_AGENT_IDENTITIES} are read`);
  const out: AgentIdentity[] = [];
  for (let i = 0; i < n; i++) {
    const blob = readString(r, 'identity key', 16384);
    const comment = Buffer.from(readString(r, 'identity comment', 4096)).toString('utf8');
    let key: SshPublicKey | undefined;
    try {
      key = parsePublicKeyBlob(blob);
    } catch {
      key = undefined; // e.g. certificates, FIDO keys, DSA: listed but not usable here
    }
    out.push({ blob, comment, key });
  }
  expectEnd(r, 'identities answer');
  return out;
}

/** Parses an SSH2_AGENT_SIGN_RESPONSE payload into the signature blob. */
export function parseSignResponse(payload: Uint8Array): Uint8Array {
  const r = reader(payload);
  const sig = readString(r, 'agent signature', 16384);
  expectEnd(r, 'sign response');
  return sig;
}

/** Options for talking to the agent. */
export interface AgentOptions {
  /** Milliseconds before giving up (the agent may wait for the user to confirm a key). Default 120000. */
  timeoutMs?: number;
}

/**
 * Sends one framed request to the agent at `socketPath` and returns the framed reply. Connection errors
 * are UsageErrors naming the socket; a reply over MAX_AGENT_MESSAGE is refused without buffering it.
 */
export function agentRequest(socketPath: string, request: Uint8Array, opts: AgentOptions = {}): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    let want = -1;
    let done = false;
    const sock = createConnection(socketPath);
    const finish = (err: Error | null, value?: Uint8Array) => {
      if (done) return;
      done = true;
      sock.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    sock.setTimeout(opts.timeoutMs ?? 120_000, () =>
      finish(new UsageError(`ssh-agent at ${socketPath} did not answer in time`)),
    );
    sock.on('error', (e: NodeJS.ErrnoException) =>
      finish(new UsageError(`cannot talk to ssh-agent at ${socketPath}: ${e.code ?? e.message}`, { cause: e })),
    );
    sock.on('connect', () => sock.write(request));
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (want < 0 && got >= 4) {
        const head = Buffer.concat(chunks);
        want = 4 + head.readUInt32BE(0);
        if (want - 4 > MAX_AGENT_MESSAGE || want < 5) {
          finish(new CheckError(`ssh-agent at ${socketPath} sent a malformed reply (length ${want - 4})`));
          return;
        }
      }
      if (want >= 0 && got >= want) {
        const all = Buffer.concat(chunks);
        if (got > want) finish(new CheckError(`ssh-agent at ${socketPath} sent more than one reply`));
        else finish(null, new Uint8Array(all.buffer, all.byteOffset, all.length));
      }
    });
    sock.on('end', () => finish(new CheckError(`ssh-agent at ${socketPath} closed the connection without a full reply`)));
  });
}

function agentProtocolError(socketPath: string, e: unknown): CheckError {
  return new CheckError(`ssh-agent at ${socketPath} sent a malformed reply: ${(e as Error).message}`, { cause: e });
}

/** Lists the keys the agent holds. */
export async function agentIdentities(socketPath: string, opts: AgentOptions = {}): Promise<AgentIdentity[]> {
  const reply = await agentRequest(socketPath, encodeAgentMessage(AgentMsg.RequestIdentities), opts);
  try {
    const { type, payload } = parseAgentFrame(reply);
    if (type === AgentMsg.Failure) throw new CheckError(`ssh-agent at ${socketPath} refused to list its keys`);
    if (type !== AgentMsg.IdentitiesAnswer) throw new InputError(`unexpected message type ${type}`);
    return parseIdentitiesAnswer(payload);
  } catch (e) {
    if (e instanceof InputError) throw agentProtocolError(socketPath, e);
    throw e;
  }
}

/**
 * Asks the agent to sign `data` with `key`; returns the SSH signature blob. RSA keys request
 * rsa-sha2-512. A refusal (key not held, user declined confirmation) is a CheckError.
 */
export async function agentSign(socketPath: string, key: SshPublicKey, data: Uint8Array, opts: AgentOptions = {}): Promise<Uint8Array> {
  const flags = key.type === 'ssh-rsa' ? AGENT_RSA_SHA2_512 : 0;
  const reply = await agentRequest(socketPath, encodeSignRequest(key.blob, data, flags), opts);
  try {
    const { type, payload } = parseAgentFrame(reply);
    if (type === AgentMsg.Failure) {
      throw new CheckError(`ssh-agent at ${socketPath} refused to sign with key ${fingerprint(key)} (not loaded, or confirmation declined)`);
    }
    if (type !== AgentMsg.SignResponse) throw new InputError(`unexpected message type ${type}`);
    return parseSignResponse(payload);
  } catch (e) {
    if (e instanceof InputError) throw agentProtocolError(socketPath, e);
    throw e;
  }
}

/** True when the agent holds `key`. */
export async function agentHasKey(socketPath: string, key: SshPublicKey, opts: AgentOptions = {}): Promise<boolean> {
  const ids = await agentIdentities(socketPath, opts);
  return ids.some((id) => id.key !== undefined && sameKey(id.key, key));
}

/** A signer that signs through the agent with `key` (which the agent must hold). */
export function agentSigner(socketPath: string, key: SshPublicKey, opts: AgentOptions = {}): SshSigner {
  return { publicKey: key, sign: (data) => agentSign(socketPath, key, data, opts) };
}
