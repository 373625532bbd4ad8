// Parses HTML with Python's html.parser (a real HTML tokenizer, not ours): the start tags with
// their attributes and the decoded text, so tests see a page the way a browser's tokenizer does.

import { spawnSync } from 'node:child_process';

/** A start tag and its attributes (names lower-cased, values decoded). */
export interface Tag {
  tag: string;
  attrs: Record<string, string | null>;
}

/** A parsed page. */
export interface ParsedPage {
  tags: Tag[];
  /** All text content, decoded, concatenated with single spaces between chunks. */
  text: string;
  /** Text of each <pre>, decoded. */
  pres: string[];
}

const PY = `
import json, sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.pres, self.in_pre = [], [], [], 0
    def handle_starttag(self, tag, attrs):
        self.tags.append({'tag': tag, 'attrs': dict(attrs)})
        if tag == 'pre':
            self.in_pre += 1
            self.pres.append('')
    def handle_endtag(self, tag):
        if tag == 'pre':
            self.in_pre -= 1
    def handle_data(self, data):
        self.text.append(data)
        if self.in_pre:
            self.pres[-1] += data
out = []
for page in json.load(sys.stdin):
    p = P()
    p.feed(page)
    p.close()
    out.append({'tags': p.tags, 'text': ' '.join(p.text), 'pres': p.pres})
print(json.dumps(out))
`;

/** Parses each page (one python3 run for all). */
export function parseHtml(pages: string[]): ParsedPage[] {
  const r = spawnSync('python3', ['-c', PY], { input: JSON.stringify(pages), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python3 html.parser failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ParsedPage[];
}
