/** Rust: `cargo build`/`cargo install --path` become rustPlatform.buildRustPackage; cargo-chef and placeholder crates are Docker-cache tricks. */
import { match } from 'ts-pattern';
import { resolvePath } from '../../container-path.js';
import { flagValue, hasFlag, parseArgs } from '../../convert/programs/args.js';
import type { StageState } from '../../convert/stage.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';
import { isRustStage, planCargo } from './build.js';

/** Crates installed only to speed up Docker builds: Nix builds the project without them. */
const CARGO_BUILD_TOOLS = new Set(['cargo-chef', 'sccache', 'cargo-cache', 'cargo-build-deps']);

const cargo: ProgramHandler = (words, command, scope) => {
  const args = parseArgs(
    words.slice(1),
    new Set([
      '--bin',
      '--features',
      '-F',
      '--target',
      '--manifest-path',
      '-p',
      '--package',
      '--profile',
      '-j',
      '--jobs',
      '--root',
      '--path',
      '--recipe-path',
      '--name',
      '--vcs',
      '--edition',
      '--version',
      '--git',
      '--branch',
      '--tag',
      '--rev',
      '--registry',
      '--index',
    ]),
  );
  const [action, ...operands] = args.operands;
  if (action === 'chef') {
    return ignored(
      'run.cargo.chef',
      `cargo chef ${operands[0] ?? ''}: cargo-chef caches the dependencies in a Docker layer; the derivation builds them from Cargo.lock itself (cargoLock)`,
    );
  }
  if (action === 'new' || action === 'init') {
    return ignored(
      'run.cargo.dummy',
      `cargo ${action} ${operands.join(' ')}: a placeholder crate to cache the dependencies in a Docker layer; the derivation builds the real source`,
    );
  }
  // `cargo install NAME` installs a crate from crates.io, not the project (that is `cargo install --path DIR`).
  if (action === 'install' && operands.length && !hasFlag(args, '--path')) {
    if (operands.every((crate) => CARGO_BUILD_TOOLS.has(crate.replace(/@.*$/, '')))) {
      return ignored('run.cargo.tool', `cargo install ${operands.join(' ')}: a tool for Docker's build cache, not needed with Nix`);
    }
    return manual(
      'run.cargo.install-crate',
      `cargo install ${operands.join(' ')}: installs a crate from crates.io at build time; use its nixpkgs package (or rustPlatform.buildRustPackage with its source)`,
    );
  }
  return match(action)
    .with('build', 'install', () => {
      const manifestPath = flagValue(args, '--manifest-path');
      const path = action === 'install' ? flagValue(args, '--path') : null;
      scope.stage.cargo.push({
        line: scope.line,
        cwd: path ? resolvePath(command.cwd, path) : command.cwd,
        release: action === 'install' || hasFlag(args, '--release', '-r'),
        bins: args.flags.get('--bin') ?? [],
        features: [...(args.flags.get('--features') ?? []), ...(args.flags.get('-F') ?? [])].flatMap((f) => f.split(/[\s,]+/)).filter(Boolean),
        noDefaultFeatures: hasFlag(args, '--no-default-features'),
        packages: [...(args.flags.get('-p') ?? []), ...(args.flags.get('--package') ?? [])],
        manifestPath: manifestPath ? resolvePath(command.cwd, manifestPath) : null,
      });
      scope.stage.buildLines.push(scope.line);
      return { status: 'mapped' as const, rule: 'run.cargo.build', message: `cargo ${action}: rustPlatform.buildRustPackage` };
    })
    .with('fetch', 'vendor', 'generate-lockfile', () => ignored('run.cargo.fetch', `cargo ${action}: dependencies come from Cargo.lock`))
    .with('test', 'check', 'clippy', 'fmt', () => ignored('run.cargo.check', `cargo ${action}: checks run in buildRustPackage's checkPhase`))
    .otherwise(() => manual('run.cargo.unknown', `cargo ${action ?? ''}: not understood`));
};

/**
 * Paths of the placeholder-crate trick in a Rust stage (`cargo new dummy`, `echo 'fn main() {}' > src/main.rs`, a
 * first `cargo build`, then `rm -rf target/release/deps/app*` or `rm src/*.rs`): cargo's target folder and the
 * crate's .rs files and src folder.
 */
function cargoScaffolding(state: StageState, path: string): boolean {
  if (!isRustStage(state)) return false;
  return /(^|\/)target(\/|$)/.test(path) || /\.rs$/.test(path) || /(^|\/)src(\/\*)?$/.test(path) || /\/src\/[^/]*\*[^/]*$/.test(path);
}

export default defineEcosystem({
  id: 'cargo',
  summary: 'Rust builds (rustPlatform.buildRustPackage)',
  programs: { cargo },
  cachePaths: [/^\/root\/\.cargo\/registry(\/|$)/],
  scaffolding: cargoScaffolding,
  builtOutput: (state, path) => state.cargo.length > 0 && /\/target\/(?:[^/]+\/)?(?:release|debug)\/[^/]+$/.test(path),
  build: { precedence: 1, active: (state) => state.cargo.length > 0, plan: planCargo },
});
