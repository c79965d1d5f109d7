/**
 * The software in an image, from its own records: Debian's /var/lib/dpkg/status (and distroless status.d),
 * Alpine's /lib/apk/db/installed, Python *.dist-info/METADATA, Node node_modules/NAME/package.json, and the
 * /nix/store paths (name and version as Nix splits a store name). The two images' packages are matched by name.
 */
import type { Ecosystem, PackageInfo, PackageRow, PackagesSection } from './types.js';
import type { ImageView } from './view.js';

/** `Field: value` stanzas separated by blank lines (dpkg), continuation lines starting with a space. */
function stanzas(text: string): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  let current: Record<string, string> = {};
  let last: string | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (Object.keys(current).length > 0) out.push(current);
      current = {};
      last = null;
    } else if (/^[ \t]/.test(line)) {
      if (last) current[last] += `\n${line.trim()}`;
    } else {
      const colon = line.indexOf(':');
      if (colon > 0) {
        last = line.slice(0, colon);
        current[last] = line.slice(colon + 1).trim();
      }
    }
  }
  if (Object.keys(current).length > 0) out.push(current);
  return out;
}

export function parseDpkgStatus(text: string, location: string): PackageInfo[] {
  return stanzas(text)
    .filter((stanza) => stanza.Package && (stanza.Status === undefined || /\binstalled$/.test(stanza.Status)))
    .map((stanza) => ({ name: stanza.Package!, version: stanza.Version ?? '', ecosystem: 'deb' as const, location }));
}

export function parseApkInstalled(text: string, location: string): PackageInfo[] {
  const out: PackageInfo[] = [];
  let name: string | null = null;
  let version = '';
  const flush = () => {
    if (name) out.push({ name, version, ecosystem: 'apk', location });
    name = null;
    version = '';
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') flush();
    else if (line.startsWith('P:')) name = line.slice(2);
    else if (line.startsWith('V:')) version = line.slice(2);
  }
  flush();
  return out;
}

/** Name and Version of a dist-info METADATA (the headers before the first blank line). */
export function parseDistInfo(text: string, location: string): PackageInfo | null {
  const head = text.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const name = /^Name:\s*(.+)$/m.exec(head)?.[1]?.trim();
  const version = /^Version:\s*(.+)$/m.exec(head)?.[1]?.trim();
  return name ? { name, version: version ?? '', ecosystem: 'pypi', location } : null;
}

export function parsePackageJson(text: string, location: string): PackageInfo | null {
  try {
    const data = JSON.parse(text) as { name?: unknown; version?: unknown };
    return typeof data.name === 'string' && data.name !== ''
      ? { name: data.name, version: typeof data.version === 'string' ? data.version : '', ecosystem: 'npm', location }
      : null;
  } catch {
    return null;
  }
}

/** Store-path suffixes naming an output of a package, not part of its version. */
const OUTPUTS = new Set([
  'bin',
  'lib',
  'dev',
  'out',
  'man',
  'doc',
  'info',
  'dist',
  'debug',
  'static',
  'env',
  'data',
  'modules',
  'py',
  'python',
  'devdoc',
  'tools',
  'terminfo',
  'locales',
  'libgcc',
]);

/**
 * Name and version of a store path's name part (after the hash), as `builtins.parseDrvName` splits it: the
 * version starts at the first dash-separated word that begins with a digit. An output suffix (`-bin`, `-lib`)
 * is dropped from the version.
 */
export function parseStoreName(rest: string): { name: string; version: string } {
  const words = rest.split('-');
  const at = words.findIndex((word, index) => index > 0 && /^\d/.test(word));
  if (at < 0) return { name: rest, version: '' };
  const versionWords = words.slice(at);
  while (versionWords.length > 1 && OUTPUTS.has(versionWords.at(-1)!)) versionWords.pop();
  return { name: words.slice(0, at).join('-'), version: versionWords.join('-') };
}

/** Every package an image records. */
export function findPackages(view: ImageView): PackageInfo[] {
  const found: PackageInfo[] = [];
  const seenStore = new Set<string>();
  for (const [path, { entry }] of view.flat) {
    if (path.startsWith('nix/store/')) {
      const match = /^nix\/store\/[0-9a-z]{32}-([^/]+)$/.exec(path);
      if (match && !match[1]!.endsWith('.drv') && !seenStore.has(match[1]!)) {
        seenStore.add(match[1]!);
        const { name, version } = parseStoreName(match[1]!);
        found.push({ name, version, ecosystem: 'nix', location: `/${path}` });
      }
    }
    if (entry.type !== 'file' && entry.type !== 'hardlink' && entry.type !== 'symlink') continue;
    if (path === 'var/lib/dpkg/status' || path.startsWith('var/lib/dpkg/status.d/')) {
      const text = view.text(path);
      if (text !== undefined) found.push(...parseDpkgStatus(text, `/${path}`));
    } else if (path === 'lib/apk/db/installed') {
      const text = view.text(path);
      if (text !== undefined) found.push(...parseApkInstalled(text, `/${path}`));
    } else if (path.endsWith('.dist-info/METADATA')) {
      const text = view.text(path);
      const info = text !== undefined ? parseDistInfo(text, `/${path.slice(0, -'/METADATA'.length)}`) : null;
      if (info) found.push(info);
    } else if (/(^|\/)node_modules\/(@[^/]+\/)?[^/]+\/package\.json$/.test(path)) {
      const text = view.text(path);
      const info = text !== undefined ? parsePackageJson(text, `/${path}`) : null;
      if (info) found.push(info);
    }
  }
  return found.sort((x, y) => cmp(x.name, y.name) || cmp(x.version, y.version) || cmp(x.location, y.location));
}

function cmp(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The name both sides are matched by: lower case, Python's `-_.` folded, nixpkgs' `python3.12-` prefix dropped. */
export function matchName(info: Pick<PackageInfo, 'name' | 'ecosystem'>): string {
  let name = info.name.toLowerCase();
  if (info.ecosystem === 'nix') name = name.replace(/^python3\.?\d*-/, '').replace(/^node-/, '');
  if (info.ecosystem === 'pypi' || info.ecosystem === 'nix') name = name.replace(/[-_.]+/g, '-');
  return name;
}

/**
 * Package names a Dockerfile's RUN lines install: the words after `apt-get install`, `apt install`, `apk add`,
 * `pip install`, `pip3 install`, `npm install`, `yarn add` (options and version pins left out).
 */
export function requestedPackages(commands: readonly string[]): string[] {
  const names = new Set<string>();
  const verbs =
    /\b(?:apt-get|apt|aptitude)\s+(?:[^;&|\n]*?\s)?install\b|\bapk\s+(?:[^;&|\n]*?\s)?add\b|\bpip3?\s+(?:[^;&|\n]*?\s)?install\b|\bpython3?\s+-m\s+pip\s+install\b|\bnpm\s+(?:install|i|add)\b|\byarn\s+(?:global\s+)?add\b/g;
  for (const command of commands) {
    const text = command.replace(/\\\n/g, ' ');
    for (const match of text.matchAll(verbs)) {
      const rest = text.slice(match.index! + match[0].length).split(/&&|\|\||[;|\n]/, 1)[0] ?? '';
      let skipNext = false;
      for (const word of rest.trim().split(/\s+/)) {
        if (word === '') continue;
        if (skipNext) {
          skipNext = false;
          continue;
        }
        if (word.startsWith('-')) {
          if (['-r', '--requirement', '-c', '--constraint', '-t', '--target', '-o', '-i', '--index-url', '--repository', '-X'].includes(word)) skipNext = true;
          continue;
        }
        if (word.includes('$') || word.startsWith('.') || (word.includes('/') && !word.startsWith('@'))) continue;
        const bare = word.replace(/^['"]|['"]$/g, '');
        const name = bare.startsWith('@') ? bare.replace(/^(@[^@]+).*$/, '$1') : bare.replace(/[=<>!~@[].*$/, '');
        if (/^@?[A-Za-z0-9][A-Za-z0-9._+\-/@]*$/.test(name)) names.add(name.toLowerCase().replace(/_/g, '-'));
      }
    }
  }
  return [...names].sort();
}

export function comparePackages(docker: PackageInfo[], nix: PackageInfo[], requested: readonly string[]): PackagesSection {
  const byName = new Map<string, { docker: PackageInfo[]; nix: PackageInfo[] }>();
  for (const [side, list] of [
    ['docker', docker],
    ['nix', nix],
  ] as const) {
    for (const info of list) {
      const key = matchName(info);
      const slot = byName.get(key) ?? { docker: [], nix: [] };
      slot[side].push(info);
      byName.set(key, slot);
    }
  }
  const wanted = new Set(requested.map((name) => name.toLowerCase().replace(/[-_.]+/g, '-')));
  const rows: PackageRow[] = [];
  for (const [name, slot] of [...byName.entries()].sort((x, y) => cmp(x[0], y[0]))) {
    const versions = (list: PackageInfo[]) => [...new Set(list.map((info) => info.version))].sort();
    const ecosystems = [...new Set([...slot.docker, ...slot.nix].map((info) => info.ecosystem))].sort() as Ecosystem[];
    const base = { name, docker: versions(slot.docker), nix: versions(slot.nix), ecosystems };
    if (slot.docker.length > 0 && slot.nix.length > 0) {
      const same = base.docker.some((version) => base.nix.includes(version));
      rows.push({ ...base, status: 'both', expected: !same, ...(same ? {} : { why: 'another version' }) });
    } else if (slot.nix.length > 0) {
      rows.push({ ...base, status: 'nix-only', expected: true, why: 'in the Nix closure (Nix names and splits packages its own way)' });
    } else {
      const system = slot.docker.every((info) => info.ecosystem === 'deb' || info.ecosystem === 'apk');
      const asked = wanted.has(name) || slot.docker.some((info) => wanted.has(info.name.toLowerCase()));
      if (system && !asked)
        rows.push({
          ...base,
          status: 'docker-only',
          expected: true,
          why: 'a distribution package the Dockerfile does not install by name (the base image, or a dependency)',
        });
      else rows.push({ ...base, status: 'docker-only', expected: false, why: asked ? 'the Dockerfile installs it' : 'an application dependency' });
    }
  }
  const count = (status: PackageRow['status']) => rows.filter((item) => item.status === status).length;
  return {
    counts: { docker: docker.length, nix: nix.length, both: count('both'), dockerOnly: count('docker-only'), nixOnly: count('nix-only') },
    docker,
    nix,
    rows,
    requested: [...requested],
  };
}
