// File names from where a lock says a file is: the last segment of a URL or path.

// Longest file name a file system takes (NAME_MAX).
const MAX_FILENAME = 255;

/**
 * The last path segment of a URL or a local path (either separator), without query or fragment,
 * percent-decoded. Undefined when there is none, or it is `.`/`..`, too long, not decodable, or has
 * control characters: the lock then does not name the file.
 */
export function lastPathSegment(location: string): string | undefined {
  let p = location;
  const cut = p.search(/[?#]/);
  if (cut !== -1) p = p.slice(0, cut);
  const seg = p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
  let name: string;
  try {
    name = decodeURIComponent(seg);
  } catch {
    return undefined;
  }
  if (name === '' || name === '.' || name === '..' || name.length > MAX_FILENAME) return undefined;
  if (/[\u0000-\u001f\u007f/\\]/.test(name)) return undefined;
  return name;
}

/** The fragment of a URL (`#sha256=...`, `#egg=name`) split into its `key=value` pairs. */
export function urlFragmentParams(url: string): Map<string, string> {
  const out = new Map<string, string>();
  const i = url.indexOf('#');
  if (i === -1) return out;
  for (const part of url.slice(i + 1).split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && !out.has(part.slice(0, eq))) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}
