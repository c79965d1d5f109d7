/** Gradle's truth table (build tasks, dependency listing, publishing), the JDK of gradle tags, JAR wildcards, the deps.json side file, the corpus project. */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../../src/convert/convert.js';
import { memoryContext } from '../../src/convert/context.js';
import type { GradleBuild, MigrationPlan } from '../../src/convert/types.js';
import { loadRules } from '../../src/io/rules-files.js';
import { emitNix } from '../../src/nix/emit.js';
import { convertProject, projectNames } from '../helpers/projects.js';
import { runTester } from '../helpers/run-tester.js';
import { shell } from '../helpers/shell.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const files = {
  'settings.gradle': "rootProject.name = 'shop'\n",
  'build.gradle': "plugins { id 'java' }\ngroup = 'com.example'\nversion = '2.1.0'\n",
  'src/main/java/App.java': 'class App {}\n',
  gradlew: '#!/bin/sh\n',
};
const gradle = (plan: MigrationPlan): GradleBuild => {
  const found = plan.derivations.find((d) => d.build.kind === 'gradle');
  expect(found, 'a gradle derivation').toBeDefined();
  return found!.build as GradleBuild;
};

runTester(
  'gradle',
  {
    mapped: [
      {
        code: 'gradle bootJar --no-daemon --quiet',
        rule: 'run.gradle.build',
        check: (plan) => {
          expect(gradle(plan)).toMatchObject({ gradle: 'gradle', jdk: 'jdk21_headless', tasks: ['bootJar'], flags: [], depsFile: 'deps.json' });
          expect(plan.derivations[0]).toMatchObject({ pname: 'shop', version: '2.1.0' });
        },
      },
      {
        code: 'gradle clean build -x test --no-daemon',
        message: /clean is a no-op/,
        check: (plan) => expect(gradle(plan)).toMatchObject({ tasks: ['build'], flags: ['-x', 'test'] }),
      },
      {
        code: 'gradle :app:installDist -Pprofile=prod -Dspring.profiles.active=docker -Dorg.gradle.jvmargs=-Xmx2g --stacktrace',
        check: (plan) => expect(gradle(plan)).toMatchObject({ tasks: [':app:installDist'], flags: ['-Pprofile=prod', '-Dspring.profiles.active=docker'] }),
      },
      { code: 'cd api && gradle jar', files: { 'api/build.gradle': '' }, check: (plan) => expect(gradle(plan).flags).toEqual(['-p', 'api']) },
      { code: 'gradle assemble --console=plain --warning-mode all --build-cache', rule: 'run.gradle.build' },
    ],
    approximated: [
      { code: './gradlew bootJar -x test', message: /gradlew downloads the Gradle version/, check: (plan) => expect(gradle(plan).tasks).toEqual(['bootJar']) },
      {
        code: 'gradle build --no-daemon',
        base: 'gradle:7.6-jdk17',
        message: /Gradle 7\.6 becomes nixpkgs' Gradle 8\.14 \(nixpkgs' gradle_7 is marked insecure\)/,
        check: (plan) => expect(gradle(plan).jdk).toBe('jdk17_headless'),
      },
      { code: 'gradle build', base: 'gradle:9.1-jdk21', message: /gradle_9 needs JDK 25/ },
      { code: 'gradle build', base: 'gradle:latest', message: /its tag names no version/, check: (plan) => expect(gradle(plan).jdk).toBeNull() },
    ],
    manual: [
      { code: 'gradle publish', rule: 'run.gradle.publish' },
      { code: 'gradle bootRun', rule: 'run.gradle.task' },
      { code: 'gradle jib', rule: 'run.gradle.task' },
      { code: 'gradle --frobnicate build', rule: 'run.gradle.unknown' },
      { code: 'gradle --no-daemon', rule: 'run.gradle.unknown' },
    ],
    ignored: [
      { code: 'gradle dependencies --no-daemon --quiet', rule: 'run.gradle.fetch' },
      { code: './gradlew clean dependencies', rule: 'run.gradle.fetch' },
      { code: 'gradle --version', rule: 'run.version-check' },
      { code: 'gradle --help', rule: 'run.gradle.check' },
      { code: 'gradle --stop', rule: 'run.gradle.check' },
      { code: 'gradle test', rule: 'run.gradle.check' },
      { code: 'gradle build --dry-run', rule: 'run.gradle.check' },
    ],
  },
  { base: 'gradle:8.14-jdk21', before: 'WORKDIR /build\nCOPY . .', files },
);

function convert(dockerfile: string, context: Record<string, string> = files): MigrationPlan {
  return convertDockerfile(dockerfile, memoryContext(context), loadRules(), {
    shell,
    dockerfilePath: 'Dockerfile',
    imageName: 'test',
    contextFromOutput: '..',
    outputInContext: 'nix',
  }).plan;
}

const twoStage = (copy = 'COPY --from=build /build/build/libs/*.jar app.jar', run = 'gradle bootJar --no-daemon') =>
  `FROM gradle:8.14-jdk17 AS build\nWORKDIR /build\nCOPY . .\nRUN ${run}\n\nFROM eclipse-temurin:17-jre\nWORKDIR /app\n${copy}\nENTRYPOINT ["java", "-jar", "app.jar"]\n`;

describe('gradle: what later stages copy, and the Nix', () => {
  it('build/libs/*.jar into a file: the one match installed under the COPY line, and java -jar finds it', () => {
    const plan = convert(twoStage());
    expect(gradle(plan).globs).toEqual([{ line: 8, pattern: 'build/libs/*.jar', to: 'dockerfile-line-8/app.jar', directory: false }]);
    expect(plan.image.files).toContainEqual(
      expect.objectContaining({ dest: '/app/app.jar', source: expect.objectContaining({ kind: 'derivation', path: 'dockerfile-line-8/app.jar' }) }),
    );
    expect(plan.instructions.filter((i) => i.status === 'manual')).toEqual([]);
    expect(plan.instructions.find((i) => i.keyword === 'ENTRYPOINT')).toMatchObject({ status: 'mapped' });
  });

  it('installDist: the folder later stages copy is installed as itself', () => {
    const plan = convert(twoStage('COPY --from=build /build/build/install/shop/ /opt/shop/', 'gradle installDist'));
    expect(plan.derivations[0]!.outputs).toContainEqual(expect.objectContaining({ from: 'build/install/shop' }));
    expect(gradle(plan).globs).toEqual([]);
  });

  it('emits mkDerivation with gradle (its JDK), mitmCache from deps.json marked at the RUN line, and the image passing the build through', () => {
    const out = emitNix(convert(twoStage()));
    const nix = out['default.nix'];
    expect(nix).toContain('build = pkgs.stdenv.mkDerivation (finalAttrs: {');
    expect(nix).toMatch(/\(pkgs\.gradle\.override \{\s*java = pkgs\.jdk17_headless;\s*\}\)/);
    expect(nix).toMatch(
      /# TODO\(dock2nix\): line 4: in this folder, run \$\(nix-build -A build\.mitmCache\.updateScript\)[^\n]*\n\s*mitmCache = pkgs\.gradle\.fetchDeps \{\s*data = \.\/deps\.json;\s*pkg = finalAttrs\.finalPackage;/,
    );
    expect(nix).toContain('gradleBuildTask = "bootJar";');
    expect(nix).toContain('passthru = { inherit build; };');
    expect(JSON.parse(out.extra['deps.json']!)).toMatchObject({ '!version': 1 });
  });
});

const corpus = 'imimtu__Runners-Hi_back';
describe.skipIf(!projectNames().includes(corpus))(`gradle: corpus project ${corpus}`, () => {
  it('converts with no manual instruction; the dependency recording is marked at the RUN line', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-gradle-'));
    try {
      const { plan, files: result } = convertProject(corpus, path.join(out, corpus));
      expect(plan.instructions.filter((i) => i.status === 'manual')).toEqual([]);
      expect(gradle(plan)).toMatchObject({ jdk: 'jdk17_headless', tasks: ['bootJar'] });
      expect(plan.derivations[0]).toMatchObject({ pname: 'RunningApp', version: '0.0.1-SNAPSHOT' });
      expect(plan.image.contents).toContain('temurin-jre-bin-17');
      expect(result['default.nix']).toMatch(/# TODO\(dock2nix\): line 20: in this folder, run \$\(nix-build -A build\.mitmCache\.updateScript\)/);
      expect(plan.instructions.find((i) => i.line === 17)).toMatchObject({ status: 'ignored', rule: 'run.gradle.fetch' });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
if (!projectNames().includes(corpus)) console.warn(`SKIP: corpus project ${corpus} is not there`);
