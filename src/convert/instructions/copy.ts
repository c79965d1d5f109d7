/** COPY and ADD: files from the build context, heredocs, and copies from other stages (resolved in ../finalize.ts). */
import type { Instruction, Stage } from '../../dockerfile/model.js';
import { resolvePath } from '../../container-path.js';
import { isValidMode } from '../../nix/shell.js';
import { globRegExp, hasWildcard } from '../glob.js';
import { contextPathOf, numericOwner, worst, type NpmStep, type Outcome, type StageState } from '../stage.js';
import type { BuildContext } from '../context.js';
import { stageCacheCopy, type CopyRequest } from '../derivations.js';
import { foldPythonCopy, installsPythonOnly } from '../python-stage.js';
import type { Status } from '../types.js';
import { stageLabel, stageReference } from '../stages.js';
import { decideImageCopy } from '../image-copy.js';
import type { DecideScope } from './scope.js';

export function decideCopy(
  copy: Extract<Instruction, { keyword: 'COPY' | 'ADD' }>,
  stage: Stage,
  state: StageState,
  scope: DecideScope,
): Outcome & { details?: string[] } {
  const notes: string[] = [];
  if (copy.link) notes.push('--link has no effect in Nix, where layers are content-addressed already');
  if (copy.otherFlags.length) notes.push(`flags not converted: ${copy.otherFlags.join(' ')}`);
  // What these change (files left out, the source folders kept) is not done here, so the line cannot be mapped.
  const unconverted = copy.otherFlags.filter((flag) => /^--(exclude|parents)(=|$)/.test(flag));
  if (unconverted.length) {
    return {
      status: 'manual',
      rule: 'copy.flags',
      message: `${copy.keyword} ${unconverted.join(' ')}: not converted, and without it the image would get files Docker leaves out or puts elsewhere; nothing was placed: place these files by hand`,
    };
  }
  const owner = copy.chown ? numericOwner(copy.chown, state) : null;
  if (copy.chown && !owner) notes.push(`--chown=${copy.chown}: user or group not known, files stay owned by root`);
  if (copy.chmod !== null && !isValidMode(copy.chmod)) {
    return {
      status: 'manual',
      rule: 'copy.chmod',
      message: `${copy.keyword} --chmod=${JSON.stringify(copy.chmod)}: not a mode dock2nix understands; nothing was placed`,
    };
  }
  const destIsDir = copy.dest.endsWith('/') || copy.sources.length > 1 || copy.dest === '.';
  const dest = resolvePath(copy.workdir, copy.dest);
  const keyword = copy.keyword;
  // A folder's contents copied into a folder that is already there: --chown and --chmod reach only what is copied.
  const into = folderExists(state, dest) ? { intoExisting: true as const } : {};

  if (copy.heredocs.length) {
    for (const heredoc of copy.heredocs) {
      const path = destIsDir || copy.heredocs.length > 1 ? joinImagePath(dest, heredoc.name) : dest;
      state.files.push({
        line: copy.line,
        source: { kind: 'text', content: heredoc.content, name: path.split('/').pop() || 'file' },
        dest: path,
        owner,
        mode: copy.chmod,
      });
    }
    return { status: 'mapped', rule: 'copy.heredoc', message: `${keyword} heredoc → ${dest}${notes.length ? `; ${notes.join('; ')}` : ''}` };
  }

  if (copy.from) {
    const source = stageReference(scope.dockerfile, copy.from, stage.index);
    // The official composer image's binary (`COPY --from=composer:2 /usr/bin/composer ...`): nixpkgs' composer for
    // the stage's PHP (src/ecosystems/php).
    if (source === null && /^(docker\.io\/)?(library\/)?composer(:[\w.-]+)?$/.test(copy.from) && copy.sources.every((s) => s === '/usr/bin/composer')) {
      const php = state.runtimes.php;
      if (php && !state.kept) {
        const attr = `${php.attr}Packages.composer`;
        state.packages.set(attr, state.inImage ? 'runtime' : 'build');
        return {
          status: 'approximated',
          rule: 'copy.composer',
          message: `${keyword} --from=${copy.from} /usr/bin/composer: the composer tool becomes ${attr} (bin/composer on the PATH, not at ${dest}), nixpkgs' Composer 2 release rather than the image's`,
        };
      }
    }
    if (source === null) return decideImageCopy(keyword, copy.from, copy.sources, dest, destIsDir, state);
    const outcomes: Outcome[] = [];
    /** What the report says after the notes: how copies from a Python-only stage join the environment. */
    const tail: string[] = [];
    const sourceState = scope.states.get(source);
    const requested = copy.sources.flatMap((src): Array<{ src: string; from: string; glob: boolean; kind?: 'dir' | 'file' }> => {
      const from = resolvePath(sourceState?.workdir ?? '/', src);
      if (!hasWildcard(from)) return [{ src, from, glob: false }];
      // A wildcard matches what the stage made, as far as the plan knows it; never a literal `*` in a path.
      const pattern = globRegExp(from);
      const fromContext = contextMatches(from, sourceState, scope.context);
      if (fromContext) {
        outcomes.push(fromContext.outcome);
        return fromContext.matches.map((match) => ({ src: match.path, from: match.path, glob: false, kind: match.kind }));
      }
      const matches = knownStagePaths(sourceState).filter((known) => pattern.test(known));
      // What a Maven or Gradle build packages (target/*.jar, build/libs/*.jar): its derivation installs the matches
      // (src/ecosystems/maven, src/ecosystems/gradle).
      if (!matches.length && (sourceState?.maven.length || sourceState?.gradle.length) && !hasWildcard(from.slice(0, from.lastIndexOf('/'))))
        return [{ src, from, glob: true }];
      if (!matches.length) {
        outcomes.push({
          status: 'manual',
          rule: 'copy.from-stage.wildcard',
          message: `${from} from stage ${stageLabel(scope.dockerfile.stages[source]!)}: a wildcard over files the build makes, which dock2nix cannot list; name the files it matches`,
        });
        return [];
      }
      return matches.map((match) => ({ src: match, from: match, glob: false }));
    });
    for (const { src, from, glob, kind: known } of requested) {
      const name = from.split('/').pop() || '';
      // Docker merges a folder's contents into the destination and puts a file inside a destination folder.
      const kind = known ?? (src.endsWith('/') || src.endsWith('/.') ? 'dir' : stageSourceKind(from, sourceState));
      const target = destIsDir && kind !== 'dir' && !glob ? joinImagePath(dest, name) : dest;
      if (destIsDir && kind === 'unknown' && !glob)
        notes.push(`${from} is taken to be a file (placed as ${target}); if the build makes it a folder, its contents belong in ${dest}`);
      const special = specialStageCopy(from, state);
      if (special) {
        outcomes.push(special);
        continue;
      }
      const passed = sourceState ? stageCacheCopy(from, sourceState, scope.context) : null;
      if (passed?.kind === 'cache') {
        outcomes.push({
          status: 'ignored',
          rule: 'copy.from-stage.cache',
          message: `${passed.message} (stage ${stageLabel(scope.dockerfile.stages[source]!)})`,
        });
        continue;
      }
      if (passed?.kind === 'context' && stage.index !== scope.target) {
        // A build stage taking context files another stage only passed on: they are part of its own source.
        state.files.push({
          line: copy.line,
          source: { kind: 'context', path: passed.path, directory: passed.directory },
          dest: target,
          owner,
          mode: copy.chmod,
        });
        state.contextCopies.push({ line: copy.line, source: passed.path, directory: passed.directory, dest: target });
        state.contextFiles.set(passed.directory ? `${target}/` : target, passed.path);
        outcomes.push({
          status: 'mapped',
          rule: 'copy.from-stage.context',
          message: `${from} from stage ${stageLabel(scope.dockerfile.stages[source]!)} is ${passed.path || '.'} of the build context, unchanged there: part of this stage's source`,
        });
        continue;
      }
      const installed = sourceState ? installedNodeModules(sourceState, from) : null;
      if (installed) {
        // A "deps" stage: what it installed comes from the lock file in this stage's own derivation instead.
        state.npm.push(...installed);
        state.buildLines.push(copy.line);
        scope.mergedStages.add(source);
        const manager = installed[0]!.manager;
        outcomes.push({
          status: 'mapped',
          rule: 'copy.from-stage.node-modules',
          message: `${from} from stage ${stageLabel(scope.dockerfile.stages[source]!)}: the dependencies that stage installed (${manager} ${installed.map((s) => s.action).join(', ')}) are installed from the lock file in this stage's derivation`,
        });
        continue;
      }
      state.stageCopyDests.push(target);
      // A wildcard's matches go into a destination folder, or its one match becomes the destination file.
      const request: CopyRequest = {
        stage: source,
        line: copy.line,
        from,
        dest: target,
        trailingSlash: glob ? destIsDir : src.endsWith('/') || src.endsWith('/.'),
        owner,
        mode: copy.chmod,
        into: state.index,
        ...(kind !== 'file' && target === dest ? into : {}),
      };
      scope.copyRequests.push(request);
      if (stage.index === scope.target && sourceState && installsPythonOnly(sourceState)) {
        // That stage is not built: what it installed joins the image's Python environment (placed by ../finalize.ts).
        const folded = foldPythonCopy(request, sourceState, copy, scope.context);
        scope.folds.set(request, folded);
        const label = stageLabel(scope.dockerfile.stages[source]!);
        if (folded.problem) {
          outcomes.push({ status: 'manual', rule: 'copy.from-stage', message: `${from} from stage ${label} → ${target}` });
          tail.push(folded.problem);
        } else {
          outcomes.push({ status: 'approximated', rule: 'copy.from-stage', message: `${from} from stage ${label} → ${folded.target}` });
          tail.push(
            `the Python packages installed in that stage join the image's Python environment instead${folded.notes.length ? `; ${folded.notes.join('; ')}` : ''}`,
          );
        }
        continue;
      }
      // Whether the build makes a file or a folder there is not known: placing it as a file is a guess, not a mapping.
      const guessed = destIsDir && kind === 'unknown';
      outcomes.push({
        status: guessed ? 'approximated' : 'mapped',
        rule: 'copy.from-stage',
        message: `${from} from stage ${stageLabel(scope.dockerfile.stages[source]!)} → ${target}`,
      });
    }
    const message = [`${outcomes.map((o) => o.message).join('; ')}`, ...notes, ...tail].join('; ');
    return { status: worst(outcomes), rule: outcomes.length === 1 ? outcomes[0]!.rule : 'copy.from-stage', message };
  }

  const placed: string[] = [];
  const problems: string[] = [];
  for (const src of copy.sources) {
    if (keyword === 'ADD' && /^(https?|git|ssh):\/\/|^git@/.test(src)) {
      problems.push(`ADD ${src}: a download; use pkgs.fetchurl (or fetchgit) with a hash`);
      continue;
    }
    const clean = normaliseContextPath(src);
    if (clean === null) {
      problems.push(`${src} is outside the build context (Docker refuses it too)`);
      continue;
    }
    const matches = hasWildcard(clean) ? scope.context.glob(clean) : scope.context.kind(clean) ? [clean] : [];
    if (matches.length === 0) {
      problems.push(`${src} is not in the build context`);
      continue;
    }
    for (const matchPath of matches) {
      const kind = scope.context.kind(matchPath);
      if (kind === null) continue;
      const directory = kind === 'dir';
      if (keyword === 'ADD' && !directory && /\.(tar|tar\.gz|tgz|tar\.bz2|tar\.xz)$/.test(matchPath)) {
        problems.push(`ADD ${matchPath}: Docker unpacks local archives; unpack it in the Nix source instead`);
        continue;
      }
      const name = matchPath === '' ? '' : matchPath.split('/').pop()!;
      const target = directory ? (hasWildcard(clean) && destIsDir ? joinImagePath(dest, name) : dest) : destIsDir ? joinImagePath(dest, name) : dest;
      state.files.push({
        line: copy.line,
        source: { kind: 'context', path: matchPath, directory },
        dest: target,
        owner,
        mode: copy.chmod,
        ...(directory && target === dest ? into : {}),
      });
      state.contextCopies.push({ line: copy.line, source: matchPath, directory, dest: target });
      if (directory) state.contextFiles.set(`${target}/`, matchPath);
      else state.contextFiles.set(target, matchPath);
      placed.push(`${matchPath || '.'} → ${target}`);
    }
  }
  if (keyword === 'ADD' && placed.length) notes.push('ADD of local files works as COPY');
  const status: Status = problems.length ? 'manual' : keyword === 'ADD' || notes.some((n) => n.startsWith('--chown')) ? 'approximated' : 'mapped';
  const message = [placed.length ? `${placed.join(', ')}` : '', ...problems, ...notes].filter(Boolean).join('; ');
  return { status, rule: problems.length ? 'copy.missing' : 'copy.context', message };
}

/** Folders every base image but `scratch` has (a COPY into them merges, and leaves them root's). */
const BASE_FOLDERS = new Set(['/bin', '/etc', '/home', '/root', '/tmp', '/usr', '/var']);

/**
 * Whether a folder is in the stage before the instruction: the root, WORKDIR and mkdir's folders, homes, folders
 * above or at what earlier COPYs placed, and the folders of the base's file system hierarchy.
 */
function folderExists(state: StageState, path: string): boolean {
  const within = (inner: string) => inner === path || inner.startsWith(path === '/' ? '/' : `${path}/`);
  if (path === '/' || state.directories.has(path)) return true;
  if (state.baseKind !== 'empty' && state.baseKind !== 'unknown' && BASE_FOLDERS.has(path)) return true;
  if (state.files.some((f) => (f.dest !== path && within(f.dest)) || (f.dest === path && f.source.kind !== 'text' && f.source.directory))) return true;
  return state.stageCopyDests.some((d) => d !== path && within(d));
}

/** A name inside an image folder: `/` + `x` is `/x`, not `//x`. */
function joinImagePath(folder: string, name: string): string {
  return folder === '/' ? `/${name}` : `${folder}/${name}`;
}

/**
 * A wildcard over a folder the stage copied from the build context (`COPY bin/ ./bin/`, then `COPY --from=build
 * /src/bin/app-* ...`): its matches are the context's, each then installed by the stage's derivation. Mapped when
 * nothing else of the stage may write there; when a command of the stage names the folder, or a language build runs,
 * it may add matches the context lacks: approximated, saying so. Null when the folder is not from the context.
 */
function contextMatches(
  from: string,
  source: StageState | undefined,
  context: BuildContext,
): { matches: Array<{ path: string; kind: 'dir' | 'file' }>; outcome: Outcome } | null {
  if (!source) return null;
  const slash = from.lastIndexOf('/');
  const folder = from.slice(0, slash) || '/';
  if (hasWildcard(folder)) return null;
  const contextFolder = contextPathOf(source, folder);
  // Only through a copied folder (a key with a trailing slash), not a file of that name.
  if (contextFolder === null || source.contextFiles.has(folder) || context.kind(contextFolder) !== 'dir') return null;
  const found = context.glob(contextFolder ? `${contextFolder}/${from.slice(slash + 1)}` : from.slice(slash + 1));
  if (!found.length) return null;
  const matches = found.map((p) => ({
    path: `${folder === '/' ? '' : folder}/${p.split('/').pop()}`,
    kind: context.kind(p) === 'dir' ? ('dir' as const) : ('file' as const),
  }));
  const relative = folder.startsWith(`${source.workdir.replace(/\/$/, '')}/`) ? folder.slice(source.workdir.replace(/\/$/, '').length + 1) : null;
  const names = (text: string) =>
    text.includes(folder) || (relative !== null && new RegExp(`(^|[\\s/'"=])${relative.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/|[\\s'"]|$)`).test(text));
  const builds = source.go.length + source.cargo.length + source.npm.length + source.maven.length + source.dotnet.length > 0;
  const touched = builds || source.unhandled.some((u) => names(u.source));
  const listed = matches.map((m) => m.path).join(', ');
  return {
    matches,
    outcome: touched
      ? {
          status: 'approximated',
          rule: 'copy.from-stage.wildcard',
          message: `${from}: the matches in the build context (${listed}); the stage's build may add others there, which are not placed`,
        }
      : { status: 'mapped', rule: 'copy.from-stage.wildcard', message: `${from}: the matches in the build context, unchanged by the stage (${listed})` },
  };
}

/** Paths a stage is known to have made or copied: context copies, Go outputs, Cargo binaries. */
function knownStagePaths(source: StageState | undefined): string[] {
  if (!source) return [];
  const paths = new Set<string>();
  for (const key of source.contextFiles.keys()) paths.add(key.replace(/\/$/, ''));
  for (const step of source.go) if (step.output) paths.add(step.output);
  for (const step of source.cargo) for (const bin of step.bins) paths.add(`${step.cwd.replace(/\/$/, '')}/target/${step.release ? 'release' : 'debug'}/${bin}`);
  return [...paths].sort();
}

/** Folder names builds leave their output in. */
const BUILD_FOLDERS = new Set([
  '.next',
  '.output',
  '.svelte-kit',
  'build',
  'dist',
  'lib',
  'node_modules',
  'out',
  'public',
  'site',
  'standalone',
  'static',
  'target',
  'vendor',
  'www',
  'html',
]);

/**
 * Whether a path another stage made is a folder or a file, as far as the plan can tell: what that stage copied
 * from the context, a file name's extension, the folders builds write, the binaries Go and Cargo steps produce.
 */
function stageSourceKind(from: string, source: StageState | undefined): 'dir' | 'file' | 'unknown' {
  if (source?.contextFiles.has(`${from}/`) || source?.directories.has(from)) return 'dir';
  if (source?.contextFiles.has(from)) return 'file';
  // A folder the stage made or filled deeper down (`mkdir -p /app/_build/prod/rel/shop/bin`).
  const below = `${from.replace(/\/$/, '')}/`;
  if (source && [...source.directories.keys(), ...source.contextFiles.keys()].some((known) => known.startsWith(below))) return 'dir';
  const name = from.split('/').pop() ?? '';
  if (BUILD_FOLDERS.has(name)) return 'dir';
  if (/^[^.].*\.[A-Za-z0-9]{1,8}$/.test(name)) return 'file';
  if (source?.go.some((step) => step.output === from) || /\/(bin|release|debug)\/[^/]+$/.test(from)) return 'file';
  return 'unknown';
}

/** The install steps behind `<dir>/node_modules` of a stage that installed packages there (npm ci, yarn, pnpm install). */
function installedNodeModules(source: StageState, from: string): NpmStep[] | null {
  const match = /^(.*)\/node_modules\/?$/.exec(from);
  if (!match) return null;
  const dir = match[1] || '/';
  const steps = source.npm.filter((step) => step.action !== 'run' && step.cwd === dir);
  return steps.length ? steps : null;
}

/** Files a stage copies only to get what Nix provides itself: certificates, time zones, passwd. */
function specialStageCopy(from: string, state: StageState): Outcome | null {
  if (/^\/etc\/ssl\/certs(\/|$)|^\/etc\/pki\//.test(from)) {
    state.needs.caCertificates = true;
    state.needReasons.push(`CA certificates copied from a build stage (${from})`);
    return { status: 'mapped', rule: 'copy.ca-certificates', message: `${from}: dockerTools.caCertificates provides the CA bundle` };
  }
  if (/^\/usr\/share\/zoneinfo(\/|$)/.test(from)) {
    state.needs.tzdata = true;
    state.needReasons.push(`time zone data copied from a build stage (${from})`);
    return { status: 'mapped', rule: 'copy.tzdata', message: `${from}: tzdata provides the time zone database` };
  }
  if (/^\/etc\/(passwd|group)$/.test(from)) {
    return {
      status: 'approximated',
      rule: 'copy.passwd',
      message: `${from}: /etc/passwd and /etc/group come from fakeNss with the users this Dockerfile creates`,
    };
  }
  return null;
}

/** Context-relative path without `./`, or null when it climbs out of the context. */
export function normaliseContextPath(src: string): string | null {
  const parts: string[] = [];
  for (const part of src.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}
