// A file's page: its facts, its alerts, and the C2SP tlog-proof that it is in the log, with the
// steps to check that proof without trusting this server.

import type { StoredAlert } from '../../store/store.ts';
import { html, pathOf } from '../html.ts';
import type { Html } from '../html.ts';
import { groupDigits, timeTag } from './format.ts';
import { layout } from './layout.ts';
import type { SiteInfo } from './layout.ts';
import { alertCard, fileFacts, projectHref } from './parts.ts';
import type { FileView } from './parts.ts';

/** Data of a file page. */
export interface FileViewPage {
  file: FileView;
  /** The entry line exactly as hashed. */
  record: string;
  /** RFC 6962 leaf hash, base64. */
  leafHash: string;
  /** The tlog-proof text. */
  proof: string;
  treeSize: number;
  signedAt: Date;
  verifierKey: string;
  alerts: StoredAlert[];
}

/** The file page. */
export function filePage(site: SiteInfo, v: FileViewPage): Html {
  const e = v.file.entry;
  const lookup = pathOf('/lookup/', e.filename);
  return layout(
    site,
    e.filename,
    'search',
    html`<p class="muted"><a href="${projectHref(e.project)}">${e.project}</a> / ${e.version}</p>
<h1 class="fname">${e.filename}</h1>
<div class="card">${fileFacts(v.file, v.alerts)}</div>
${v.alerts.length > 0 ? html`<h2>Alerts for this file</h2>${v.alerts.map(alertCard)}` : ''}
<h2 id="proof">Inclusion proof</h2>
<p>Entry #${v.file.index} is in the log's tree of ${groupDigits(v.treeSize)} entries, whose checkpoint was signed ${timeTag(v.signedAt)}. This is a <a href="https://c2sp.org/tlog-proof">C2SP tlog-proof</a>: the entry's index, the hashes that lead from it to the tree's root, a blank line and the signed checkpoint.</p>
<pre class="proof">${v.proof}</pre>
<p><a href="${`${lookup}?format=proof`}">Download the proof</a> · <a href="${lookup}">as JSON</a></p>
<h3>The log entry</h3>
<pre>${v.record}</pre>
<p>Leaf hash SHA-256(0x00 ‖ entry): <code class="hash">${v.leafHash}</code></p>
<h3>Check it yourself</h3>
<ol class="steps">
<li>Check that the file you have hashes to the SHA-256 above (<code>sha256sum</code>) and that the entry line names it.</li>
<li>Verify the checkpoint's signature with the log's verifier key <code class="hash">${v.verifierKey}</code> (a C2SP signed note, Ed25519).</li>
<li>Hash the entry into a leaf and combine it with the proof hashes (RFC 6962 / RFC 9162 §2.1.3.2, index ${v.file.index}, tree size ${v.treeSize}); the result must be the checkpoint's root.</li>
<li>Compare the checkpoint with what others see (<a href="/checkpoint">/checkpoint</a>, witnesses): a log that shows different trees to different people is caught there.</li>
</ol>`,
  );
}
