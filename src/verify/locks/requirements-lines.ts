// The line structure of a pip requirements file, as pip's req_file.preprocess and
// break_args_options see it: physical lines joined at a trailing backslash, comments removed,
// and each logical line split into the requirement and its options.

import { InputError } from '../../errors.ts';

/** A logical line: comments removed, continuations joined, trimmed, never empty. */
export interface LogicalLine {
  /** 1-based number of the physical line it starts on. */
  line: number;
  text: string;
}

// Python's str.splitlines() separators, which pip splits a requirements file on.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
// pip's COMMENT_RE: a `#` at the start or after whitespace starts a comment.
const COMMENT = /(^|\s+)#.*$/s;
const COMMENT_LINE = /^\s*#/;

/**
 * Splits requirements file text into logical lines exactly as pip's join_lines and
 * ignore_comments do: a line ending in `\` continues on the next one (unless it is a comment
 * line, which also ends a continuation), `#` after whitespace starts a comment, and blank lines
 * are dropped. `${VAR}` references are left as written.
 */
export function logicalLines(content: string): LogicalLine[] {
  const physical = content.split(LINE_BREAK);
  // A trailing line break does not start one more (empty) line.
  if (physical.length > 0 && physical[physical.length - 1] === '') physical.pop();
  const out: LogicalLine[] = [];
  const emit = (line: number, text: string) => {
    const t = text.replace(COMMENT, '').trim();
    if (t !== '') out.push({ line, text: t });
  };
  let pending: string[] = [];
  let start = 0;
  physical.forEach((raw, i) => {
    const isComment = COMMENT_LINE.test(raw);
    if (!raw.endsWith('\\') || isComment) {
      // pip prefixes a space so a comment line inside a continuation is still a comment.
      const line = isComment ? ` ${raw}` : raw;
      if (pending.length > 0) {
        emit(start, pending.join('') + line);
        pending = [];
      } else emit(i + 1, line);
    } else {
      if (pending.length === 0) start = i + 1;
      pending.push(raw.replace(/^\\+|\\+$/g, ''));
    }
  });
  if (pending.length > 0) emit(start, pending.join(''));
  return out;
}

/**
 * pip's break_args_options: the tokens (split on single spaces) before the first one starting
 * with `-` are the requirement, the rest are options.
 */
export function splitArgsOptions(text: string): { args: string; options: string } {
  const tokens = text.split(' ');
  const i = tokens.findIndex((t) => t.startsWith('-'));
  if (i === -1) return { args: text, options: '' };
  return { args: tokens.slice(0, i).join(' '), options: tokens.slice(i).join(' ') };
}

/**
 * Splits an options string like POSIX shlex.split (pip's choice): whitespace separates words,
 * single quotes are literal, double quotes allow `\` before `"`, `\`, `$` and `` ` ``, and `\`
 * outside quotes escapes any character. InputError starting with `where` on an open quote or a
 * trailing backslash.
 */
export function shellSplit(s: string, where: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end === -1) throw new InputError(`${where}: no closing quotation in the options`);
      word += s.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`'.includes(s[j + 1])) j++;
        word += s[j];
      }
      if (j >= s.length) throw new InputError(`${where}: no closing quotation in the options`);
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= s.length) throw new InputError(`${where}: a backslash ends the options with nothing to escape`);
      word += s[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      // shlex's whitespace: exactly these four (a no-break space is part of a word).
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The options of one requirements line that matter to distsum; the rest are recognised and skipped. */
export interface LineOptions {
  hashes: string[];
  requirements: string[];
  constraints: string[];
  editables: string[];
  /** Options pip does not know (pip would refuse the line); distsum warns and goes on. */
  unknown: string[];
}

// pip's requirements-file options (SUPPORTED_OPTIONS and SUPPORTED_OPTIONS_REQ) and whether
// each takes a value; `dest` names the LineOptions list a value goes to, if distsum keeps it.
const LONG: ReadonlyMap<string, { value: boolean; dest?: 'hashes' | 'requirements' | 'constraints' | 'editables' }> = new Map([
  ['--index-url', { value: true }],
  ['--extra-index-url', { value: true }],
  ['--no-index', { value: false }],
  ['--constraint', { value: true, dest: 'constraints' }],
  ['--requirement', { value: true, dest: 'requirements' }],
  ['--editable', { value: true, dest: 'editables' }],
  ['--find-links', { value: true }],
  ['--no-binary', { value: true }],
  ['--only-binary', { value: true }],
  ['--prefer-binary', { value: false }],
  ['--require-hashes', { value: false }],
  ['--pre', { value: false }],
  ['--trusted-host', { value: true }],
  ['--use-feature', { value: true }],
  ['--install-option', { value: true }],
  ['--global-option', { value: true }],
  ['--config-settings', { value: true }],
  ['--hash', { value: true, dest: 'hashes' }],
]);
const SHORT: ReadonlyMap<string, string> = new Map([
  ['-i', '--index-url'],
  ['-c', '--constraint'],
  ['-r', '--requirement'],
  ['-e', '--editable'],
  ['-f', '--find-links'],
]);

// optparse accepts any unambiguous prefix of a long option.
function longOption(name: string): string | undefined {
  if (LONG.has(name)) return name;
  const matches = [...LONG.keys()].filter((k) => k.startsWith(name));
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * Parses the option words of one line as pip's optparse parser does (`--opt=value`,
 * `--opt value`, `-rvalue`, `-r value`, unambiguous long-option prefixes; words that are not
 * options are ignored, as pip ignores them). InputError starting with `where` when an option
 * lacks its value or a long-option prefix is ambiguous.
 */
export function parseLineOptions(words: string[], where: string): LineOptions {
  const out: LineOptions = { hashes: [], requirements: [], constraints: [], editables: [], unknown: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '--') break;
    if (!w.startsWith('-') || w === '-') continue;
    let name: string | undefined;
    let value: string | undefined;
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const written = eq === -1 ? w : w.slice(0, eq);
      if (eq !== -1) value = w.slice(eq + 1);
      name = longOption(written);
      if (name === undefined) {
        const ambiguous = [...LONG.keys()].filter((k) => k.startsWith(written)).length > 1;
        if (ambiguous) throw new InputError(`${where}: ambiguous option ${written}`);
        out.unknown.push(written);
        continue;
      }
    } else {
      name = SHORT.get(w.slice(0, 2));
      if (name === undefined) {
        out.unknown.push(w.slice(0, 2));
        continue;
      }
      if (w.length > 2) value = w.slice(2);
    }
    const spec = LONG.get(name)!;
    if (spec.value && value === undefined) {
      if (i + 1 >= words.length) throw new InputError(`${where}: ${name} needs a value`);
      value = words[++i];
    }
    if (spec.dest !== undefined && value !== undefined) out[spec.dest].push(value);
  }
  return out;
}
