// PEP 440 versions, as far as matching a file name against its metadata needs: a canonical key
// under which versions that PEP 440 calls equal (1.0 == 1.0.0 == v1.0, 1.0alpha1 == 1.0a1,
// 1.0-1 == 1.0.post1) have the same string.

// The PEP 440 grammar with its permitted spellings (packaging's VERSION_PATTERN).
const PEP440 = new RegExp(
  '^v?' +
    '(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$',
  'i',
);

// Longest version string worth parsing; real ones are a few dozen characters.
const MAX_VERSION_LENGTH = 256;

/**
 * Whether `version` is a PEP 440 version (in any permitted spelling, including the wheel file
 * name's `_` for `-`): exactly when versionKey(version) is defined, without building the key.
 */
export function isVersion(version: string): boolean {
  const v = version.trim();
  if (v.length === 0 || v.length > MAX_VERSION_LENGTH) return false;
  return PEP440.test(v) || (v.includes('_') && PEP440.test(v.replace(/_/g, '-')));
}

/**
 * The comparison key of a PEP 440 version: its normalized form (epoch only when non-zero,
 * integers without leading zeros, `a`/`b`/`rc`, `.postN`, `.devN`, lowercase local part joined
 * by dots) with trailing zero release components dropped, so two versions PEP 440 calls equal
 * have equal keys. Also accepts the wheel file name spelling, where `-` became `_`.
 * Undefined when `version` is not a PEP 440 version.
 */
export function versionKey(version: string): string | undefined {
  const v = version.trim();
  if (v.length === 0 || v.length > MAX_VERSION_LENGTH) return undefined;
  const m = PEP440.exec(v) ?? PEP440.exec(v.replace(/_/g, '-'));
  const g = m?.groups;
  if (!g) return undefined;
  let out = '';
  const epoch = g.epoch === undefined ? '0' : int(g.epoch);
  if (epoch !== '0') out += `${epoch}!`;
  const release = g.release.split('.').map(int);
  while (release.length > 1 && release[release.length - 1] === '0') release.pop();
  out += release.join('.');
  if (g.pre !== undefined) out += preLabel(g.pre_l) + int(g.pre_n ?? '0');
  if (g.post !== undefined) out += '.post' + int(g.post_n1 ?? g.post_n2 ?? '0');
  if (g.dev !== undefined) out += '.dev' + int(g.dev_n ?? '0');
  if (g.local !== undefined) {
    out += '+' + g.local.toLowerCase().split(/[-_.]/).map((s) => (/^[0-9]+$/.test(s) ? int(s) : s)).join('.');
  }
  return out;
}

/**
 * Whether two version strings name the same version: equal PEP 440 keys (see versionKey), or,
 * when either is not PEP 440, the same text ignoring case, a leading `v`, and which of `-`, `_`,
 * `.` separates the parts.
 */
export function versionsEqual(a: string, b: string): boolean {
  const ka = versionKey(a);
  const kb = versionKey(b);
  if (ka !== undefined && kb !== undefined) return ka === kb;
  const loose = (s: string) => s.trim().toLowerCase().replace(/^v(?=[0-9])/, '').replace(/[-_.]+/g, '.');
  return loose(a) === loose(b);
}

function int(digits: string): string {
  return BigInt(digits).toString();
}

function preLabel(label: string): string {
  const l = label.toLowerCase();
  if (l === 'alpha' || l === 'a') return 'a';
  if (l === 'beta' || l === 'b') return 'b';
  return 'rc';
}
