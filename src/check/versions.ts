/**
 * Version drift: does the version nixpkgs carries satisfy what the Dockerfile asked for?
 *
 * Requests come in three dialects, and each is reduced to the upstream version before comparing:
 * - Alpine pins (`curl=8.5.0-r0`, `curl>8`, `curl~8.5`): the `-rN` package release is dropped.
 * - Debian pins (`curl=7.88.1-10+deb12u5`, `1:2.39.2-1`): the epoch and the Debian revision are dropped.
 * - PEP 440 specifiers (`2.0.1`, `>=1.2,<2`, `~=1.4.2`, `==2.*`).
 * A bare version is a prefix: `3.12` accepts `3.12.13`, `1.29` accepts `1.29.8`, but `2.0.1` rejects `3.1.0`.
 */

export interface DriftResult {
  /** true: the actual version does not satisfy the request; false: it does; null: cannot be compared. */
  drift: boolean | null;
  /** Why the answer is null (a release name, an unreadable version). */
  reason?: string;
}

type Operator = '==' | '!=' | '>=' | '<=' | '>' | '<' | '~=' | 'prefix';

interface Constraint {
  op: Operator;
  version: string;
}

/** Compare a requested version (or specifier) with the version nixpkgs has. */
export function versionDrift(requested: string | null, actual: string | null): DriftResult {
  if (requested === null || requested.trim() === '') return { drift: null, reason: 'no version was asked for' };
  if (/^release\s/.test(requested)) return { drift: null, reason: `"${requested}" names a distribution release, not a version` };
  const constraints = parseSpecifier(requested);
  if (!constraints) return { drift: null, reason: `"${requested}" is not a version dock2nix can read` };
  if (actual === null || actual.trim() === '') return { drift: null, reason: 'the attribute has no version' };
  if (!/\d/.test(actual)) return { drift: null, reason: `"${actual}" is not a version dock2nix can read` };
  const have = actual.trim().replace(/^v(?=\d)/, '');
  return { drift: !constraints.every((c) => satisfies(have, c)) };
}

/** `3.12` → [{prefix 3.12}], `>=1.2,<2` → [{>= 1.2}, {< 2}], `~8.5` (apk) → [{prefix 8.5}]. Null when unreadable. */
export function parseSpecifier(requested: string): Constraint[] | null {
  const parts = requested
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (!parts.length) return null;
  const constraints: Constraint[] = [];
  for (const part of parts) {
    const match = /^(===|==|!=|>=|<=|~=|>|<|=|~|\^)?\s*(.+)$/.exec(part);
    if (!match) return null;
    const op = match[1] ?? '';
    let version = upstreamVersion(match[2]!);
    if (!/^\d/.test(version)) return null;
    if (version.endsWith('.*')) {
      version = version.slice(0, -2);
      if (op === '!=') {
        constraints.push({ op: '!=', version: `${version}.*` });
        continue;
      }
      constraints.push({ op: 'prefix', version });
      continue;
    }
    switch (op) {
      case '':
      case '=':
      case '~': // apk's fuzzy match
        constraints.push({ op: 'prefix', version });
        break;
      case '==':
      case '===':
        // PEP 440: `==2.0` matches 2.0 and 2.0.0, not 2.0.1, which a numeric comparison gives.
        constraints.push({ op: '==', version });
        break;
      case '^':
        constraints.push({ op: '>=', version }, { op: 'prefix', version: version.split('.')[0]! });
        break;
      default:
        constraints.push({ op: op as Operator, version });
    }
  }
  return constraints;
}

/** Drop what a distribution adds to an upstream version: epochs, Alpine releases, Debian revisions. */
export function upstreamVersion(version: string): string {
  let v = version.trim();
  v = v.replace(/^\d+:/, ''); // Debian epoch
  v = v.replace(/-r\d+$/, ''); // Alpine package release
  // Debian revision: the last hyphen starts it when what follows looks like a revision (`-1`, `-10+deb12u5`, `-1~trixie`).
  v = v.replace(/-(\d[\w.+~]*|\d*ubuntu[\w.+~]*)$/, '');
  v = v.replace(/[+~].*$/, ''); // +dfsg, ~rc1 and other distribution suffixes
  v = v.replace(/^v(?=\d)/, '');
  return v;
}

function satisfies(actual: string, c: Constraint): boolean {
  const cmp = compareVersions(actual, c.version);
  switch (c.op) {
    case 'prefix':
      return isPrefix(c.version, actual);
    case '==':
      return cmp === 0;
    case '!=':
      return c.version.endsWith('.*') ? !isPrefix(c.version.slice(0, -2), actual) : cmp !== 0;
    case '>=':
      return cmp >= 0;
    case '<=':
      return cmp <= 0;
    case '>':
      return cmp > 0;
    case '<':
      return cmp < 0;
    case '~=': {
      // ~=1.4.2 means >=1.4.2 and ==1.4.*
      const parts = c.version.split('.');
      const prefix = parts.slice(0, Math.max(1, parts.length - 1)).join('.');
      return cmp >= 0 && isPrefix(prefix, actual);
    }
  }
}

/** `3.12` is a prefix of `3.12.13` and of `3.12`, not of `3.1` or `3.120`. */
function isPrefix(prefix: string, version: string): boolean {
  const want = segments(prefix);
  const have = segments(version);
  return want.every((part, i) => have[i] !== undefined && compareSegment(part, have[i]!) === 0);
}

function segments(version: string): string[] {
  return version.split(/[.\-_]/).filter((s) => s !== '');
}

function compareSegment(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return Number(a) - Number(b);
  if (na !== nb) return na ? 1 : -1; // 1.0.1 > 1.0.rc1
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Numeric where numeric, missing parts count as 0 (`2.0` == `2.0.0`). */
export function compareVersions(a: string, b: string): number {
  const pa = segments(a);
  const pb = segments(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = compareSegment(pa[i] ?? '0', pb[i] ?? '0');
    if (diff !== 0) return diff;
  }
  return 0;
}
