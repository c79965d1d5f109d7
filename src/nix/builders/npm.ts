/** An npm stage: nixpkgs' buildNpmPackage, its dependencies from the lock file (importNpmLock) or a hash. */
import type { DerivationPlan } from '../../convert/types.js';
import { apply, attrs, bind, id, select, str, type Binding, type NixExpr } from '../ast.js';
import { lib, pkg, pkgs, todo } from '../pkgs.js';
import { hashTodo, nodeDerivation, replayHooks, replayOnlyBuild, type BuilderInput } from './common.js';
import { bunDerivation } from './bun.js';
import { yarnOrPnpmDerivation } from './yarn-pnpm.js';

type NodeBuild = Extract<DerivationPlan['build'], { kind: 'npm' }>;

/** Without dev dependencies, as the Dockerfile installed them: after the build, which may need them. */
const NPM_PRUNE = 'npm prune --omit=dev --no-save';

export function nodeBuild(input: BuilderInput<NodeBuild>): NixExpr {
  if (input.build.manager === 'bun') return bunDerivation(input);
  return input.build.manager === 'npm' ? npmDerivation(input) : yarnOrPnpmDerivation(input);
}

function npmDerivation(input: BuilderInput<NodeBuild>): NixExpr {
  const { derivation, build } = input;
  const b: Binding[] = [...input.common, bind('nodejs', pkg(build.nodejs))];
  if (build.dependencies === 'importNpmLock') {
    b.push(bind('npmConfigHook', select(pkgs, 'importNpmLock.npmConfigHook')));
    b.push(bind('npmDeps', apply(select(pkgs, 'importNpmLock'), attrs([bind('npmRoot', id('src'))]))));
  } else {
    b.push(
      bind('npmDepsHash', select(lib, 'fakeHash'), [
        build.lockFile ? hashTodo(build.line) : todo(build.line, 'there is no package-lock.json; add one, or build once and paste the hash Nix prints here.'),
      ]),
    );
  }
  if (build.buildScript) {
    b.push(bind('npmBuildScript', str(build.buildScript)));
    b.push(...replayHooks(derivation));
  } else b.push(replayOnlyBuild(derivation, 'dontNpmBuild'));
  return nodeDerivation('buildNpmPackage', input, b, build.omitDev ? [NPM_PRUNE] : []);
}
