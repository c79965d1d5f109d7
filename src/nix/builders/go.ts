/** A Go stage: buildGoModule (the attribute the plan chose), or its configure phase and the stage's Makefile. */
import type { DerivationPlan } from '../../convert/types.js';
import { apply, attrs, bind, bool, indented, int, list, nul, select, str, type Binding, type NixExpr } from '../ast.js';
import { lib, pkgs, sortBindings, todo } from '../pkgs.js';
import { quote } from '../shell.js';
import { binaryCopyLines, extraOutputLines, hashTodo, installPhase, phase, replayLines, type BuilderInput } from './common.js';

export function goBuild(input: BuilderInput<Extract<DerivationPlan['build'], { kind: 'go' }>>): NixExpr {
  const { derivation, build } = input;
  const b: Binding[] = [...input.common];
  const renames = build.binaries.filter((x) => x.installed !== x.wanted);
  const make = build.make.length > 0;
  if (!make) b.push(bind('subPackages', list(build.subPackages.map((p) => str(p)))));
  b.push(bind('doCheck', bool(false), ['The Dockerfile runs no tests; set true to run go test in the build.']));
  if (build.ldflags.length) b.push(bind('ldflags', list(build.ldflags.map((f) => str(f)))));
  if (build.tags.length) b.push(bind('tags', list(build.tags.map((t) => str(t)))));
  b.push(
    build.vendorHash === null
      ? bind('vendorHash', nul, ['No dependencies to download (or they are vendored).'])
      : bind('vendorHash', select(lib, 'fakeHash'), [hashTodo(build.line, 'vendorHash')]),
  );
  const env = [...input.env];
  if (build.cgo !== null) env.push(bind('CGO_ENABLED', int(build.cgo ? 1 : 0)));
  if (env.length) b.push(bind('env', attrs(sortBindings(env))));
  if (make) {
    // buildGoModule's configure phase has set up Go and the vendored modules (offline); the Makefile builds.
    const steps = build.make.flatMap((m) => [`# Dockerfile line ${m.line}`, m.source]);
    b.push(
      bind('buildPhase', indented(['runHook preBuild', ...steps, 'runHook postBuild'].join('\n')), [
        todo(build.make[0]!.line, 'the Makefile target runs as written; check that it builds offline and leaves what later stages copy.'),
      ]),
    );
    b.push(bind('installPhase', installPhase(derivation), ['Install what the Dockerfile copies out of this stage.']));
  } else {
    // Not preBuild: the module download (goModules) runs that one too.
    const before = phase(replayLines(derivation, 'before'));
    if (before) b.push(bind('postConfigure', before, ['Commands of the stage that run before its go build.']));
    const after = phase([...replayLines(derivation, 'after'), ...extraOutputLines(derivation)]);
    if (after) b.push(bind('postBuild', after));
    const install = phase([...renames.map((r) => `mv $out/bin/${quote(r.installed)} $out/bin/${quote(r.wanted)}`), ...binaryCopyLines(derivation)]);
    if (install)
      b.push(
        bind('postInstall', install, [
          renames.length
            ? 'Name the binaries as go build -o did, and place them where the Dockerfile had them.'
            : 'Place the binaries where the Dockerfile had them.',
        ]),
      );
  }
  return apply(select(pkgs, build.builder), attrs(sortBindings(b)));
}
