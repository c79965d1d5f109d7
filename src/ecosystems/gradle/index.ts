/** Java/Kotlin with Gradle: `gradle bootJar` / `./gradlew build` become a stdenv derivation with nixpkgs' Gradle setup hook and its mitmCache. */
import { resolvePath } from '../../container-path.js';
import type { CommandScope, GradleStep, Outcome } from '../../convert/stage.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';
import { planGradle } from './build.js';

/** Tasks that leave the project's packaged artifact (build/libs/*.jar, build/install/, build/distributions/). */
const PACKAGING = /^(build|assemble|jar|bootJar|bootWar|war|shadowJar|installDist|installBootDist|installShadowDist|distTar|distZip|bootDistTar|bootDistZip)$/;
/** Tasks that build nothing the image keeps: compiling, testing, checking. */
const EARLY = /^(clean|classes|testClasses|compileJava|compileKotlin|compileGroovy|compileTestJava|compileTestKotlin|processResources|test|check)$/;
/** Tasks that only list or download dependencies (for Docker's layer cache). */
const FETCH =
  /^(dependencies|dependencyInsight|buildEnvironment|downloadDependencies|resolveDependencies|resolveAllDependencies|projects|tasks|properties|help)$/;
/** Flags that change nothing in the result: the daemon, logging, caches, parallelism, offline. */
const QUIET = new Set([
  '--no-daemon',
  '--daemon',
  '-q',
  '--quiet',
  '-i',
  '--info',
  '-d',
  '--debug',
  '-w',
  '--warn',
  '-s',
  '--stacktrace',
  '-S',
  '--full-stacktrace',
  '--build-cache',
  '--no-build-cache',
  '--parallel',
  '--no-parallel',
  '--offline',
  '--refresh-dependencies',
  '--watch-fs',
  '--no-watch-fs',
  '--scan',
  '--no-scan',
  '--configuration-cache',
  '--no-configuration-cache',
  '--continue',
  '--console=plain',
  '--console=auto',
  '--console=rich',
  '--console=verbose',
  '--no-rebuild',
  '-a',
]);
const QUIET_WITH_VALUE = new Set(['--console', '--warning-mode', '--max-workers', '-g', '--gradle-user-home', '--project-cache-dir', '--priority']);
/** System properties that only tune Gradle itself (daemon, JVM, logging): no effect on what is built. */
const QUIET_PROPERTY = /^org\.gradle\.(daemon|jvmargs|parallel|caching|console|logging|workers|vfs|welcome|warning)/;

interface GradleArgs {
  tasks: string[];
  excluded: string[];
  flags: string[];
  projectDir: string | null;
  unknown: string[];
}

function parseGradle(words: string[]): GradleArgs {
  const out: GradleArgs = { tasks: [], excluded: [], flags: [], projectDir: null, unknown: [] };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const [flag, inline] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, null];
    const value = () => inline ?? words[++i] ?? '';
    if (QUIET.has(word) || QUIET.has(flag)) continue;
    if (QUIET_WITH_VALUE.has(flag)) {
      value();
      continue;
    }
    if (flag === '-x' || flag === '--exclude-task') {
      out.excluded.push(value().replace(/^:/, ''));
      continue;
    }
    if (flag === '-p' || flag === '--project-dir') {
      out.projectDir = value();
      continue;
    }
    if (/^-[DP]./.test(word) || flag === '--system-prop' || flag === '--project-prop') {
      const property = word.startsWith('--') ? value() : word.slice(2);
      const letter = flag === '--system-prop' || word.startsWith('-D') ? 'D' : 'P';
      if (letter === 'D' && QUIET_PROPERTY.test(property)) continue;
      out.flags.push(`-${letter}${property}`);
      continue;
    }
    if (word.startsWith('-')) {
      out.unknown.push(word);
      continue;
    }
    out.tasks.push(word);
  }
  return out;
}

/** A task's own name, without its project path (`:app:bootJar` → bootJar). */
const taskName = (task: string) => task.slice(task.lastIndexOf(':') + 1);

function gradleCommand(wrapper: boolean): ProgramHandler {
  return (words, command, scope) => {
    const program = wrapper ? './gradlew' : 'gradle';
    const rest = words.slice(1);
    if (rest.some((w) => w === '-v' || w === '--version')) return ignored('run.gradle.check', `${program} --version: a check; Nix pins Gradle's version`);
    if (rest.some((w) => w === '-h' || w === '--help' || w === '-?')) return ignored('run.gradle.check', `${program} --help: prints help`);
    if (rest.some((w) => w === '-m' || w === '--dry-run')) return ignored('run.gradle.check', `${program} --dry-run: runs no task`);
    if (rest.some((w) => w === '--stop' || w === '--status'))
      return ignored('run.gradle.check', `${program} ${rest.join(' ')}: manages the daemon, which the Nix build does not use`);
    const args = parseGradle(rest);
    if (args.unknown.length)
      return manual('run.gradle.unknown', `${command.source}: flags dock2nix does not know (${args.unknown.join(' ')}); convert the build by hand`);
    const names = args.tasks.map(taskName);
    if (!names.length)
      return manual(
        'run.gradle.unknown',
        `${command.source}: no task (Gradle runs the build's defaultTasks, which dock2nix does not read); name the task by hand`,
      );
    if (names.some((t) => /^publish/.test(t) || t === 'uploadArchives'))
      return manual('run.gradle.publish', `${command.source}: publishes to a repository at build time; Nix builds offline: publish from CI instead`);
    if (names.every((t) => FETCH.test(t) || t === 'clean'))
      return ignored(
        'run.gradle.fetch',
        `${program} ${args.tasks.join(' ')}: lists or downloads the dependencies for Docker's layer cache; gradle.fetchDeps records them once (mitmCache) and the build reads them offline`,
      );
    const other = names.filter((t) => !PACKAGING.test(t) && !EARLY.test(t) && !FETCH.test(t));
    if (other.length)
      return manual('run.gradle.task', `${command.source}: tasks dock2nix does not convert (${other.join(' ')}); set gradleBuildTask and the install by hand`);
    if (!names.some((t) => PACKAGING.test(t)))
      return ignored(
        'run.gradle.check',
        `${program} ${args.tasks.join(' ')}: builds nothing the image keeps (no jar, assemble or build task); the derivation compiles in its own build`,
      );
    const step: GradleStep = {
      line: scope.line,
      cwd: command.cwd,
      wrapper,
      tasks: args.tasks.filter((t) => !FETCH.test(taskName(t))),
      excluded: args.excluded,
      flags: args.flags,
      projectDir: args.projectDir ? resolvePath(command.cwd, args.projectDir) : null,
    };
    scope.stage.gradle.push(step);
    scope.stage.buildLines.push(scope.line);
    return describe(step, program, scope);
  };
}

/** The report for a build step: what the derivation does with its tasks and flags. */
function describe(step: GradleStep, program: string, scope: CommandScope): Outcome {
  const notes: string[] = [];
  const names = step.tasks.map(taskName);
  if (names.includes('clean')) notes.push('clean is a no-op in the build sandbox');
  notes.push(`gradleBuildTask = "${step.tasks.filter((t) => taskName(t) !== 'clean').join(' ')}"`);
  if (step.excluded.length) notes.push(`gradleFlags keep ${step.excluded.map((t) => `-x ${t}`).join(' ')}`);
  if (step.flags.length) notes.push(`gradleFlags keep ${step.flags.join(' ')}`);
  const approximations: string[] = [];
  if (step.wrapper)
    approximations.push(
      `./gradlew downloads the Gradle version its gradle/wrapper/gradle-wrapper.properties names; nixpkgs' Gradle (8.14) builds instead, offline (a build script using an API this Gradle removed fails)`,
    );
  const version = scope.stage.base.image && scope.stage.base.name === 'gradle' ? /^(\d+(?:\.\d+)*)/.exec(scope.stage.base.tag ?? '')?.[1] : undefined;
  if (!step.wrapper && scope.stage.base.name === 'gradle') {
    if (!version) approximations.push("the image's Gradle (its tag names no version) becomes nixpkgs' Gradle 8.14");
    else if (!/^8(\.14(\.|$)|$)/.test(version))
      approximations.push(
        `the image's Gradle ${version} becomes nixpkgs' Gradle 8.14${/^7(\.|$)/.test(version) ? " (nixpkgs' gradle_7 is marked insecure)" : /^9(\.|$)/.test(version) ? " (nixpkgs' gradle_9 needs JDK 25, which does not evaluate here)" : ''}; a build script using an API that changed between them fails`,
      );
  }
  return {
    status: approximations.length ? 'approximated' : 'mapped',
    rule: 'run.gradle.build',
    message: `${program} ${step.tasks.join(' ')}: a derivation with nixpkgs' Gradle setup hook, its dependencies recorded by gradle.fetchDeps into deps.json (a generation step to run once); ${[...notes, ...approximations].join('; ')}`,
  };
}

export default defineEcosystem({
  id: 'gradle',
  summary: "Java and Kotlin builds with Gradle (nixpkgs' Gradle setup hook, gradle.fetchDeps)",
  programs: { gradle: gradleCommand(false), gradlew: gradleCommand(true) },
  cachePaths: [/^\/root\/\.gradle(\/|$)/, /^\/home\/gradle\/\.gradle(\/|$)/],
  scaffolding: (state, path) => state.gradle.length > 0 && /(^|\/)(build|\.gradle)(\/|$)/.test(path),
  build: { precedence: 3, active: (state) => state.gradle.length > 0, plan: planGradle },
});
