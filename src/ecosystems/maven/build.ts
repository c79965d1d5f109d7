/** A Maven stage's derivation: maven.buildMavenPackage with the JDK of the build image and the flags of its mvn line. */
import type { StageState } from '../../convert/stage.js';
import type { MavenBuild } from '../../convert/types.js';
import { chooseRuntime } from '../../rules/lookup.js';
import { globInstaller, relativeTo, unique } from '../build-helpers.js';
import type { BuildInput, BuildPart } from '../define.js';

/** The JDK part of a maven image's tag: `3.8.8-eclipse-temurin-17`, `3-openjdk-17-slim`, `3.9-amazoncorretto-21`, `3.6-jdk-11`. */
const JDK_IN_TAG = /(?:^|-)(?:temurin|openjdk|jdk|amazoncorretto|corretto|sapmachine|semeru|graalvm-ce|zulu|liberica)-?(\d+)(?:-|$)/;

export function planMaven(state: StageState, input: BuildInput): BuildPart {
  const steps = state.maven;
  const first = steps[0]!;
  const problems: NonNullable<BuildPart['problems']> = [];
  let jdk: string | null = null;
  if (state.base.name === 'maven') {
    const wanted = JDK_IN_TAG.exec((state.base.tag ?? '').toLowerCase())?.[1] ?? null;
    const choice = chooseRuntime(input.rules, 'java-openjdk', wanted);
    jdk = choice.attr;
    if (choice.substitution) problems.push({ line: first.line, status: 'approximated', message: `the build's JDK: ${choice.substitution}` });
  } else if (state.runtimes.java && !/jre/.test(state.runtimes.java.attr)) {
    jdk = state.runtimes.java.attr;
  }
  // Each build line's flags once (two lines with the same flags are one build).
  const perStep = unique(
    steps.map((step) => {
      const dir = relativeTo(state.workdir, step.cwd);
      const pom = step.pomFile ? relativeTo(state.workdir, step.pomFile) : dir ? `${dir}/pom.xml` : null;
      return JSON.stringify([...(pom && pom !== 'pom.xml' ? ['-f', pom] : []), ...step.parameters]);
    }),
  );
  const parameters = perStep.flatMap((p) => JSON.parse(p) as string[]);
  const lifecycle = new Set(['clean', 'validate', 'compile', 'test', 'package', 'verify', 'install']);
  const others = unique(steps.flatMap((s) => s.goals.filter((g) => !lifecycle.has(g) && !/^dependency:/.test(g))));
  const build: MavenBuild = {
    kind: 'maven',
    jdk,
    doCheck: !steps.some((s) => s.skipTests),
    parameters,
    goal: others.length ? ['package', ...others].join(' ') : null,
    globs: [],
    line: first.line,
  };
  const pom = input.read(build.parameters.includes('-f') ? build.parameters[build.parameters.indexOf('-f') + 1]! : 'pom.xml');
  const coordinates = pom ? pomCoordinates(pom) : null;
  const resolveSpecial = globInstaller(state.workdir, build.globs);
  return { build, pname: coordinates?.artifactId ?? input.name, version: coordinates?.version ?? undefined, resolveSpecial, problems };
}

/** The project's own artifactId and version from pom.xml (not its parent's), when they are plain text. */
export function pomCoordinates(pom: string): { artifactId: string | null; version: string | null } {
  const own = pom
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<parent>[\s\S]*?<\/parent>/, '')
    .replace(
      /<(dependencies|dependencyManagement|build|profiles|modules|properties|repositories|pluginRepositories|reporting|distributionManagement)>[\s\S]*?<\/\1>/g,
      '',
    );
  const plain = (tag: string) => {
    const value = new RegExp(`<${tag}>\\s*([^<]*?)\\s*</${tag}>`).exec(own)?.[1];
    return value && /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(value) ? value : null;
  };
  return { artifactId: plain('artifactId'), version: plain('version') };
}
