/**
 * A Gradle stage's derivation: stdenv.mkDerivation with nixpkgs' Gradle in nativeBuildInputs (its setup hook runs
 * gradleBuildTask offline), the dependencies read by gradle.fetchDeps from a deps.json next to default.nix that its
 * mitmCache.updateScript writes (pkgs/development/tools/build-managers/gradle/, doc/languages-frameworks/gradle.section.md).
 */
import type { StageState } from '../../convert/stage.js';
import type { GradleBuild } from '../../convert/types.js';
import { chooseRuntime } from '../../rules/lookup.js';
import { globInstaller, relativeTo, unique } from '../build-helpers.js';
import type { BuildInput, BuildPart } from '../define.js';

/** The side file gradle.fetchDeps reads, next to default.nix. */
export const GRADLE_DEPS_FILE = 'deps.json';

/** The JDK part of a gradle image's tag: `7.6-jdk17`, `8.5-jdk21-alpine`, `jdk17`, `8-jdk11-focal`. */
const JDK_IN_TAG = /(?:^|-)jdk-?(\d+)(?:-|$)/;

export function planGradle(state: StageState, input: BuildInput): BuildPart {
  const steps = state.gradle;
  const first = steps[0]!;
  const problems: NonNullable<BuildPart['problems']> = [];
  let jdk: string | null = null;
  if (state.base.name === 'gradle') {
    const wanted = JDK_IN_TAG.exec((state.base.tag ?? '').toLowerCase())?.[1] ?? null;
    if (wanted) {
      const choice = chooseRuntime(input.rules, 'java-openjdk', wanted);
      jdk = choice.attr;
      if (choice.substitution) problems.push({ line: first.line, status: 'approximated', message: `the build's JDK: ${choice.substitution}` });
    }
  } else if (state.runtimes.java && !/jre/.test(state.runtimes.java.attr)) {
    jdk = state.runtimes.java.attr;
  }
  // Each line's flags once, `-x TASK` and `-p DIR` as pairs.
  const pairs: string[] = [];
  for (const step of steps) {
    const dir = step.projectDir ? relativeTo(state.workdir, step.projectDir) : relativeTo(state.workdir, step.cwd);
    for (const pair of [...(dir ? [['-p', dir]] : []), ...step.excluded.map((t) => ['-x', t]), ...step.flags.map((f) => [f])]) {
      const text = pair.join(' ');
      if (!pairs.includes(text)) pairs.push(text);
    }
  }
  const tasks = unique(steps.flatMap((s) => s.tasks.filter((t) => t.slice(t.lastIndexOf(':') + 1) !== 'clean')));
  const build: GradleBuild = {
    kind: 'gradle',
    gradle: 'gradle',
    jdk,
    tasks,
    flags: pairs.flatMap((p) => p.split(' ')),
    globs: [],
    depsFile: GRADLE_DEPS_FILE,
    line: first.line,
  };
  const settings = input.read('settings.gradle') ?? input.read('settings.gradle.kts');
  const buildFile = input.read('build.gradle') ?? input.read('build.gradle.kts');
  const name = settings ? /rootProject\.name\s*=\s*["']([A-Za-z0-9][A-Za-z0-9._+-]*)["']/.exec(settings)?.[1] : undefined;
  const version = buildFile ? /^\s*version\s*=?\s*["']([A-Za-z0-9][A-Za-z0-9._+-]*)["']/m.exec(buildFile)?.[1] : undefined;
  return { build, pname: name ?? input.name, version, resolveSpecial: globInstaller(state.workdir, build.globs), problems };
}
