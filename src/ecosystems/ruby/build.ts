/**
 * A Ruby stage's gems: bundlerEnv (pkgs/development/ruby-modules/bundler-env/default.nix) with the Ruby of the
 * stage's base, the context's Gemfile and Gemfile.lock, and gemset.nix, a side file next to default.nix that
 * bundix writes from the lock (`{ }` until then).
 */
import { contextPathOf, type StageState } from '../../convert/stage.js';
import type { BundlerBuild } from '../../convert/types.js';
import { chooseRuntime } from '../../rules/lookup.js';
import { unique } from '../build-helpers.js';
import type { BuildInput, BuildPart } from '../define.js';

/** The side file bundlerEnv's gemset reads, next to default.nix. */
export const GEMSET_FILE = 'gemset.nix';

export function planBundler(state: StageState, input: BuildInput): BuildPart {
  const installs = state.bundler.filter((s) => s.action === 'install');
  const main = installs[installs.length - 1]!;
  const problems: NonNullable<BuildPart['problems']> = [];
  const inContext = (file: string): string | null => {
    const found = contextPathOf(state, `${main.cwd.replace(/\/$/, '')}/${file}`);
    return found !== null && input.context.kind(found) === 'file' ? found : null;
  };
  const gemfile = inContext('Gemfile');
  const lockfile = inContext('Gemfile.lock');
  if (gemfile === null || lockfile === null) {
    problems.push({
      line: main.line,
      status: 'manual',
      message: `no ${gemfile === null ? 'Gemfile' : 'Gemfile.lock'} copied from the build context into ${main.cwd}: bundlerEnv needs both (run bundle lock, copy them, and set gemfile and lockfile)`,
    });
  }
  // What the installs left out: the config set before each, their flags, BUNDLE_WITHOUT (the last install decides).
  const configured = state.bundler.filter((s) => s.action === 'without' && s.line <= main.line).pop()?.without ?? [];
  const without = unique([...configured, ...main.without]);
  let groups: string[] | null = null;
  if (without.length) {
    const text = gemfile !== null ? input.context.readText(gemfile) : null;
    const named = text === null ? [] : gemfileGroups(text);
    groups = unique(['default', ...named.filter((g) => !without.includes(g))]);
    if (text === null) {
      problems.push({
        line: main.line,
        status: 'approximated',
        message: `the Gemfile could not be read: bundlerEnv installs the default group only; add the other groups not left out (${without.join(', ')} are) to groups`,
      });
    }
  }
  const ruby =
    state.runtimes.ruby?.attr ?? [...state.packages.keys()].find((a) => /^ruby(_\d+_\d+)?$/.test(a)) ?? chooseRuntime(input.rules, 'ruby', null).attr;
  if (!state.inImage) {
    problems.push({
      line: main.line,
      status: 'manual',
      message: `the gems are installed in a build stage: bundlerEnv lays them out as Nix does (lib/ruby/gems/…), not as the Dockerfile's GEM_HOME; put the environment in the image (contents) instead of copying its folders`,
    });
  }
  const build: BundlerBuild = { kind: 'bundler', ruby, gemfile, lockfile, gemset: GEMSET_FILE, groups, inImage: state.inImage, line: main.line };
  return { build, pname: `${input.name}-gems`, problems };
}

/** The groups a Gemfile names: `group :a, :b do` blocks and `gem "x", group: :a` / `groups: [:a, :b]` options. */
export function gemfileGroups(gemfile: string): string[] {
  const names: string[] = [];
  const symbols = (text: string) => [...text.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)|["']([A-Za-z_][A-Za-z0-9_]*)["']/g)].map((m) => m[1] ?? m[2]!);
  for (const line of gemfile.split('\n').map((l) => l.replace(/#.*$/, ''))) {
    const block = /^\s*group\s*\(?\s*(.+?)\)?\s+do\b/.exec(line);
    if (block) names.push(...symbols(block[1]!.replace(/,?\s*\w+:\s*[^,]+/g, '')));
    const option = /\bgroups?:\s*(\[[^\]]*\]|:[A-Za-z_]\w*|["'][^"']+["'])/.exec(line);
    if (/^\s*gem\s/.test(line) && option) names.push(...symbols(option[1]!));
  }
  return unique(names).filter((g) => g !== 'default');
}
