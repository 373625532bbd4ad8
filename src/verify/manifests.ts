// Publishers' release manifests for `distsum verify`: where a trust policy says a release's manifest
// lives, fetching it (and its SSHSIG) once per run, with a cache for https, checking the signature
// against the policy's allowed signers, and that the manifest is for the release asked about.

import type { SourcedPolicy } from '../config/load.ts';
import { expandTemplate, templateValueProblem } from '../config/template.ts';
import { manifestName, normalizeProjectName, versionsEqual } from '../dist/filename.ts';
import { CheckError, InputError } from '../errors.ts';
import { MAX_ALLOWED_SIGNERS_TEXT, parseAllowedSigners } from '../manifest/allowed-signers.ts';
import type { AllowedSigners } from '../manifest/allowed-signers.ts';
import { MAX_MANIFEST_BYTES, parseManifest } from '../manifest/manifest.ts';
import type { Manifest } from '../manifest/manifest.ts';
import { DISTSUM_NAMESPACE, MAX_SSHSIG_TEXT } from '../manifest/sshsig.ts';
import { findPrincipals, verifySshsig } from '../manifest/verify.ts';
import type { VerifiedSignature } from '../manifest/verify.ts';
import { readLockText } from './locks/io.ts';
import type { DiskCache } from './diskcache.ts';
import { cacheName } from './diskcache.ts';
import type { Getter } from './fetch.ts';
import { FetchError } from './fetch.ts';

/** The result of looking for one release's manifest. */
export type ManifestOutcome =
  /** Fetched, signature (if the policy has signers) verified, and for this project and version. */
  | { status: 'ok'; url: string; manifest: Manifest; signature?: VerifiedSignature }
  /** The publisher's channel has no manifest at the URL (404 or no such file). */
  | { status: 'missing'; url: string }
  /** The manifest is there but is not the publisher's: bad or missing signature, or another release. */
  | { status: 'bad'; url: string; why: string }
  /** It could not be checked (network, offline without cache, a malformed manifest, no version known). */
  | { status: 'error'; url?: string; why: string };

/** What fetching manifests needs. */
export interface ManifestDeps {
  get: Getter;
  /** Cache rooted at the manifests cache directory. */
  cache: DiskCache;
  offline: boolean;
  now: () => Date;
}

/** Finds and checks release manifests; memoized per URL for one run. */
export type ManifestFinder = (policy: SourcedPolicy, project: string, version: string | undefined) => Promise<ManifestOutcome>;

// Only https responses are cached: file:// is read fresh, http:// to loopback is a local test server.
function cacheable(url: string): boolean {
  return url.startsWith('https:');
}

/** A ManifestFinder over `deps`. allowed_signers files are read once per run; an unreadable or malformed one is an InputError (exit 2). */
export function manifestFinder(deps: ManifestDeps): ManifestFinder {
  const results = new Map<string, Promise<ManifestOutcome>>();
  const signers = new Map<string, Promise<AllowedSigners>>();

  const loadSigners = (path: string): Promise<AllowedSigners> => {
    let p = signers.get(path);
    if (p === undefined) {
      p = readLockText(path, MAX_ALLOWED_SIGNERS_TEXT).then((text) => parseAllowedSigners(text, path));
      signers.set(path, p);
    }
    return p;
  };

  // The body at `url`, from the cache when allowed; undefined for 404.
  const fetchBody = async (url: string, maxBytes: number): Promise<Uint8Array | undefined> => {
    const rel = `manifests/${cacheName(url)}`;
    if (cacheable(url)) {
      const c = await deps.cache.read(rel, maxBytes);
      if (c !== undefined) return c;
    }
    if (deps.offline && !url.startsWith('file:')) throw new FetchError(`offline: ${url} is not cached; run once without --offline`);
    const r = await deps.get(url, maxBytes);
    if (r.status === 404 || r.status === 410) return undefined;
    if (r.status !== 200) throw new FetchError(`GET ${url}: HTTP ${r.status}`);
    if (cacheable(url)) await deps.cache.write(rel, r.body);
    return r.body;
  };

  const check = async (policy: SourcedPolicy, project: string, version: string, url: string): Promise<ManifestOutcome> => {
    let body: Uint8Array | undefined;
    try {
      body = await fetchBody(url, MAX_MANIFEST_BYTES);
    } catch (e) {
      if (e instanceof InputError) return { status: 'error', url, why: e.message };
      throw e;
    }
    if (body === undefined) return { status: 'missing', url };
    let signature: VerifiedSignature | undefined;
    if (policy.signers !== undefined) {
      const sigUrl = policy.signature !== undefined ? expandTemplate(policy.signature, { name: manifestName(project), version }) : `${url}.sig`;
      let sigBytes: Uint8Array | undefined;
      try {
        sigBytes = await fetchBody(sigUrl, MAX_SSHSIG_TEXT);
      } catch (e) {
        if (e instanceof InputError) return { status: 'error', url, why: e.message };
        throw e;
      }
      if (sigBytes === undefined) return { status: 'bad', url, why: `the manifest has no signature at ${sigUrl}, but the policy (${policy.source}) requires one` };
      const allowed = await loadSigners(policy.signers);
      const sigText = Buffer.from(sigBytes).toString('utf8');
      const now = deps.now();
      try {
        const identities = policy.identity !== undefined ? [policy.identity] : findPrincipals({ signature: sigText, allowedSigners: allowed, now, signatureName: sigUrl });
        let last: unknown;
        for (const identity of identities) {
          try {
            signature = verifySshsig({ message: body, signature: sigText, allowedSigners: allowed, identity, namespace: DISTSUM_NAMESPACE, now, signatureName: sigUrl, messageName: url });
            break;
          } catch (e) {
            last = e;
          }
        }
        if (signature === undefined) throw last;
      } catch (e) {
        if (e instanceof CheckError || e instanceof InputError) return { status: 'bad', url, why: e.message };
        throw e;
      }
    }
    let manifest: Manifest;
    try {
      manifest = parseManifest(new TextDecoder('utf-8', { fatal: true }).decode(body));
    } catch (e) {
      return { status: 'error', url, why: `${url} is not a release manifest: ${(e as Error).message}` };
    }
    if (normalizeProjectName(manifest.project) !== project || !versionsEqual(manifest.version, version)) {
      return { status: 'bad', url, why: `${url} is the manifest of ${manifest.project} ${manifest.version}, not ${project} ${version}` };
    }
    return signature ? { status: 'ok', url, manifest, signature } : { status: 'ok', url, manifest };
  };

  return (policy, project, version) => {
    if (version === undefined) return Promise.resolve({ status: 'error', why: `the version of ${project} is not known, so its manifest cannot be found` });
    const problem = templateValueProblem('version', version);
    if (problem) return Promise.resolve({ status: 'error', why: problem });
    const url = expandTemplate(policy.manifest, { name: manifestName(project), version });
    const key = `${policy.source}\u0000${policy.project}\u0000${url}`;
    let p = results.get(key);
    if (p === undefined) {
      p = check(policy, project, version, url);
      results.set(key, p);
    }
    return p;
  };
}
