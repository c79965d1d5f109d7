/** A Maven stage: maven.buildMavenPackage (pkgs/by-name/ma/maven/build-maven-package.nix), with its own install. */
import type { DerivationPlan } from '../../convert/types.js';
import { apply, attrs, bind, bool, select, str, type Binding, type NixExpr } from '../ast.js';
import { lib, pkg, pkgs, sortBindings, todo } from '../pkgs.js';
import { quote } from '../shell.js';
import { jarInstallPhase, replayHooks, type BuilderInput } from './common.js';

export function mavenBuild(input: BuilderInput<Extract<DerivationPlan['build'], { kind: 'maven' }>>): NixExpr {
  const { derivation, build } = input;
  const b: Binding[] = [...input.common];
  if (!build.doCheck) b.push(bind('doCheck', bool(false), ['-DskipTests: buildMavenPackage adds it to the dependency fetch and the build.']));
  if (build.jdk) b.push(bind('mvnJdk', pkg(build.jdk), ['The JDK of the build image.']));
  b.push(
    bind('mvnHash', select(lib, 'fakeHash'), [
      todo(build.line, 'build once and paste the mvnHash Nix prints here (the Maven dependencies; again whenever pom.xml, doCheck or mvnParameters change).'),
    ]),
  );
  if (build.parameters.length)
    b.push(
      bind('mvnParameters', str(build.parameters.map((p) => (/^[A-Za-z0-9._/:=,+@-]+$/.test(p) ? p : quote(p))).join(' ')), [
        "As the Dockerfile's mvn line (the dependency fetch gets them too).",
      ]),
    );
  if (build.goal) b.push(bind('mvnGoal', str(build.goal)));
  if (input.env.length) b.push(bind('env', attrs(input.env)));
  b.push(...replayHooks(derivation));
  b.push(
    jarInstallPhase(
      derivation,
      build.globs,
      'target/*.jar',
      'buildMavenPackage has no install of its own: install what the Dockerfile copies out of this stage.',
    ),
  );
  return apply(select(pkgs, 'maven.buildMavenPackage'), attrs(sortBindings(b)));
}
