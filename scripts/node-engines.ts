/**
 * The Node.js versions this project runs on, read from package.json's `engines.node` so that the
 * README, `engines` and `npm run doctor` cannot drift apart. Only the range forms package.json uses
 * are understood: alternatives joined by `||`, each `^X.Y[.Z]` (same major, at least X.Y.Z) or
 * `>=X[.Y[.Z]]`. Anything else is reported as not understood rather than guessed at.
 */
type Version = [number, number, number];

function parseVersion(text: string): Version | null {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return null;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

function compare(a: Version, b: Version): number {
  for (let index = 0; index < 3; index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** true/false when `version` is (not) in `range`; null when the range has a form this does not read. */
export function satisfiesEngines(version: string, range: string): boolean | null {
  const current = parseVersion(version);
  if (!current) return null;
  let understood = true;
  for (const alternative of range.split('||')) {
    const text = alternative.trim();
    const caret = /^\^(.+)$/.exec(text);
    const atLeast = /^>=\s*(.+)$/.exec(text);
    const bound = parseVersion((caret?.[1] ?? atLeast?.[1] ?? '').trim());
    if (!bound) understood = false;
    else if (caret ? current[0] === bound[0] && compare(current, bound) >= 0 : compare(current, bound) >= 0)
      return true;
  }
  return understood ? false : null;
}
