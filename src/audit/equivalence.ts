/**
 * Does the Nix image do what the Dockerfile image did? Configuration key by key, the files the Dockerfile put in
 * the image (merged filesystems, after whiteouts), and the packages of each image; then one verdict.
 * Pure: everything comes from the two ImageViews and the Dockerfile's scope.
 */
import { DOCKER_DEFAULT_PATH } from '../dockerfile/parse.js';
import type { ConfigRow, Equivalence, EquivalenceStatus, FileDifferenceKind, FileRow, FilesSection, PackagesSection, SmokeSection, Verdict } from './types.js';
import { listTree, resolveInImage, type ImageView } from './view.js';

// ---------------------------------------------------------------------------------------------------------
// Configuration.

const STORE_PATH = /^\/nix\/store\/[0-9a-z]{32}-[^/]+(\/.*)?$/;

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The Nix word names the same program as the Docker word: a store path whose file name is the Docker word's. */
function sameProgram(docker: string, nix: string): boolean {
  return STORE_PATH.test(nix) && baseName(nix) !== '' && baseName(nix) === baseName(docker);
}

function inner(view: ImageView): Record<string, unknown> {
  const config = view.config.config;
  return config && typeof config === 'object' ? (config as Record<string, unknown>) : {};
}

function strings(value: unknown): string[] | null {
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : null;
}

function row(key: string, docker: string | null, nix: string | null, status: EquivalenceStatus, why?: string): ConfigRow {
  return { key, docker, nix, status, ...(why ? { why } : {}) };
}

/** Two argument lists: equal, equal but for store paths of the same programs (expected), or different. */
function compareArgv(key: string, docker: string[] | null, nix: string[] | null): ConfigRow {
  const shown = (argv: string[] | null) => (argv === null ? null : JSON.stringify(argv));
  if (docker === null && nix === null) return row(key, null, null, 'equal');
  if (docker === null || nix === null) return row(key, shown(docker), shown(nix), 'missing', `set in the ${docker === null ? 'Nix' : 'Dockerfile'} image only`);
  if (docker.length === nix.length && docker.every((word, index) => word === nix[index])) return row(key, shown(docker), shown(nix), 'equal');
  if (docker.length === nix.length && docker.every((word, index) => word === nix[index] || sameProgram(word, nix[index]!))) {
    const programs = docker.filter((word, index) => word !== nix[index]).map((word) => baseName(word));
    return row(key, shown(docker), shown(nix), 'expected', `a /nix/store path for the same program (${programs.join(', ')})`);
  }
  const at = docker.findIndex((word, index) => word !== nix[index]);
  const why =
    at < 0
      ? `the Nix image has ${nix.length - docker.length} more argument(s)`
      : `argument ${at} differs: ${JSON.stringify(docker[at] ?? null)} against ${JSON.stringify(nix[at] ?? null)}`;
  return row(key, shown(docker), shown(nix), 'different', why);
}

function envMap(view: ImageView): Map<string, string> {
  const env = new Map<string, string>();
  for (const item of strings(inner(view).Env) ?? []) {
    const eq = item.indexOf('=');
    if (eq > 0) env.set(item.slice(0, eq), item.slice(eq + 1));
  }
  return env;
}

/** The file a command word runs: an absolute path as it is, a bare name looked up on PATH in the image. */
export function findProgram(view: ImageView, word: string, path: string): string | null {
  const candidates = word.includes('/')
    ? [word]
    : path
        .split(':')
        .filter((dir) => dir.startsWith('/'))
        .map((dir) => `${dir.replace(/\/+$/, '')}/${word}`);
  for (const candidate of candidates) {
    const found = resolveInImage(view.flat, candidate.replace(/^\/+/, ''));
    if (found.found && found.found.entry.type === 'file' && (found.found.entry.mode & 0o111) !== 0) return `/${found.path}`;
  }
  return null;
}

/** The word of Entrypoint (else Cmd) that names the program the container runs. */
function programWord(view: ImageView): string | null {
  const config = inner(view);
  const argv = strings(config.Entrypoint) ?? strings(config.Cmd);
  return argv?.[0] ?? null;
}

function comparePath(docker: ImageView, nix: ImageView, dockerPath: string | undefined, nixPath: string | undefined): ConfigRow {
  const dockerValue = dockerPath ?? DOCKER_DEFAULT_PATH;
  const nixValue = nixPath ?? DOCKER_DEFAULT_PATH;
  const shownDocker = dockerPath ?? `${DOCKER_DEFAULT_PATH} (unset: the runtime's default)`;
  const shownNix = nixPath ?? `${DOCKER_DEFAULT_PATH} (unset: the runtime's default)`;
  if (dockerValue === nixValue) return row('Env.PATH', shownDocker, shownNix, 'equal');
  // Different folders: what matters is that the program the image runs is found through each PATH.
  const word = programWord(docker);
  const nixWord = programWord(nix);
  const programs = [...new Set([word, nixWord].filter((value): value is string => value !== null && !value.includes('/')))];
  if (programs.length === 0) return row('Env.PATH', shownDocker, shownNix, 'expected', 'different folders; the image runs no program found through PATH');
  const missing: string[] = [];
  const resolved: string[] = [];
  for (const program of programs) {
    const inDocker = findProgram(docker, program, dockerValue);
    const inNix = findProgram(nix, program, nixValue);
    if (inDocker && !inNix) missing.push(`${program} (${inDocker} in the Dockerfile image) is not found through the Nix image's PATH`);
    else if (inDocker && inNix) resolved.push(`${program}: ${inDocker} and ${inNix}`);
    else if (!inDocker && inNix) resolved.push(`${program}: not found in the Dockerfile image, ${inNix} in the Nix image`);
  }
  if (missing.length > 0) return row('Env.PATH', shownDocker, shownNix, 'different', missing.join('; '));
  return row('Env.PATH', shownDocker, shownNix, 'expected', `different folders; the command resolves in both (${resolved.join('; ') || programs.join(', ')})`);
}

function compareEnv(docker: ImageView, nix: ImageView): ConfigRow[] {
  const a = envMap(docker);
  const b = envMap(nix);
  const rows: ConfigRow[] = [comparePath(docker, nix, a.get('PATH'), b.get('PATH'))];
  const names = [...new Set([...a.keys(), ...b.keys()])].filter((name) => name !== 'PATH').sort();
  for (const name of names) {
    const x = a.get(name);
    const y = b.get(name);
    const key = `Env.${name}`;
    if (x === undefined || y === undefined)
      rows.push(row(key, x ?? null, y ?? null, 'missing', `set in the ${x === undefined ? 'Nix' : 'Dockerfile'} image only`));
    else if (x === y) rows.push(row(key, x, y, 'equal'));
    else if (sameProgram(x, y)) rows.push(row(key, x, y, 'expected', `a /nix/store path for the same file name (${baseName(x)})`));
    else rows.push(row(key, x, y, 'different'));
  }
  return rows;
}

interface Account {
  name: string;
  id: number;
  gid?: number;
}

function parseAccounts(text: string | undefined, withGid: boolean): Account[] {
  if (text === undefined) return [];
  const accounts: Account[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 3 || fields[0] === '' || line.startsWith('#')) continue;
    const id = Number(fields[2]);
    if (!Number.isInteger(id)) continue;
    const gid = Number(fields[3]);
    accounts.push({ name: fields[0]!, id, ...(withGid && Number.isInteger(gid) && fields[3] !== '' ? { gid } : {}) });
  }
  return accounts;
}

export interface ResolvedUser {
  uid: number | null;
  gid: number | null;
  /** What could not be resolved, in words. */
  problem?: string;
}

/** USER as a runtime reads it: `name`, `uid`, `name:group`, `uid:gid`; names through the image's own files. */
export function resolveUser(view: ImageView, user: string | null): ResolvedUser {
  const spec = user === null || user === '' ? 'root' : user;
  const [userPart, groupPart] = spec.split(':', 2) as [string, string | undefined];
  const passwd = parseAccounts(view.text('etc/passwd'), true);
  const groups = parseAccounts(view.text('etc/group'), false);
  let uid: number | null = null;
  let gid: number | null = null;
  const problems: string[] = [];
  const account = /^\d+$/.test(userPart) ? passwd.find((entry) => entry.id === Number(userPart)) : passwd.find((entry) => entry.name === userPart);
  if (/^\d+$/.test(userPart)) uid = Number(userPart);
  else if (account) uid = account.id;
  else if (userPart === 'root') uid = 0;
  else problems.push(`user ${JSON.stringify(userPart)} is not in its /etc/passwd${view.text('etc/passwd') === undefined ? ' (there is none)' : ''}`);
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const group = groups.find((entry) => entry.name === groupPart);
      if (group) gid = group.id;
      else if (groupPart === 'root') gid = 0;
      else problems.push(`group ${JSON.stringify(groupPart)} is not in its /etc/group${view.text('etc/group') === undefined ? ' (there is none)' : ''}`);
    }
  } else gid = account?.gid ?? (uid === 0 ? 0 : uid !== null ? 0 : null); // runtimes fall back to gid 0 for a uid with no passwd line
  return { uid, gid, ...(problems.length > 0 ? { problem: problems.join('; ') } : {}) };
}

function compareUser(docker: ImageView, nix: ImageView): ConfigRow {
  const a = typeof inner(docker).User === 'string' && inner(docker).User !== '' ? (inner(docker).User as string) : null;
  const b = typeof inner(nix).User === 'string' && inner(nix).User !== '' ? (inner(nix).User as string) : null;
  const x = resolveUser(docker, a);
  const y = resolveUser(nix, b);
  const ids = (user: ResolvedUser) => `${user.uid ?? '?'}:${user.gid ?? '?'}`;
  const shown = (spec: string | null, user: ResolvedUser) => `${spec ?? '(unset: root)'} = ${ids(user)}`;
  if (y.problem && !x.problem) return row('User', shown(a, x), shown(b, y), 'different', `in the Nix image, ${y.problem}: the container would not start`);
  if (x.uid === y.uid && x.gid === y.gid && !x.problem && !y.problem) {
    return row('User', shown(a, x), shown(b, y), a === b ? 'equal' : 'expected', a === b ? undefined : `written differently, both resolve to ${ids(x)}`);
  }
  const why = [x.problem ? `in the Dockerfile image, ${x.problem}` : null, y.problem ? `in the Nix image, ${y.problem}` : null].filter(Boolean).join('; ');
  return row('User', shown(a, x), shown(b, y), 'different', why || `${ids(x)} against ${ids(y)}`);
}

function compareSimple(
  key: string,
  docker: string | null,
  nix: string | null,
  defaultValue: string | null,
  normalise: (value: string) => string = (value) => value,
): ConfigRow {
  const x = docker ?? defaultValue;
  const y = nix ?? defaultValue;
  if (x === y || (x !== null && y !== null && normalise(x) === normalise(y))) {
    return row(
      key,
      docker ?? (defaultValue !== null ? `${defaultValue} (unset)` : null),
      nix ?? (defaultValue !== null ? `${defaultValue} (unset)` : null),
      docker === nix ? 'equal' : 'expected',
      docker === nix ? undefined : 'the same value, written differently',
    );
  }
  if (x === null || y === null) return row(key, docker, nix, 'missing', `set in the ${x === null ? 'Nix' : 'Dockerfile'} image only`);
  return row(key, docker, nix, 'different');
}

function keysOf(value: unknown): string[] {
  return value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value).sort() : [];
}

function compareSet(key: string, docker: string[], nix: string[], normalise: (value: string) => string = (value) => value): ConfigRow {
  const a = [...new Set(docker.map(normalise))].sort();
  const b = [...new Set(nix.map(normalise))].sort();
  const shown = (values: string[]) => (values.length === 0 ? null : values.join(' '));
  if (a.join(' ') === b.join(' '))
    return row(
      key,
      shown(docker),
      shown(nix),
      docker.join(' ') === nix.join(' ') ? 'equal' : 'expected',
      docker.join(' ') === nix.join(' ') ? undefined : 'the same, written differently',
    );
  const onlyDocker = a.filter((value) => !b.includes(value));
  const onlyNix = b.filter((value) => !a.includes(value));
  const why = [
    onlyDocker.length ? `only in the Dockerfile image: ${onlyDocker.join(' ')}` : '',
    onlyNix.length ? `only in the Nix image: ${onlyNix.join(' ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return row(key, shown(docker), shown(nix), a.length === 0 || b.length === 0 ? 'missing' : 'different', why);
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, USR2: 12, TERM: 15, STOP: 19, WINCH: 28, PWR: 30 };

function signalNumber(value: string): string {
  const upper = value.toUpperCase().replace(/^SIG/, '');
  return /^\d+$/.test(upper) ? upper : String(SIGNALS[upper] ?? upper);
}

function healthcheck(view: ImageView): string | null {
  const value = inner(view).Healthcheck;
  if (!value || typeof value !== 'object') return null;
  const check = value as Record<string, unknown>;
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(check)
        .sort()
        .map((name) => [name, check[name]]),
    ),
  );
}

/** Labels engines add by themselves. */
const ENGINE_LABELS = new Set(['io.buildah.version']);

/**
 * `dockerfileLabels`: the keys the Dockerfile's LABEL lines set, when the Dockerfile is known. A label only the
 * Dockerfile image has, that the Dockerfile does not set, comes from the engine or the base image: expected.
 */
export function compareConfig(docker: ImageView, nix: ImageView, dockerfileLabels: readonly string[] | null = null): ConfigRow[] {
  const a = inner(docker);
  const b = inner(nix);
  const rows: ConfigRow[] = [compareArgv('Entrypoint', strings(a.Entrypoint), strings(b.Entrypoint)), compareArgv('Cmd', strings(a.Cmd), strings(b.Cmd))];
  rows.push(...compareEnv(docker, nix));
  rows.push(compareUser(docker, nix));
  const workdir = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  rows.push(compareSimple('WorkingDir', workdir(a.WorkingDir), workdir(b.WorkingDir), '/', (value) => value.replace(/\/+$/, '') || '/'));
  rows.push(compareSet('ExposedPorts', keysOf(a.ExposedPorts), keysOf(b.ExposedPorts), (port) => (port.includes('/') ? port : `${port}/tcp`)));
  rows.push(compareSet('Volumes', keysOf(a.Volumes), keysOf(b.Volumes), (volume) => volume.replace(/\/+$/, '') || '/'));
  const signal = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  rows.push(compareSimple('StopSignal', signal(a.StopSignal), signal(b.StopSignal), 'SIGTERM', signalNumber));
  const checkA = healthcheck(docker);
  const checkB = healthcheck(nix);
  if (checkA === null && checkB === null) rows.push(row('Healthcheck', null, null, 'equal'));
  else if (checkA === null || checkB === null)
    rows.push(row('Healthcheck', checkA, checkB, 'missing', `set in the ${checkA === null ? 'Nix' : 'Dockerfile'} image only`));
  else {
    const testA = strings((a.Healthcheck as Record<string, unknown>).Test);
    const testB = strings((b.Healthcheck as Record<string, unknown>).Test);
    const sameTimes = ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'].every(
      (name) => (a.Healthcheck as Record<string, unknown>)[name] === (b.Healthcheck as Record<string, unknown>)[name],
    );
    const test = compareArgv('Healthcheck', testA, testB);
    rows.push(
      sameTimes
        ? row('Healthcheck', checkA, checkB, test.status, test.why)
        : row('Healthcheck', checkA, checkB, 'different', 'interval, timeout, start period or retries differ'),
    );
  }
  const labelsA = (a.Labels && typeof a.Labels === 'object' ? a.Labels : {}) as Record<string, unknown>;
  const labelsB = (b.Labels && typeof b.Labels === 'object' ? b.Labels : {}) as Record<string, unknown>;
  for (const name of [...new Set([...Object.keys(labelsA), ...Object.keys(labelsB)])].sort()) {
    const x = name in labelsA ? String(labelsA[name]) : null;
    const y = name in labelsB ? String(labelsB[name]) : null;
    const fromElsewhere = y === null && (ENGINE_LABELS.has(name) || (dockerfileLabels !== null && !dockerfileLabels.includes(name)));
    if (fromElsewhere)
      rows.push(
        row(
          `Labels.${name}`,
          x,
          y,
          'expected',
          ENGINE_LABELS.has(name) ? 'added by the engine, not by the Dockerfile' : 'from the base image, not set by the Dockerfile',
        ),
      );
    else
      rows.push(
        x === null || y === null
          ? row(`Labels.${name}`, x, y, 'missing', `set in the ${x === null ? 'Nix' : 'Dockerfile'} image only`)
          : row(`Labels.${name}`, x, y, x === y ? 'equal' : 'different'),
      );
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------
// Files.

export const FILE_KINDS: readonly FileDifferenceKind[] = ['missing', 'extra', 'type', 'mode', 'owner', 'content'];
/** Most file rows a report carries (the counts stay complete). */
export const FILE_ROW_LIMIT = 2000;

/** Files a container runtime provides at run time, whatever the image holds. */
const RUNTIME_FILES = new Set(['etc/hostname', 'etc/hosts', 'etc/resolv.conf']);

function inScope(path: string, roots: readonly string[]): boolean {
  return roots.some((root) => root === '' || path === root || path.startsWith(`${root}/`));
}

function describeEntry(entry: { type: string; mode: number; uid: number; gid: number; size: number; linkname?: string }): string {
  const mode = entry.mode.toString(8).padStart(4, '0');
  const what = entry.type === 'file' ? `file ${entry.size} B` : entry.type === 'symlink' ? `symlink -> ${entry.linkname ?? ''}` : entry.type;
  return `${what}, ${mode}, ${entry.uid}:${entry.gid}`;
}

/**
 * The merged filesystems compared path by path under `roots` (relative paths, '' for everything). A path
 * reached through a symlink into /nix/store (as dockerTools links a package's files into the image) is compared
 * with what the link leads to; what is then left of the link is an expected difference.
 */
export function compareFiles(docker: ImageView, nix: ImageView, roots: readonly string[] | null, allFiles: boolean): FilesSection {
  const scopeRoots = roots ?? [''];
  const listRoots = allFiles ? [''] : scopeRoots;
  const a = new Map<string, ReturnType<typeof listTree> extends Map<string, infer V> ? V : never>();
  const b = new Map<string, ReturnType<typeof listTree> extends Map<string, infer V> ? V : never>();
  for (const root of listRoots) {
    for (const [path, value] of listTree(docker.flat, root)) a.set(path, value);
    for (const [path, value] of listTree(nix.flat, root)) b.set(path, value);
  }
  const counts = Object.fromEntries(FILE_KINDS.map((kind) => [kind, 0])) as Record<FileDifferenceKind, number>;
  const rows: FileRow[] = [];
  let compared = 0;
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const path of paths) {
    const scoped = inScope(path, scopeRoots);
    if (scoped) compared++;
    const found: FileRow[] = [];
    const x = a.get(path);
    const y = b.get(path);
    const add = (kind: FileDifferenceKind, expected: boolean, why?: string) =>
      found.push({
        path: `/${path}`,
        kind,
        ...(x ? { docker: describeEntry(x.entry.entry) } : {}),
        ...(y ? { nix: describeEntry(y.entry.entry) } : {}),
        expected,
        inScope: scoped,
        ...(why ? { why } : {}),
      });
    if (!x || !y) {
      const only = (x ?? y)!.entry.entry;
      // Container runtimes mount their own over these; engines leave them empty after a RUN step.
      const placeholder = RUNTIME_FILES.has(path) && only.type === 'file' && only.size === 0;
      add(x ? 'missing' : 'extra', placeholder, placeholder ? 'an empty placeholder the engine leaves after RUN; the runtime mounts its own' : undefined);
    } else {
      const ex = x.entry.entry;
      const ey = y.entry.entry;
      const storeSide = y.viaStore || y.real.startsWith('nix/store/');
      if (ex.type !== ey.type) add('type', false);
      else {
        if (ex.type === 'file' && ex.sha256 !== undefined && ey.sha256 !== undefined && ex.sha256 !== ey.sha256) add('content', false);
        else if (ex.type === 'file' && ex.size !== ey.size) add('content', false);
        else if (ex.type === 'symlink' && ex.linkname !== ey.linkname) {
          const same = sameProgram(ex.linkname ?? '', ey.linkname ?? '');
          add('content', same, same ? 'the link points to a /nix/store path of the same name' : undefined);
        }
        if (ex.type !== 'symlink' && ex.mode !== ey.mode) {
          // The store is read-only: a store file is the Docker file with its write bits taken away.
          const readOnly = storeSide && (ex.mode & ~0o222) === (ey.mode & ~0o222);
          add('mode', readOnly, readOnly ? 'the Nix store is read-only; the same mode but for the write bits' : undefined);
        }
        if (ex.uid !== ey.uid || ex.gid !== ey.gid) add('owner', false);
      }
    }
    for (const difference of found) {
      if (difference.inScope) counts[difference.kind]++;
      if (difference.inScope || allFiles) rows.push(difference);
    }
  }
  const kept = rows.slice(0, FILE_ROW_LIMIT);
  return {
    scope: roots === null ? 'all' : 'dockerfile',
    roots: scopeRoots.map((root) => `/${root}`),
    allFiles,
    compared,
    counts,
    differences: kept,
    omitted: rows.length - kept.length,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The verdict.

export function decideVerdict(config: ConfigRow[], files: FilesSection, packages: PackagesSection, smoke?: SmokeSection): Verdict {
  const reasons: string[] = [];
  let expected = 0;
  for (const item of config) {
    if (item.status === 'expected') expected++;
    else if (item.status === 'different' || item.status === 'missing')
      reasons.push(
        `${item.key} ${item.status === 'missing' ? (item.docker === null ? 'only in the Nix image' : 'missing in the Nix image') : 'differs'}${item.why ? ` (${item.why})` : ''}`,
      );
  }
  const fileReasons = new Map<FileDifferenceKind, string[]>();
  for (const item of files.differences) {
    if (!item.inScope) continue;
    if (item.expected) expected++;
    else fileReasons.set(item.kind, [...(fileReasons.get(item.kind) ?? []), item.path]);
  }
  const kindWords: Record<FileDifferenceKind, string> = {
    missing: 'missing in the Nix image',
    extra: 'only in the Nix image',
    type: 'of another type',
    mode: 'with another mode',
    owner: 'with another owner',
    content: 'with other content',
  };
  for (const kind of FILE_KINDS) {
    const list = fileReasons.get(kind);
    if (!list) continue;
    reasons.push(`${list.length} file(s) ${kindWords[kind]}: ${list.slice(0, 3).join(', ')}${list.length > 3 ? ', ...' : ''}`);
  }
  const missingPackages = packages.rows.filter((item) => item.status === 'docker-only' && !item.expected);
  if (missingPackages.length > 0)
    reasons.push(
      `${missingPackages.length} package(s) missing in the Nix image: ${missingPackages
        .slice(0, 5)
        .map((item) => item.name)
        .join(', ')}${missingPackages.length > 5 ? ', ...' : ''}`,
    );
  if (smoke) reasons.push(...smokeReasons(smoke));
  expected += new Set(packages.rows.filter((item) => item.expected && item.why).map((item) => `${item.status}:${item.why}`)).size;
  const status: Verdict['status'] = reasons.length > 0 ? 'not-equivalent' : expected > 0 ? 'equivalent-with-expected-differences' : 'equivalent';
  const line =
    status === 'equivalent'
      ? 'Verdict: EQUIVALENT'
      : status === 'equivalent-with-expected-differences'
        ? `Verdict: EQUIVALENT with ${expected} expected difference${expected === 1 ? '' : 's'}`
        : `Verdict: NOT EQUIVALENT: ${reasons.slice(0, 3).join('; ')}${reasons.length > 3 ? `; and ${reasons.length - 3} more` : ''}`;
  return { status, expected, reasons, line };
}

export function assembleEquivalence(config: ConfigRow[], files: FilesSection, packages: PackagesSection, smoke?: SmokeSection): Equivalence {
  return { verdict: decideVerdict(config, files, packages, smoke), config, files, packages, ...(smoke ? { smoke } : {}) };
}

/** The verdict's reasons from the smoke rows. */
export function smokeReasons(smoke: SmokeSection): string[] {
  return smoke.rows
    .filter((row) => row.status === 'different' || row.status === 'missing')
    .map((row) => `smoke ${row.check}: ${row.docker ?? 'not checked'} in the Dockerfile image, ${row.nix ?? 'not checked'} in the Nix image`);
}
