// The web pages' only assets: one stylesheet and one icon, served from this server under paths
// that contain their content hash, so they can be cached forever and the CSP can stay 'self'.

import { createHash } from 'node:crypto';

/** The stylesheet of every page (no external fonts or images; light and dark schemes). */
export const STYLE_CSS = `
:root{--bg:#f5f6f8;--card:#fff;--text:#1a1d21;--muted:#5d6673;--line:#dfe3e8;--accent:#1759c7;--accent-bg:#e8effc;
--crit:#b3261e;--crit-bg:#fdecea;--warn:#8a5300;--warn-bg:#fff4e0;--ok:#1e7a3c;--code-bg:#f0f2f5;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;
--sans:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--card:#171b21;--text:#e6e9ee;--muted:#9aa4b1;--line:#2a313a;
--accent:#7aa7ff;--accent-bg:#1b2a44;--crit:#ff8a80;--crit-bg:#3a1715;--warn:#ffcc80;--warn-bg:#35270f;--ok:#81c995;--code-bg:#11151a}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.5 var(--sans)}
a{color:var(--accent);text-decoration:none}
a:hover,a:focus{text-decoration:underline}
.wrap{max-width:68rem;margin:0 auto;padding:0 1rem}
.top{background:var(--card);border-bottom:1px solid var(--line)}
.top .wrap{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding-top:.7rem;padding-bottom:.7rem}
.brand{display:flex;align-items:baseline;gap:.5rem;color:var(--text);font-weight:700;font-size:1.1rem;min-width:0}
.brand .mark{display:inline-grid;place-items:center;width:1.6rem;height:1.6rem;border-radius:.4rem;background:var(--accent);color:#fff;font:700 1rem var(--mono);align-self:center}
.brand .origin{font:400 .85rem var(--mono);color:var(--muted);overflow-wrap:anywhere}
nav{display:flex;gap:1rem;margin-left:auto}
nav a{color:var(--muted);font-weight:600}
nav a[aria-current=page]{color:var(--accent)}
main{padding-top:1.5rem;padding-bottom:2rem}
h1{font-size:1.6rem;line-height:1.25;margin:.2rem 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.2rem;margin:1.8rem 0 .7rem;overflow-wrap:anywhere}
h3{font-size:1rem;margin:0 0 .6rem;overflow-wrap:anywhere}
p{margin:.5rem 0}
.muted{color:var(--muted);font-weight:400}
.lead{font-size:1.1rem;color:var(--muted);max-width:44rem}
.search{display:flex;gap:.5rem;margin:1rem 0 1.5rem;max-width:44rem}
.search input{flex:1;min-width:0;font:inherit;padding:.65rem .8rem;border:1px solid var(--line);border-radius:.5rem;background:var(--card);color:var(--text)}
.search input:focus{outline:2px solid var(--accent);outline-offset:1px}
.search button,.button{font:600 1rem var(--sans);padding:.65rem 1.1rem;border:0;border-radius:.5rem;background:var(--accent);color:#fff;cursor:pointer}
.hint{font-size:.9rem;color:var(--muted);margin-top:-1rem}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.8rem;margin:1.5rem 0}
.stat{background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:.8rem 1rem}
.stat strong{display:block;font-size:1.4rem;overflow-wrap:anywhere}
.stat strong.when{font-size:1.05rem;line-height:2rem}
.stat span{color:var(--muted);font-size:.9rem}
.card,.file,.alert{background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:1rem;margin:0 0 .8rem}
.release>h2{display:flex;align-items:baseline;gap:.6rem}
.file.flagged{border-left:4px solid var(--crit)}
h1.fname{font:700 1.3rem/1.35 var(--mono);word-break:break-all}
.facts.sub{font-size:.92rem;gap:.15rem .8rem}
.file h3 a{font-family:var(--mono);font-size:.98rem}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
.facts dt{color:var(--muted);font-size:.9rem}
.facts dd{margin:0;min-width:0}
code,pre,.hash{font-family:var(--mono);font-size:.86rem}
.hash{overflow-wrap:anywhere;word-break:break-all}
pre{background:var(--code-bg);border:1px solid var(--line);border-radius:.5rem;padding:.8rem;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere;margin:.5rem 0}
.badge{display:inline-block;font:600 .75rem var(--sans);letter-spacing:.02em;text-transform:uppercase;padding:.1rem .45rem;border-radius:.3rem;background:var(--accent-bg);color:var(--accent);vertical-align:middle}
.badge.critical{background:var(--crit-bg);color:var(--crit)}
.badge.warning{background:var(--warn-bg);color:var(--warn)}
.badge.ok{background:transparent;color:var(--ok);border:1px solid currentColor}
.alert.critical{border-left:4px solid var(--crit)}
.alert.warning{border-left:4px solid var(--warn)}
.alert.resolved{opacity:.75}
.alert h3{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
.notice{padding:.8rem 1rem;border-radius:.6rem;background:var(--crit-bg);color:var(--crit);margin:0 0 1rem}
.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin:0 0 1rem}
.filters input,.filters select{font:inherit;padding:.4rem .6rem;border:1px solid var(--line);border-radius:.4rem;background:var(--card);color:var(--text)}
.pager{display:flex;justify-content:flex-end;margin:1rem 0}
ol.steps li{margin:.4rem 0}
footer{color:var(--muted);font-size:.85rem;padding-top:1rem;padding-bottom:2rem;border-top:1px solid var(--line)}
@media (max-width:40rem){body{font-size:15px}h1{font-size:1.35rem}.facts{grid-template-columns:1fr;gap:.1rem}.facts dd{margin-bottom:.45rem}
nav{margin-left:0;width:100%}.search button{padding:.65rem .8rem}}
`;

/** The site icon: the mark of the header. */
export const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1759c7"/>' +
  '<path d="M11 7l-2 18M21 7l-2 18M7 12.5h18M6 19.5h18" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>';

function hashed(prefix: string, ext: string, body: string): string {
  return `/static/${prefix}-${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${ext}`;
}

/** Path of the stylesheet (changes whenever STYLE_CSS does). */
export const STYLE_PATH = hashed('style', 'css', STYLE_CSS);

/** Path of the icon. */
export const ICON_PATH = hashed('icon', 'svg', ICON_SVG);
