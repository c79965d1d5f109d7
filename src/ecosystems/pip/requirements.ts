/**
 * requirements.txt as pip reads it: comments, line continuations, `-r`/`-c` includes, options, environment
 * markers, extras and hashes. Pure: the caller supplies a reader for included files.
 */
import type { PackageRequest } from '../../convert/programs/packages.js';

export interface RequirementsResult {
  requirements: PackageRequest[];
  /** Lines that are not package names (URLs, local paths, editable installs), reported for manual work. */
  unsupported: string[];
  /** Included files that could not be read. */
  missing: string[];
}

const OPTIONS_WITH_VALUE = new Set([
  '-i',
  '--index-url',
  '--extra-index-url',
  '-f',
  '--find-links',
  '--trusted-host',
  '--use-feature',
  '--no-binary',
  '--only-binary',
  '--prefer-binary',
  '-Z',
  '--pre',
]);

export function parseRequirements(text: string, file: string, read: (path: string) => string | null, seen: Set<string> = new Set()): RequirementsResult {
  const result: RequirementsResult = { requirements: [], unsupported: [], missing: [] };
  if (seen.has(file)) return result;
  seen.add(file);
  const logical = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const rawLine of logical) {
    const line = rawLine.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const include = /^(?:-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)/.exec(line);
    if (include) {
      if (/^(?:-c|--constraint)/.test(line)) continue; // constraints only narrow versions
      const target = joinRelative(file, include[1]!);
      const included = read(target);
      if (included === null) result.missing.push(target);
      else merge(result, parseRequirements(included, target, read, seen));
      continue;
    }
    if (line.startsWith('-')) {
      const option = line.split(/[\s=]/)[0]!;
      if (option === '-e' || option === '--editable') result.unsupported.push(line);
      else if (!OPTIONS_WITH_VALUE.has(option)) result.unsupported.push(line);
      continue;
    }
    const requirement = parseRequirement(line);
    if (requirement) result.requirements.push(requirement);
    else result.unsupported.push(line);
  }
  return result;
}

/** One PEP 508 requirement: `name[extra] (==|>=|~=…) version ; marker --hash=…`. Null for URLs and paths. */
export function parseRequirement(spec: string): PackageRequest | null {
  const withoutHashes = spec.replace(/\s--hash[=\s]\S+/g, '').trim();
  const withoutMarker = withoutHashes.split(';')[0]!.trim();
  if (/^(git\+|https?:|file:|\.|\/)/.test(withoutMarker) || / @ /.test(withoutMarker) || /\.(whl|tar\.gz|zip)$/.test(withoutMarker)) return null;
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/.exec(withoutMarker);
  if (!match) return null;
  const specifier = match[3]!.replace(/^\(|\)$/g, '').replace(/\s+/g, '');
  const exact = /^===?([^,]+)$/.exec(specifier);
  const extras = (match[2] ?? '')
    .slice(1, -1)
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  return { name: match[1]!, version: exact ? exact[1]! : specifier || null, ...(extras.length ? { extras } : {}) };
}

function merge(into: RequirementsResult, from: RequirementsResult): void {
  into.requirements.push(...from.requirements);
  into.unsupported.push(...from.unsupported);
  into.missing.push(...from.missing);
}

function joinRelative(file: string, target: string): string {
  if (target.startsWith('/')) return target;
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
  const parts: string[] = [];
  for (const part of `${dir}/${target}`.split('/')) {
    if (!part || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return (file.startsWith('/') ? '/' : '') + parts.join('/');
}
