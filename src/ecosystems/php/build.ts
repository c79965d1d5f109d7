/**
 * A PHP stage that ran `composer install`: phpXY.buildComposerProject2 (pkgs/build-support/php/builders/v2/), its
 * project (with vendor/) installed at $out/share/php/<pname>, where later stages' copies of the folder find it.
 */
import type { StageState } from '../../convert/stage.js';
import type { ComposerBuild } from '../../convert/types.js';
import { relativeTo } from '../build-helpers.js';
import type { BuildInput, BuildPart } from '../define.js';

export function planComposer(state: StageState, input: BuildInput): BuildPart {
  const steps = state.composer;
  const first = steps[0]!;
  const problems: NonNullable<BuildPart['problems']> = [];
  const php = state.runtimes.php!.attr;
  if (steps.some((s) => s.cwd !== state.workdir))
    problems.push({
      line: first.line,
      status: 'approximated',
      message: `composer install ran in ${first.cwd}, not the stage's folder ${state.workdir}: buildComposerProject2 installs the source root`,
    });
  const build: ComposerBuild = {
    kind: 'composer',
    php,
    extensions: [...state.phpExtensions],
    noDev: steps.every((s) => s.noDev),
    noScripts: steps.every((s) => s.noScripts),
    autoloader: [...new Set(steps.flatMap((s) => s.autoloader))],
    line: first.line,
  };
  const manifest = input.read('composer.json');
  let name: string | undefined;
  let version: string | undefined;
  try {
    const json = manifest ? (JSON.parse(manifest) as { name?: unknown; version?: unknown }) : {};
    if (typeof json.name === 'string')
      name = json.name
        .split('/')
        .pop()!
        .replace(/[^A-Za-z0-9+._?=-]/g, '-');
    if (typeof json.version === 'string' && /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(json.version)) version = json.version;
  } catch {
    // A composer.json that does not parse: the default name (composer itself would fail on it).
  }
  const pname = name ?? input.name;
  // buildComposerProject2's install hook copies the built folder (the stage's workdir) to $out/share/php/<pname>.
  const project = `share/php/${pname}`;
  const resolveSpecial = (from: string): { path: string } | null => {
    const rel = relativeTo(state.workdir, from.replace(/\/+$/, ''));
    if (rel === null) return null;
    return { path: rel ? `${project}/${rel}` : project };
  };
  return { build, pname, version, resolveSpecial, problems };
}
