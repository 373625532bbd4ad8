// The status page: the latest signed checkpoint, the key that verifies it, the follower's state,
// and how to check the log without trusting this server.

import type { StoredCheckpoint } from '../../store/store.ts';
import { html } from '../html.ts';
import type { Html } from '../html.ts';
import { groupDigits, timeTag } from './format.ts';
import { layout } from './layout.ts';
import type { SiteInfo } from './layout.ts';

/** Data of the status page. */
export interface StatusView {
  verifierKey: string;
  checkpoint: StoredCheckpoint;
  writable: boolean;
  /** The follower's recorded state (JSON), or undefined. */
  follower: unknown;
  /** Absolute base URL clients use (for the example commands), e.g. http://127.0.0.1:8080. */
  baseUrl: string;
}

/** The status page. */
export function statusPage(site: SiteInfo, v: StatusView): Html {
  const note = Buffer.from(v.checkpoint.note).toString('utf8');
  return layout(
    site,
    'Status',
    'status',
    html`<h1>Status</h1>
<div class="stats">
<div class="stat"><strong>${groupDigits(v.checkpoint.size)}</strong><span>entries in the latest checkpoint</span></div>
<div class="stat"><strong class="when">${timeTag(new Date(v.checkpoint.created))}</strong><span>signed</span></div>
<div class="stat"><strong>${v.writable ? 'writer' : 'read-only'}</strong><span>this server</span></div>
</div>
<h2>Latest checkpoint</h2>
<pre>${note}</pre>
<p>Verifier key: <code class="hash">${v.verifierKey}</code></p>
<h2>Follower</h2>
${v.follower === undefined || v.follower === null ? html`<p class="muted">No index follower has recorded its state in this log.</p>` : html`<pre>${JSON.stringify(v.follower, null, 2)}</pre>`}
<h2>How to verify this log</h2>
<ol class="steps">
<li>Fetch the checkpoint: <code>curl -s ${v.baseUrl}/checkpoint</code>. It is a <a href="https://c2sp.org/signed-note">C2SP signed note</a>: origin, tree size and root hash, a blank line, then signature lines.</li>
<li>Check the signature with the verifier key above, which you should get from somewhere other than this server. The key ID is the first 4 bytes of SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key); the signature is Ed25519 over the note text.</li>
<li>Fetch tiles (<code>${v.baseUrl}/tile/0/000</code>, … per <a href="https://c2sp.org/tlog-tiles">C2SP tlog-tiles</a>) and entry bundles (<code>/tile/entries/…</code>), recompute the root and compare it with the checkpoint.</li>
<li>Or let <code>distsum verify</code> do all of this for every file of your lock files: <code class="hash">distsum verify --log-url ${v.baseUrl} --log-key ${v.verifierKey}</code></li>
<li>Keep the last checkpoint you verified and check that each new one is consistent with it; two checkpoints that cannot both be true prove the log misbehaved.</li>
<li>For one file, <code>curl -s ${v.baseUrl}/lookup/&lt;file name&gt;?format=proof</code> gives a self-contained tlog-proof.</li>
</ol>
<p>Machine-readable: <a href="/api/v1/status">/api/v1/status</a> · <a href="/metrics">/metrics</a></p>`,
  );
}
