/** Maven's truth table (buildMavenPackage steps, dependency pre-fetching, deploys), the Java bases, JAR wildcards, the corpus project. */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../../src/convert/convert.js';
import { memoryContext } from '../../src/convert/context.js';
import type { MavenBuild, MigrationPlan } from '../../src/convert/types.js';
import { pomCoordinates } from '../../src/ecosystems/maven/build.js';
import { loadRules } from '../../src/io/rules-files.js';
import { convertProject, projectNames } from '../helpers/projects.js';
import { runTester } from '../helpers/run-tester.js';
import { shell } from '../helpers/shell.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const pom =
  '<project><parent><artifactId>spring-boot-starter-parent</artifactId><version>3.3.0</version></parent><artifactId>shop</artifactId><version>2.1.0</version></project>\n';
const files = { 'pom.xml': pom, 'src/main/java/App.java': 'class App {}\n', 'api/pom.xml': pom };
const maven = (plan: MigrationPlan): MavenBuild => {
  const found = plan.derivations.find((d) => d.build.kind === 'maven');
  expect(found, 'a maven derivation').toBeDefined();
  return found!.build as MavenBuild;
};

runTester(
  'maven',
  {
    mapped: [
      {
        code: 'mvn -B package -DskipTests',
        rule: 'run.maven.build',
        check: (plan) => {
          expect(maven(plan)).toMatchObject({ doCheck: false, jdk: 'jdk21_headless', parameters: [], goal: null });
          expect(plan.derivations[0]).toMatchObject({ pname: 'shop', version: '2.1.0' });
        },
      },
      {
        code: 'mvn clean package -Dmaven.test.skip=true --no-transfer-progress',
        message: /clean is a no-op/,
        check: (plan) => expect(maven(plan).doCheck).toBe(false),
      },
      {
        code: 'mvn package -Pprod -Dspring.profiles.active=docker -q',
        check: (plan) => expect(maven(plan)).toMatchObject({ doCheck: true, parameters: ['-Pprod', '-Dspring.profiles.active=docker'] }),
      },
      {
        code: 'mvn -f api/pom.xml -pl core -am package -DskipTests',
        check: (plan) => expect(maven(plan).parameters).toEqual(['-f', 'api/pom.xml', '-pl', 'core', '-am']),
      },
      { code: 'cd api && mvn package', check: (plan) => expect(maven(plan).parameters).toEqual(['-f', 'api/pom.xml']) },
      { code: 'mvn verify -T 1C -B', rule: 'run.maven.build' },
    ],
    approximated: [
      { code: './mvnw package -DskipTests', message: /mvnw downloads the Maven version/ },
      { code: 'mvn install -DskipTests', message: /install also copies the artifact into ~\/\.m2/ },
      {
        code: 'mvn package spring-boot:repackage',
        message: /dependency fetch runs only mvn package/,
        check: (plan) => expect(maven(plan).goal).toBe('package spring-boot:repackage'),
      },
      {
        code: 'mvn package',
        base: 'maven:3.8.8-eclipse-temurin-17',
        message: /Maven 3\.8\.8 becomes nixpkgs' maven 3\.9/,
        check: (plan) => expect(maven(plan).jdk).toBe('jdk17_headless'),
      },
    ],
    manual: [
      { code: 'mvn deploy -DskipTests', rule: 'run.maven.deploy' },
      { code: 'mvn exec:java', rule: 'run.maven.goal' },
      { code: 'mvn --frobnicate package', rule: 'run.maven.unknown' },
      { code: 'mvn -B', rule: 'run.maven.unknown' },
    ],
    ignored: [
      { code: 'mvn -B dependency:go-offline', rule: 'run.maven.fetch' },
      { code: './mvnw dependency:resolve dependency:resolve-plugins', rule: 'run.maven.fetch' },
      { code: 'mvn de.qaware.maven:go-offline-maven-plugin:resolve-dependencies', rule: 'run.maven.fetch' },
      { code: 'mvn test', rule: 'run.maven.check' },
      { code: 'mvn clean', rule: 'run.maven.fetch' },
    ],
  },
  { base: 'maven:3.9-eclipse-temurin-21', before: 'WORKDIR /build\nCOPY . .', files },
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

const twoStage = (runtime: string, copy = 'COPY --from=build /build/target/*.jar app.jar', entry = 'ENTRYPOINT ["java", "-jar", "app.jar"]') =>
  `FROM maven:3.9-eclipse-temurin-21 AS build\nWORKDIR /build\nCOPY . .\nRUN mvn -B package -DskipTests\n\nFROM ${runtime}\nWORKDIR /app\n${copy}\n${entry}\n`;

describe('maven: Java bases', () => {
  it.each([
    ['eclipse-temurin:17-jre-alpine', 'temurin-jre-bin-17'],
    ['eclipse-temurin:21-jre', 'temurin-jre-bin-21'],
    ['eclipse-temurin:17-jdk-jammy', 'temurin-bin-17'],
    ['eclipse-temurin:11', 'temurin-bin-11'],
    ['openjdk:17-jdk-slim', 'jdk17_headless'],
    ['openjdk:11', 'jdk11_headless'],
    ['amazoncorretto:21', 'corretto21'],
    ['amazoncorretto:17-alpine', 'corretto17'],
  ])('%s runs the JAR with %s', (base, attr) => {
    const plan = convert(twoStage(base));
    expect(plan.image.contents).toContain(attr);
    expect(plan.instructions.filter((i) => i.status === 'manual')).toEqual([]);
  });

  it('eclipse-temurin: JAVA_HOME is the official /opt/java/openjdk, a link to the JDK', () => {
    const plan = convert(twoStage('eclipse-temurin:17-jre'));
    expect(plan.image.config.Env).toContainEqual(['JAVA_HOME', '/opt/java/openjdk']);
    expect(plan.image.symlinks).toContainEqual({ path: '/opt/java/openjdk', target: { kind: 'package', attr: 'temurin-jre-bin-17', subpath: '' } });
    expect(plan.instructions.find((i) => i.keyword === 'FROM' && i.line === 6)).toMatchObject({ status: 'approximated' });
  });

  it('a JDK that does not instantiate is replaced by the nearest one, and says so', () => {
    const plan = convert(twoStage('openjdk:25'));
    expect(plan.image.contents).toContain('jdk21_headless');
    expect(plan.instructions.find((i) => i.keyword === 'FROM' && i.line === 6)!.message).toMatch(/jdk25_headless.*does not instantiate/);
  });

  it('the build image names its JDK: maven:3-amazoncorretto-11 builds with jdk11_headless', () => {
    const plan = convert(twoStage('eclipse-temurin:11-jre').replace('maven:3.9-eclipse-temurin-21', 'maven:3-amazoncorretto-11'));
    expect(maven(plan).jdk).toBe('jdk11_headless');
  });
});

describe('maven: what later stages copy', () => {
  it('target/*.jar into a file: the one match, installed under the COPY line', () => {
    const plan = convert(twoStage('eclipse-temurin:21-jre'));
    expect(maven(plan).globs).toEqual([{ line: 8, pattern: 'target/*.jar', to: 'dockerfile-line-8/app.jar', directory: false }]);
    expect(plan.image.files).toContainEqual(
      expect.objectContaining({
        dest: '/app/app.jar',
        source: { kind: 'derivation', derivation: 'build', path: 'dockerfile-line-8/app.jar', directory: false },
      }),
    );
  });

  it('target/*.jar into a folder: every match, merged into it', () => {
    const plan = convert(twoStage('eclipse-temurin:21-jre', 'COPY --from=build /build/target/*.jar /app/lib/'));
    expect(maven(plan).globs).toEqual([{ line: 8, pattern: 'target/*.jar', to: 'dockerfile-line-8', directory: true }]);
    expect(plan.image.files).toContainEqual(
      expect.objectContaining({ dest: '/app/lib', source: expect.objectContaining({ path: 'dockerfile-line-8', directory: true }) }),
    );
  });

  it('a named JAR is installed as itself', () => {
    const plan = convert(twoStage('eclipse-temurin:21-jre', 'COPY --from=build /build/target/shop-2.1.0.jar app.jar'));
    expect(plan.derivations[0]!.outputs).toEqual([{ from: 'target/shop-2.1.0.jar', to: 'target/shop-2.1.0.jar', directory: false }]);
    expect(maven(plan).globs).toEqual([]);
  });

  it('java -jar needs Java in the image, and the JAR placed', () => {
    const noJava = convert(twoStage('debian:bookworm-slim'));
    expect(noJava.instructions.find((i) => i.keyword === 'ENTRYPOINT')).toMatchObject({ status: 'manual' });
    expect(noJava.instructions.find((i) => i.keyword === 'ENTRYPOINT')!.message).toMatch(/the image has no Java/);
    const noJar = convert(twoStage('eclipse-temurin:21-jre', '', 'ENTRYPOINT ["java", "-jar", "missing.jar"]'));
    expect(noJar.instructions.find((i) => i.keyword === 'ENTRYPOINT')).toMatchObject({
      status: 'manual',
      message: expect.stringMatching(/nothing places \/app\/missing\.jar/),
    });
  });
});

describe('maven: pom.xml coordinates', () => {
  it("reads the project's own artifactId and version, not its parent's or a property", () => {
    expect(pomCoordinates(pom)).toEqual({ artifactId: 'shop', version: '2.1.0' });
    expect(pomCoordinates('<project><artifactId>x</artifactId><version>${revision}</version></project>')).toEqual({ artifactId: 'x', version: null });
  });
});

const corpus = 'sotiriskaragiannis__uom-docker-test';
describe.skipIf(!projectNames().includes(corpus))(`maven: corpus project ${corpus}`, () => {
  it('converts with no manual instruction; the mvnHash is marked at the RUN line', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-maven-'));
    try {
      const { plan, files: result } = convertProject(corpus, path.join(out, corpus));
      expect(plan.instructions.filter((i) => i.status === 'manual')).toEqual([]);
      expect(maven(plan)).toMatchObject({ doCheck: false, jdk: 'jdk17_headless' });
      expect(plan.image.contents).toContain('temurin-bin-17');
      expect(result['default.nix']).toMatch(/# TODO\(dock2nix\): line 5: build once and paste the mvnHash[^\n]*\n\s*mvnHash = lib\.fakeHash;/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
if (!projectNames().includes(corpus)) console.warn(`SKIP: corpus project ${corpus} is not there`);
