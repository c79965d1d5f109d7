/** Ruby: `bundle install` with a Gemfile.lock becomes bundlerEnv (its gems from gemset.nix, which bundix writes). */
import { flagValue, hasFlag, parseArgs } from '../../convert/programs/args.js';
import type { Outcome } from '../../convert/stage.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';
import { GEMSET_FILE, planBundler } from './build.js';

/** Flags of `bundle install` that take a value. */
const INSTALL_VALUE_FLAGS = new Set(['--jobs', '-j', '--retry', '--path', '--gemfile', '--binstubs', '--shebang', '--standalone', '--trust-policy', '--with']);

/** Settings a Nix build makes moot: bundlerEnv installs from the lock, offline, into the store, and never updates it. */
const MOOT_SETTINGS = new Set([
  'frozen',
  'deployment',
  'path',
  'jobs',
  'retry',
  'silence_root_warning',
  'no_cache',
  'bin',
  'clean',
  'disable_shared_gems',
  'app_config',
  'cache_all',
  'system',
]);

/** Group names of a `without` value: separated by spaces, colons or commas. */
const groupsOf = (value: string): string[] => value.split(/[\s:,]+/).filter(Boolean);

const bundle: ProgramHandler = (words, command, scope) => {
  const [, action, ...rest] = words;
  const record = (kind: 'install' | 'without', without: string[]) => {
    scope.stage.bundler.push({ line: scope.line, cwd: command.cwd, action: kind, without });
    if (kind === 'install') scope.stage.buildLines.push(scope.line);
  };
  switch (action) {
    case 'install': {
      const args = parseArgs(rest, INSTALL_VALUE_FLAGS);
      if (hasFlag(args, '--with')) {
        return manual('run.bundler.with', `${words.join(' ')}: optional groups (--with) are not converted; list them in bundlerEnv's groups by hand`);
      }
      const env = command.assigns.BUNDLE_WITHOUT ?? scope.env.BUNDLE_WITHOUT ?? '';
      const flag = flagValue(args, '--without');
      // `--without a b`: the words after it are groups too (install takes no operands).
      const without = [...groupsOf(env), ...(flag !== null ? [...groupsOf(flag), ...args.operands.flatMap(groupsOf)] : [])];
      if (flag === null && args.operands.length) return manual('run.bundler.install', `${words.join(' ')}: not understood`);
      record('install', without);
      const skipped = without.length ? `, without the groups ${without.join(', ')}` : '';
      return {
        status: 'mapped',
        rule: 'run.bundler.install',
        message: `bundle install: bundlerEnv installs the gems of Gemfile.lock${skipped} (from ${GEMSET_FILE}, written once by bundix)`,
      };
    }
    case 'config':
      return bundleConfig(words, rest, (without) => record('without', without));
    case 'check':
    case 'clean':
    case 'version':
    case 'env':
    case '--version':
    case '-v':
      return ignored('run.bundler.noop', `${words.join(' ')}: nothing for the Nix build to do (bundlerEnv installs exactly the lock's gems)`);
    case 'exec':
      return manual(
        'run.bundler.exec',
        `${words.join(' ')}: runs a program of the bundle at build time; do it in a derivation that has the bundlerEnv (or its wrappedRuby) as input`,
      );
    default:
      return manual('run.bundler.unknown', `${words.join(' ')}: not converted`);
  }
};

/** `bundle config [set|unset] [--local|--global] NAME VALUE`, and the older `bundle config --global NAME VALUE`. */
function bundleConfig(words: string[], rest: string[], without: (groups: string[]) => void): Outcome {
  const operands = rest.filter((w) => !/^--(local|global)$/.test(w));
  const verb = operands[0] === 'set' || operands[0] === 'unset' ? operands.shift()! : 'set';
  const [name, ...values] = operands;
  if (!name) return ignored('run.bundler.noop', `${words.join(' ')}: prints the settings`);
  const key = name.toLowerCase().replace(/^bundle_/, '');
  if (key === 'without' && verb === 'set') {
    without(values.flatMap(groupsOf));
    return {
      status: 'mapped',
      rule: 'run.bundler.config',
      message: `${words.join(' ')}: bundlerEnv's groups leave out ${values.flatMap(groupsOf).join(', ') || 'nothing'}`,
    };
  }
  if (MOOT_SETTINGS.has(key)) {
    return ignored(
      'run.bundler.config',
      `${words.join(' ')}: bundlerEnv installs from Gemfile.lock, offline, into the Nix store; the setting has no effect there`,
    );
  }
  if (key.startsWith('build.')) {
    return manual(
      'run.bundler.build-config',
      `${words.join(' ')}: build options for one gem's native extension; give them in bundlerEnv's gemConfig (pkgs/development/ruby-modules/gem-config)`,
    );
  }
  return manual('run.bundler.config', `${words.join(' ')}: the setting is not converted`);
}

const gem: ProgramHandler = (words) => {
  const args = parseArgs(words.slice(1), new Set(['-v', '--version', '-i', '--install-dir', '-n', '--bindir', '--source']));
  const [action, ...names] = args.operands;
  if (action === 'install' && names.length && names.every((n) => /^bundler(:.*)?$/.test(n))) {
    const pinned = flagValue(args, '-v', '--version') ?? (names[0]!.includes(':') ? names[0]!.split(':')[1]! : null);
    if (pinned) {
      return {
        status: 'approximated',
        rule: 'run.gem.bundler',
        message: `${words.join(' ')}: bundlerEnv brings nixpkgs' bundler (or the one Gemfile.lock lists), not bundler ${pinned}`,
      };
    }
    return ignored('run.gem.bundler', `${words.join(' ')}: bundlerEnv brings its own bundler`);
  }
  if (action === 'update' && hasFlag(args, '--system')) {
    return ignored('run.gem.system', `${words.join(' ')}: RubyGems comes with the Ruby of nixpkgs; nothing to update in a Nix build`);
  }
  if (action === 'sources' || action === 'env' || action === 'list' || hasFlag(args, '--version', '-v')) {
    return action === 'sources' && hasFlag(args, '--add', '-a')
      ? manual('run.gem.sources', `${words.join(' ')}: a gem source for the fetch; bundix reads the sources from Gemfile.lock`)
      : ignored('run.gem.noop', `${words.join(' ')}: nothing for the Nix build to do`);
  }
  return manual(
    'run.gem.install',
    `${words.join(' ')}: gems installed outside the Gemfile; add them to the Gemfile (then Gemfile.lock and gemset.nix) or use rubyPackages`,
  );
};

export default defineEcosystem({
  id: 'ruby',
  summary: 'Ruby gems (bundle install with a Gemfile.lock: bundlerEnv with the gemset.nix bundix writes)',
  programs: { bundle, bundler: bundle, gem },
  cachePaths: [/^\/usr\/local\/bundle\/cache(\/|$)/, /^\/root\/\.(bundle|gem)\/cache(\/|$)/],
  build: { precedence: 5, active: (state) => state.bundler.some((step) => step.action === 'install'), plan: planBundler },
});
