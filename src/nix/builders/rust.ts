/** A Rust stage: rustPlatform.buildRustPackage, its dependencies from Cargo.lock (or a hash without one). */
import type { DerivationPlan } from '../../convert/types.js';
import { apply, attrs, bind, bool, list, select, str, type Binding, type NixExpr } from '../ast.js';
import { contextPath } from '../context.js';
import { lib, pkgs, sortBindings, todo } from '../pkgs.js';
import { binaryCopyLines, extraOutputLines, phase, replayHooks, type BuilderInput } from './common.js';

export function rustBuild(input: BuilderInput<Extract<DerivationPlan['build'], { kind: 'rust' }>>): NixExpr {
  const { derivation, build } = input;
  const b: Binding[] = [...input.common];
  if (build.lockFile) {
    b.push(bind(['cargoLock', 'lockFile'], contextPath(build.lockFile)));
    if (build.gitDependencies.length) {
      b.push(
        bind(
          ['cargoLock', 'outputHashes'],
          attrs(
            build.gitDependencies.map((g) =>
              bind(g.key, select(lib, 'fakeHash'), [todo(build.line, `build once and paste the hash Nix prints for the git dependency ${g.url} here.`)]),
            ),
          ),
          ['One per git source of Cargo.lock.'],
        ),
      );
    }
  } else {
    b.push(
      bind('cargoHash', select(lib, 'fakeHash'), [
        todo(
          build.line,
          'there is no Cargo.lock in the build context: run cargo generate-lockfile, commit it, and use cargoLock.lockFile instead of this hash.',
        ),
      ]),
    );
  }
  if (build.cargoRoot) b.push(bind('cargoRoot', str(build.cargoRoot)));
  if (build.buildAndTestSubdir) b.push(bind('buildAndTestSubdir', str(build.buildAndTestSubdir)));
  if (build.cargoBuildFlags.length) b.push(bind('cargoBuildFlags', list(build.cargoBuildFlags.map((f) => str(f))), ["As the Dockerfile's cargo build."]));
  b.push(bind('doCheck', bool(false), ['The Dockerfile runs no tests; set true to run cargo test in the build.']));
  if (build.features.length) b.push(bind('buildFeatures', list(build.features.map((f) => str(f)))));
  if (build.noDefaultFeatures) b.push(bind('buildNoDefaultFeatures', bool(true)));
  if (input.env.length) b.push(bind('env', attrs(input.env)));
  b.push(...replayHooks(derivation));
  const install = phase([...extraOutputLines(derivation), ...binaryCopyLines(derivation)]);
  if (install) b.push(bind('postInstall', install, ['Place what the Dockerfile copies out of this stage.']));
  return apply(select(pkgs, 'rustPlatform.buildRustPackage'), attrs(sortBindings(b)));
}
