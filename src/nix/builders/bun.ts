/**
 * A Bun stage: stdenv.mkDerivation with node_modules from a fixed-output derivation that runs `bun install` from
 * bun.lock, as nixpkgs packages Bun apps (pkgs/by-name/ku/kulala-core, pkgs/by-name/fi/filen-cli: nixpkgs has no
 * Bun fetcher). The configure phase copies node_modules in, the build runs the stage's script, and the install
 * copies what later stages take (or the whole folder, for the image's own stage).
 */
import type { DerivationPlan } from '../../convert/types.js';
import { apply, attrs, bind, bool, id, indented, letIn, list, select, str, type Binding, type NixExpr } from '../ast.js';
import { lib, pkg, pkgs, sortBindings, todo } from '../pkgs.js';
import { quote } from '../shell.js';
import { installPhase, replayLines, replayOnlyBuild, srcExpr, type BuilderInput } from './common.js';

/** Names the Bun builder binds in the `let` around its derivation (besides `src`). */
export const BUN_BINDINGS = ['node_modules'] as const;

type NodeBuild = Extract<DerivationPlan['build'], { kind: 'npm' }>;

/** The fixed-output derivation of node_modules: what `bun install` downloads, with the hash the first build prints. */
function nodeModules(input: BuilderInput<NodeBuild>): NixExpr {
  const { derivation, build } = input;
  const install = ['bun install --frozen-lockfile --ignore-scripts --no-progress', ...(build.omitDev ? ['--production'] : [])].join(' ');
  return apply(
    select(pkgs, 'stdenvNoCC.mkDerivation'),
    attrs(
      sortBindings([
        bind('pname', str(`${derivation.pname}-node_modules`)),
        bind('version', str(derivation.version)),
        bind('src', id('src')),
        bind('nativeBuildInputs', list([pkg('bun'), pkg('writableTmpDirAsHomeHook')])),
        bind('dontConfigure', bool(true)),
        bind('buildPhase', indented(['runHook preBuild', 'export BUN_INSTALL_CACHE_DIR=$(mktemp -d)', install, 'runHook postBuild'].join('\n'))),
        bind('installPhase', indented(['runHook preInstall', 'mkdir -p $out', 'cp -R node_modules $out/', 'runHook postInstall'].join('\n'))),
        bind('dontFixup', bool(true)),
        bind('outputHashAlgo', str('sha256')),
        bind('outputHashMode', str('recursive')),
        bind('outputHash', select(lib, 'fakeHash'), [
          todo(
            build.line,
            `build once and paste the hash Nix prints here (again whenever ${build.lockFile ?? 'bun.lock'} changes; it can differ between systems, as Bun installs each platform's optional packages).`,
          ),
        ]),
      ]),
    ),
  );
}

export function bunDerivation(input: BuilderInput<NodeBuild>): NixExpr {
  const { derivation, build } = input;
  const b: Binding[] = input.common.filter((x) => x.path[0] !== 'nativeBuildInputs');
  // nodejs lets patchShebangs give node_modules/.bin's `#!/usr/bin/env node` tools an interpreter the sandbox has.
  const tools = ['bun', 'writableTmpDirAsHomeHook', ...(build.buildScript || derivation.replays.length ? ['nodejs'] : [])];
  b.push(bind('nativeBuildInputs', list([...new Set([...tools, ...derivation.nativeBuildInputs])].map((attr) => pkg(attr)))));
  b.push(
    bind(
      'configurePhase',
      indented(
        'runHook preConfigure\ncp -R ',
        id('node_modules'),
        '/node_modules .\nchmod -R u+w node_modules\npatchShebangs node_modules\nrunHook postConfigure\n',
      ),
      ['node_modules from the fixed-output derivation; patchShebangs gives its tools interpreters from the store.'],
    ),
  );
  if (build.buildScript) {
    b.push(
      bind(
        'buildPhase',
        indented(
          [
            'runHook preBuild',
            ...replayLines(derivation, 'before'),
            `bun run ${quote(build.buildScript)}`,
            ...replayLines(derivation, 'after'),
            'runHook postBuild',
          ].join('\n'),
        ),
      ),
    );
  } else b.push(replayOnlyBuild(derivation, 'dontBuild'));
  const rest = [
    ...b.filter((x) => x.path[0] !== 'src'),
    bind('installPhase', installPhase(derivation), ['Install what the Dockerfile copies out of this stage.']),
    ...(input.env.length ? [bind('env', attrs(input.env))] : []),
  ];
  return letIn(
    [
      bind('src', srcExpr(derivation)),
      bind('node_modules', nodeModules(input), [
        `What bun install downloads from ${build.lockFile ?? 'bun.lock'} (Dockerfile line ${build.line}), fetched once: a fixed-output derivation.`,
      ]),
    ],
    apply(select(pkgs, 'stdenv.mkDerivation'), attrs(sortBindings([bind('src', id('src')), ...rest]))),
  );
}
