// Verifying SSHSIG signatures with `ssh-keygen -Y` semantics:
//   verify            parse strictly; namespace must match; the signature must verify over the message;
//                     then the key must be allowed for the identity, namespace and time (allowed_signers)
//   check-novalidate  the same without the allowed_signers step
//   find-principals   which principals allowed_signers lists for the signing key
// The checks run in ssh-keygen's order, so the reported reason is the one ssh-keygen would give.
// Every failure is a CheckError whose one line says which check failed and names the file.

import { CheckError, InputError, UsageError } from '../errors.ts';
import { checkAllowed, parseAllowedSigners, principalsForKey } from './allowed-signers.ts';
import type { AllowedSigners } from './allowed-signers.ts';
import { fingerprint, keyDisplayType } from './keys.ts';
import type { SshKeyDisplayType, SshKeyType } from './keys.ts';
import { verifyRaw } from './signature.ts';
import { DISTSUM_NAMESPACE, parseSshsig, sshsigSignedData } from './sshsig.ts';
import type { Sshsig, SshsigHashAlg } from './sshsig.ts';

/** A signature that verified: who made it and with which key. */
export interface VerifiedSignature {
  /** The identity the signature was verified for (absent for check-novalidate). */
  principal?: string;
  /** `ED25519`, `ECDSA` or `RSA`, as ssh-keygen prints it. */
  keyType: SshKeyDisplayType;
  keyAlgorithm: SshKeyType;
  /** `SHA256:` + unpadded base64, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  namespace: string;
  hashAlg: SshsigHashAlg;
  /** The allowed_signers line that permitted the key (verify only). */
  allowedSignersLine?: number;
}

/** Input of verifySshsig. */
export interface VerifySshsigInput {
  message: Uint8Array;
  /** The armored signature text (`-----BEGIN SSH SIGNATURE-----` ...). */
  signature: string;
  /** Parsed allowed_signers, or its text. */
  allowedSigners: AllowedSigners | string;
  /** The principal the signer must be allowed for (ssh-keygen -I). */
  identity: string;
  /** Default `distsum`. */
  namespace?: string;
  /** The time validity windows are checked at. */
  now: Date;
  /** Names for messages, e.g. the file paths. */
  signatureName?: string;
  messageName?: string;
  /** Name of the allowed_signers file when `allowedSigners` is text. */
  allowedSignersName?: string;
}

/** Input of checkSshsigNoValidate. */
export interface CheckSshsigInput {
  message: Uint8Array;
  signature: string;
  namespace?: string;
  signatureName?: string;
  messageName?: string;
}

/** Steps 1-3 of verify: parse, namespace, cryptographic check. Returns the parsed signature. */
function checkSignature(input: CheckSshsigInput): Sshsig {
  const label = input.signatureName ?? 'signature';
  const msgName = input.messageName ?? 'the message';
  const namespace = input.namespace ?? DISTSUM_NAMESPACE;
  const sig = parseSshsig(input.signature, label);
  if (sig.namespace !== namespace) {
    throw new CheckError(
      `${label} is for namespace ${JSON.stringify(sig.namespace)}, not ${JSON.stringify(namespace)}: namespace does not match`,
    );
  }
  const signed = sshsigSignedData(namespace, sig.hashAlg, input.message);
  let ok: boolean;
  try {
    ok = verifyRaw(sig.publicKey, sig.signature, signed);
  } catch (e) {
    if (e instanceof InputError) throw new CheckError(`${label} is not a valid SSH signature: ${e.message}`, { cause: e });
    throw e;
  }
  if (!ok) {
    throw new CheckError(
      `${label} does not match ${msgName}: signature verification failed (modified after signing, or signed another file)`,
    );
  }
  return sig;
}

function result(sig: Sshsig): VerifiedSignature {
  return {
    keyType: keyDisplayType(sig.publicKey),
    keyAlgorithm: sig.publicKey.type,
    fingerprint: fingerprint(sig.publicKey),
    namespace: sig.namespace,
    hashAlg: sig.hashAlg,
  };
}

function allowedOf(a: AllowedSigners | string, name?: string): AllowedSigners {
  return typeof a === 'string' ? parseAllowedSigners(a, name) : a;
}

/**
 * Verifies like `ssh-keygen -Y verify -f allowed_signers -I identity -n namespace -s sig < message`.
 * Returns who signed; throws CheckError saying which check failed: malformed signature, namespace does
 * not match, signature does not match the message (tampered), or key not allowed for the identity
 * (unknown key, other principal, namespace or time restriction). A malformed allowed_signers text is an
 * InputError.
 */
export function verifySshsig(input: VerifySshsigInput): VerifiedSignature {
  if (input.identity === '' || /[\0-\x1f]/.test(input.identity)) throw new UsageError('signer identity must be a non-empty single line');
  const sig = checkSignature(input);
  const allowed = allowedOf(input.allowedSigners, input.allowedSignersName);
  const namespace = input.namespace ?? DISTSUM_NAMESPACE;
  const d = checkAllowed(allowed, sig.publicKey, input.identity, namespace, input.now);
  const label = input.signatureName ?? 'signature';
  if (!d.ok) throw new CheckError(`${label} is not trusted: ${d.reason}`);
  return { principal: input.identity, ...result(sig), allowedSignersLine: d.signer.line };
}

/**
 * Checks a signature without any trust decision, like `ssh-keygen -Y check-novalidate`: it is well formed,
 * for the namespace, and made over the message by the key it carries. Throws CheckError otherwise.
 */
export function checkSshsigNoValidate(input: CheckSshsigInput): VerifiedSignature {
  return result(checkSignature(input));
}

/** Input of findPrincipals. */
export interface FindPrincipalsInput {
  signature: string;
  allowedSigners: AllowedSigners | string;
  now: Date;
  signatureName?: string;
  allowedSignersName?: string;
}

/**
 * The principals allowed_signers lists for the key in the signature, like `ssh-keygen -Y
 * find-principals` (the signature itself is not checked; namespaces are ignored; validity times are).
 * Throws CheckError when no principal matches.
 */
export function findPrincipals(input: FindPrincipalsInput): string[] {
  const label = input.signatureName ?? 'signature';
  const sig = parseSshsig(input.signature, label);
  const allowed = allowedOf(input.allowedSigners, input.allowedSignersName);
  const found = principalsForKey(allowed, sig.publicKey, input.now);
  if (found.length === 0) {
    throw new CheckError(
      `no principal in ${allowed.name} matches the ${keyDisplayType(sig.publicKey)} key ${fingerprint(sig.publicKey)} of ${label}`,
    );
  }
  return found;
}

/** The line ssh-keygen prints for a good signature: `Good "<ns>" signature [for <principal> ]with <TYPE> key <fp>`. */
export function formatGoodSignature(v: VerifiedSignature): string {
  const who = v.principal !== undefined ? ` for ${v.principal}` : '';
  return `Good "${v.namespace}" signature${who} with ${v.keyType} key ${v.fingerprint}`;
}
