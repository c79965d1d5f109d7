/**
 * A Yarn 1 or pnpm stage: stdenv.mkDerivation with the package manager's nixpkgs hooks. The dependencies are one
 * fixed-output download of what the lock file names (fetchYarnDeps, fetchPnpmDeps); the hooks install them
 * offline after configure, the build runs the stage's script, and the install copies what later stages take.
 */
import type { DerivationPlan } from '../../convert/types.js';
import { apply, attrs, bind, binop, id, indented, int, list, select, str, type Binding, type NixExpr } from '../ast.js';
import { lib, pkg, pkgs } from '../pkgs.js';
import { quote } from '../shell.js';
import { hashTodo, nodeDerivation, phase, replayLines, replayOnlyBuild, type BuilderInput } from './common.js';

type NodeBuild = Extract<DerivationPlan['build'], { kind: 'npm' }>;

/**
 * Yarn 1 without dev dependencies. Its prune command is a stub: installing again with --production=true, offline
 * from the same cache (yarnConfigHook set the mirror in $HOME/.yarnrc), is how nixpkgs' yarnInstallHook prunes.
 * Run where the Dockerfile's install ran, before the build: what the build writes into node_modules (Prisma's
 * client, say) would not survive a reinstall.
 */
const YARN_PRUNE =
  'yarn install --frozen-lockfile --force --production=true --ignore-engines --ignore-platform --ignore-scripts --no-progress --non-interactive --offline';

export function yarnOrPnpmDerivation(input: BuilderInput<NodeBuild>): NixExpr {
  const { derivation, build } = input;
  const b: Binding[] = input.common.filter((x) => x.path[0] !== 'nativeBuildInputs');
  const lock = binop('+', id('src'), str(`/${build.lockFile}`));
  const tools = build.manager === 'yarn' ? ['yarnConfigHook', 'yarnBuildHook'] : ['pnpm', 'pnpmConfigHook'];
  const inputs = [...new Set([build.nodejs, ...tools, ...derivation.nativeBuildInputs])];
  b.push(bind('nativeBuildInputs', list(inputs.map((attr) => pkg(attr)))));
  // Without dev dependencies: Yarn prunes before the build (preBuild), or in the install when there is none.
  // (pnpm stages keep them: no offline prune of pnpm's is known to work in the sandbox.)
  const prune = build.manager === 'yarn' && build.omitDev && !build.buildScript ? [YARN_PRUNE] : [];
  if (build.manager === 'yarn') {
    b.push(
      bind(
        'yarnOfflineCache',
        apply(select(pkgs, 'fetchYarnDeps'), attrs([bind('yarnLock', lock), bind('hash', select(lib, 'fakeHash'), [hashTodo(build.line)])])),
      ),
    );
    // Without a script, no build at all (dontYarnBuild alone would leave stdenv's default build, make).
    if (build.buildScript) {
      b.push(bind('yarnBuildScript', str(build.buildScript)));
      // yarnBuildHook runs preBuild first; the configure hook has installed every dependency by then.
      const before = phase([...(build.omitDev ? [YARN_PRUNE] : []), ...replayLines(derivation, 'before')]);
      if (before) b.push(bind('preBuild', before, build.omitDev ? ['Without dev dependencies, as the Dockerfile installed them.'] : []));
      const after = phase(replayLines(derivation, 'after'));
      if (after) b.push(bind('postBuild', after));
    } else b.push(replayOnlyBuild(derivation, 'dontBuild'));
  } else {
    b.push(
      bind(
        'pnpmDeps',
        apply(
          select(pkgs, 'fetchPnpmDeps'),
          attrs([
            bind('pname', str(derivation.pname)),
            bind('version', str(derivation.version)),
            bind('src', id('src')),
            bind('fetcherVersion', int(3), ['The store format of fetchPnpmDeps (a reproducible tarball); see the nixpkgs manual.']),
            bind('hash', select(lib, 'fakeHash'), [hashTodo(build.line)]),
          ]),
        ),
      ),
    );
    if (build.buildScript) {
      b.push(
        bind(
          'buildPhase',
          indented(
            [
              ...['runHook preBuild', ...replayLines(derivation, 'before'), `pnpm run ${quote(build.buildScript)}`],
              ...replayLines(derivation, 'after'),
              'runHook postBuild',
            ].join('\n'),
          ),
        ),
      );
    } else b.push(replayOnlyBuild(derivation, 'dontBuild'));
  }
  return nodeDerivation('stdenv.mkDerivation', input, b, prune);
}
