/** Java with Maven: `mvn package` / `./mvnw package` become maven.buildMavenPackage; dependency pre-fetching is its mvnHash. */
import { resolvePath } from '../../container-path.js';
import type { ShellCommand } from '../../shell/analyze.js';
import type { CommandScope, MavenStep, Outcome } from '../../convert/stage.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';
import { planMaven } from './build.js';

/** Lifecycle phases that end in the project's packaged artifact (target/*.jar). */
const PACKAGING = new Set(['package', 'verify', 'install']);
/** Phases before packaging: they leave no JAR. */
const EARLY = new Set([
  'validate',
  'initialize',
  'generate-sources',
  'process-sources',
  'generate-resources',
  'process-resources',
  'compile',
  'process-classes',
  'test-compile',
  'test',
]);
/** Plugin goals that only download dependencies (for Docker's layer cache). */
const FETCH_GOALS =
  /^(dependency:(go-offline|resolve|resolve-plugins|resolve-sources|tree|list)|de\.qaware\.maven:go-offline-maven-plugin(:[^:]+)?:resolve-dependencies)$/;
/** Flags that change nothing in the result: batch mode, logging, update checks, threads, offline. */
const QUIET_FLAGS = new Set([
  '-B',
  '--batch-mode',
  '-q',
  '--quiet',
  '-e',
  '--errors',
  '-X',
  '--debug',
  '-ntp',
  '--no-transfer-progress',
  '-U',
  '--update-snapshots',
  '-nsu',
  '--no-snapshot-updates',
  '-V',
  '--show-version',
  '-o',
  '--offline',
  '-C',
  '--strict-checksums',
  '-c',
  '--lax-checksums',
  '-fae',
  '--fail-at-end',
  '-ff',
  '--fail-fast',
  '-llr',
]);
const QUIET_WITH_VALUE = new Set(['-T', '--threads', '-l', '--log-file', '--color', '-Dstyle.color']);
/** Flags that select what is built: kept as mvnParameters. */
const KEPT_WITH_VALUE = new Set(['-P', '--activate-profiles', '-pl', '--projects', '-rf', '--resume-from', '-s', '--settings', '-gs', '--global-settings']);
const KEPT = new Set(['-am', '--also-make', '-amd', '--also-make-dependents', '-N', '--non-recursive']);

interface MavenArgs {
  goals: string[];
  skipTests: boolean;
  parameters: string[];
  pomFile: string | null;
  unknown: string[];
}

function parseMaven(words: string[]): MavenArgs {
  const out: MavenArgs = { goals: [], skipTests: false, parameters: [], pomFile: null, unknown: [] };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const [flag, inline] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, null];
    const value = () => inline ?? words[++i] ?? '';
    if (QUIET_FLAGS.has(flag)) continue;
    if (QUIET_WITH_VALUE.has(flag)) {
      value();
      continue;
    }
    if (flag === '-f' || flag === '--file') {
      out.pomFile = value();
      continue;
    }
    if (flag.startsWith('-D')) {
      const property = flag === '-D' || flag === '--define' ? value() : word.slice(2);
      if (/^(skipTests|skipTests=true|maven\.test\.skip(=true)?)$/.test(property)) out.skipTests = true;
      else if (!/^(style\.color|org\.slf4j\.simpleLogger\.|maven\.wagon\.|http\.keepAlive|maven\.repo\.local)/.test(property))
        out.parameters.push(`-D${property}`);
      continue;
    }
    if (KEPT_WITH_VALUE.has(flag)) {
      out.parameters.push(flag, value());
      continue;
    }
    if (/^-P\S/.test(word) || /^-pl\S/.test(word)) {
      out.parameters.push(word);
      continue;
    }
    if (KEPT.has(flag)) {
      out.parameters.push(word);
      continue;
    }
    if (word.startsWith('-')) {
      out.unknown.push(word);
      continue;
    }
    out.goals.push(word);
  }
  return out;
}

function mavenCommand(wrapper: boolean): ProgramHandler {
  return (words, command, scope) => {
    const program = wrapper ? './mvnw' : 'mvn';
    if (words.slice(1).some((w) => w === '-v' || w === '--version'))
      return ignored('run.maven.check', `${program} --version: a check; Nix pins Maven's version`);
    if (words.slice(1).some((w) => w === '-h' || w === '--help')) return ignored('run.maven.check', `${program} --help: prints help`);
    const args = parseMaven(words.slice(1));
    if (args.unknown.length)
      return manual('run.maven.unknown', `${command.source}: flags dock2nix does not know (${args.unknown.join(' ')}); convert the build by hand`);
    const goals = args.goals;
    if (!goals.length)
      return manual('run.maven.unknown', `${command.source}: no goal or phase (Maven needs one, or a defaultGoal in pom.xml dock2nix does not read)`);
    if (goals.includes('deploy') || goals.some((g) => /:deploy(-file)?$/.test(g)))
      return manual('run.maven.deploy', `${command.source}: publishes to a repository at build time; Nix builds offline: publish from CI instead`);
    if (goals.every((g) => FETCH_GOALS.test(g) || g === 'clean')) {
      return ignored(
        'run.maven.fetch',
        `${program} ${goals.join(' ')}: downloads the dependencies for Docker's layer cache; buildMavenPackage fetches them itself (checked by mvnHash)`,
      );
    }
    if (!goals.some((g) => PACKAGING.has(g))) {
      if (goals.every((g) => EARLY.has(g) || g === 'clean' || FETCH_GOALS.test(g))) {
        return ignored(
          'run.maven.check',
          `${program} ${goals.join(' ')}: builds nothing the image keeps (no package phase); buildMavenPackage compiles and packages in its build`,
        );
      }
      return manual(
        'run.maven.goal',
        `${command.source}: goals dock2nix does not convert (${goals.filter((g) => !EARLY.has(g) && g !== 'clean').join(' ')}); set mvnGoal (and buildOffline for the plugins the fetch misses) by hand`,
      );
    }
    const step: MavenStep = {
      line: scope.line,
      cwd: command.cwd,
      wrapper,
      goals,
      skipTests: args.skipTests,
      parameters: args.parameters,
      pomFile: args.pomFile ? resolvePath(command.cwd, args.pomFile) : null,
    };
    scope.stage.maven.push(step);
    scope.stage.buildLines.push(scope.line);
    return describe(step, program, command, scope);
  };
}

/** The report for a build step: what buildMavenPackage does with its goals and flags. */
function describe(step: MavenStep, program: string, command: ShellCommand, scope: CommandScope): Outcome {
  const notes: string[] = [];
  const other = step.goals.filter((g) => !PACKAGING.has(g) && g !== 'clean' && !EARLY.has(g) && !FETCH_GOALS.test(g));
  if (step.goals.includes('clean')) notes.push('clean is a no-op in the build sandbox');
  if (step.skipTests) notes.push('-DskipTests: doCheck = false (no tests in the dependency fetch or the build)');
  else notes.push('tests run in the build, as in the Dockerfile (doCheck = true)');
  if (step.parameters.length) notes.push(`mvnParameters = "${step.parameters.join(' ')}"`);
  const approximations: string[] = [];
  if (step.wrapper)
    approximations.push(`./mvnw downloads the Maven version its .mvn/wrapper/maven-wrapper.properties names; nixpkgs' maven (3.9) builds instead`);
  if (step.goals.includes('install'))
    approximations.push('install also copies the artifact into ~/.m2, which the derivation does not keep: the package phase builds the same JAR');
  if (other.length)
    approximations.push(
      `the goals ${other.join(' ')} run after package (mvnGoal); the dependency fetch runs only mvn package, so a plugin used only by them may be missing offline (then set buildOffline = true)`,
    );
  const version = scope.stage.base.image && scope.stage.base.name === 'maven' ? /^(\d+(?:\.\d+)*)/.exec(scope.stage.base.tag ?? '')?.[1] : undefined;
  if (version && !/^3(\.9(\.|$)|$)/.test(version)) approximations.push(`the image's Maven ${version} becomes nixpkgs' maven 3.9`);
  void command;
  return {
    status: approximations.length ? 'approximated' : 'mapped',
    rule: 'run.maven.build',
    message: `${program} ${step.goals.join(' ')}: maven.buildMavenPackage (mvnHash to fill in after the first build); ${[...notes, ...approximations].join('; ')}`,
  };
}

export default defineEcosystem({
  id: 'maven',
  summary: 'Java builds with Maven (maven.buildMavenPackage)',
  programs: { mvn: mavenCommand(false), mvnw: mavenCommand(true) },
  cachePaths: [/^\/root\/\.m2(\/|$)/],
  scaffolding: (state, path) => state.maven.length > 0 && /(^|\/)target(\/|$)/.test(path),
  build: { precedence: 3, active: (state) => state.maven.length > 0, plan: planMaven },
});
