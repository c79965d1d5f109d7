/**
 * PHP: `composer install` becomes phpXY.buildComposerProject2; `docker-php-ext-install a b` and `pecl install x`
 * become php.withExtensions; the composer tool itself (composer.phar, its installer) comes from nixpkgs.
 */
import type { CommandScope, ComposerStep, Outcome } from '../../convert/stage.js';
import { defineEcosystem, ignored, manual, unknownProgram, type ProgramHandler } from '../define.js';
import { planComposer } from './build.js';

/**
 * The names of nixpkgs' PHP extension set (pkgs/top-level/php-packages.nix: the core extensions built from PHP's
 * source, and the PECL ones under pkgs/development/php-packages/). `opcache` is built in from PHP 8.5 on; `imap`
 * comes from PECL from 8.3 on (same name).
 */
export const PHP_EXTENSIONS = new Set([
  ...['bcmath', 'bz2', 'calendar', 'ctype', 'curl', 'dba', 'dom', 'enchant', 'exif', 'ffi', 'fileinfo', 'filter', 'ftp', 'gd', 'gettext', 'gmp'],
  ...['iconv', 'intl', 'ldap', 'mbstring', 'mysqli', 'mysqlnd', 'opcache', 'openssl', 'pcntl', 'pdo', 'pdo_dblib', 'pdo_mysql', 'pdo_odbc'],
  ...['pdo_pgsql', 'pdo_sqlite', 'pgsql', 'posix', 'readline', 'session', 'shmop', 'simplexml', 'snmp', 'soap', 'sockets', 'sodium', 'sqlite3'],
  ...['sysvmsg', 'sysvsem', 'sysvshm', 'tidy', 'tokenizer', 'xml', 'xmlreader', 'xmlwriter', 'xsl', 'zip', 'zlib'],
  ...['amqp', 'apcu', 'ast', 'couchbase', 'datadog_trace', 'decimal', 'ds', 'event', 'excimer', 'gnupg', 'grpc', 'igbinary', 'imagick', 'imap'],
  ...['inotify', 'mailparse', 'maxminddb', 'memcache', 'memcached', 'mongodb', 'msgpack', 'oci8', 'opentelemetry', 'openswoole', 'parallel'],
  ...['pcov', 'pdo_oci', 'pdo_sqlsrv', 'phalcon', 'protobuf', 'pspell', 'rdkafka', 'redis', 'relay', 'rrd', 'smbclient', 'spx', 'sqlsrv', 'ssh2'],
  ...['swoole', 'uuid', 'uv', 'vld', 'xdebug', 'yaml', 'zstd'],
]);

/** Extensions the official image already has (its docker-php-ext-install of them is a no-op there too). */
const BUILT_IN = new Set(['ctype', 'curl', 'dom', 'fileinfo', 'filter', 'iconv', 'mbstring', 'openssl', 'pdo', 'pdo_sqlite', 'posix', 'readline']);

/** Extensions a later stage's PHP gets: recorded on the stage once. */
function addExtensions(names: string[], scope: CommandScope, how: string): Outcome {
  const unknown = names.filter((n) => !PHP_EXTENSIONS.has(n));
  if (!names.length) return manual('run.php.extension', `${how}: no extension named`);
  if (scope.stage.kept)
    return manual(
      'run.php.extension',
      `${how} ${names.join(' ')}: the base ${scope.stage.kept.plan.imageName} stays a pulled image, whose PHP Nix cannot extend; build the extensions into a Nix PHP by hand`,
    );
  if (unknown.length)
    return manual('run.php.extension', `${how}: ${unknown.join(', ')} not in nixpkgs' PHP extension set (php.extensions); package it by hand`);
  for (const name of names) if (!scope.stage.phpExtensions.includes(name)) scope.stage.phpExtensions.push(name);
  const builtIn = names.filter((n) => BUILT_IN.has(n));
  return {
    status: 'mapped',
    rule: 'run.php.extension',
    message: `${how} ${names.join(' ')}: php.withExtensions ({ enabled, all }: enabled ++ [ ${names.map((n) => `all.${n}`).join(' ')} ])${builtIn.length ? ` (${builtIn.join(', ')} already enabled in nixpkgs' PHP)` : ''}`,
  };
}

const extInstall: ProgramHandler = (words, _command, scope) => {
  const names = words.slice(1).filter((w) => !w.startsWith('-') && !/^\d+$/.test(w));
  return addExtensions(names, scope, 'docker-php-ext-install');
};

const extEnable: ProgramHandler = (words, _command, scope) => {
  const names = words.slice(1).filter((w) => !w.startsWith('-'));
  if (names.length && names.every((n) => scope.stage.phpExtensions.includes(n)))
    return ignored('run.php.extension', `docker-php-ext-enable ${names.join(' ')}: withExtensions enables what it adds`);
  return addExtensions(names, scope, 'docker-php-ext-enable');
};

const extConfigure: ProgramHandler = (words) => {
  const name = words.slice(1).find((w) => !w.startsWith('-'));
  const options = words.slice(2).filter((w) => w.startsWith('-'));
  if (!options.length) return ignored('run.php.extension', `docker-php-ext-configure ${name ?? ''}: no option; the extension is built as nixpkgs builds it`);
  return {
    status: 'approximated',
    rule: 'run.php.extension',
    message: `docker-php-ext-configure ${name ?? ''} ${options.join(' ')}: nixpkgs builds the extension with its own configure flags (pkgs/top-level/php-packages.nix), not these`,
  };
};

const pecl: ProgramHandler = (words, command, scope) => {
  const [action, ...rest] = words.slice(1).filter((w) => !w.startsWith('-'));
  if (action === 'install') {
    // `pecl install redis-6.0.2`: the name without its version (nixpkgs has its own).
    const names = rest.map((w) => w.replace(/-\d[\w.]*$/, ''));
    const outcome = addExtensions(names, scope, 'pecl install');
    const pinned = rest.filter((w) => /-\d/.test(w));
    if (outcome.status === 'mapped' && pinned.length)
      return { ...outcome, status: 'approximated', message: `${outcome.message}; the versions pinned (${pinned.join(', ')}) become nixpkgs' versions` };
    return outcome;
  }
  if (action === 'channel-update' || action === 'clear-cache') return ignored('run.php.extension', `pecl ${action}: PECL's own cache`);
  return manual('run.php.extension', `${command.source}: not converted`);
};

interface ComposerArgs {
  noDev: boolean;
  noScripts: boolean;
  autoloader: string[];
  unknown: string[];
  operands: string[];
}

const COMPOSER_QUIET = new Set([
  '-n',
  '--no-interaction',
  '--no-progress',
  '--prefer-dist',
  '--no-suggest',
  '-q',
  '--quiet',
  '-v',
  '-vv',
  '-vvv',
  '--verbose',
  '--ansi',
  '--no-ansi',
  '--no-cache',
  '--no-plugins',
  '--ignore-platform-reqs',
  '--no-autoloader',
  '--audit',
  '--no-audit',
]);

function parseComposer(words: string[]): ComposerArgs {
  const out: ComposerArgs = { noDev: false, noScripts: false, autoloader: [], unknown: [], operands: [] };
  for (const word of words) {
    if (word === '--no-dev') out.noDev = true;
    else if (word === '--no-scripts') out.noScripts = true;
    else if (word === '-o' || word === '--optimize-autoloader' || word === '--optimize') out.autoloader.push('--optimize');
    else if (word === '-a' || word === '--classmap-authoritative') out.autoloader.push('--classmap-authoritative');
    else if (word === '--apcu-autoloader') out.autoloader.push('--apcu');
    else if (COMPOSER_QUIET.has(word) || /^--ignore-platform-req=/.test(word) || /^--working-dir=|^-d/.test(word)) continue;
    else if (word.startsWith('-')) out.unknown.push(word);
    else out.operands.push(word);
  }
  out.autoloader = [...new Set(out.autoloader)];
  return out;
}

function composer(words: string[], command: Parameters<ProgramHandler>[1], scope: CommandScope, program = 'composer'): Outcome {
  const [action, ...rest] = words.slice(1);
  if (action === undefined || action === '--version' || action === '-V' || action === 'diagnose' || action === 'about' || action === 'validate')
    return ignored('run.composer.check', `${program} ${action ?? ''}: a check`);
  if (action === 'self-update' || action === 'selfupdate' || action === 'clear-cache' || action === 'clearcache')
    return ignored('run.composer.check', `${program} ${action}: the composer tool's own state; Nix pins its version`);
  if (action === 'config' && rest.some((w) => /^(-g|--global)$/.test(w)))
    return manual(
      'run.composer.config',
      `${command.source}: global Composer settings (tokens, repositories) for the fetch; set them in the vendor derivation by hand`,
    );
  if (action === 'dump-autoload' || action === 'dumpautoload') {
    const args = parseComposer(rest);
    const last = scope.stage.composer[scope.stage.composer.length - 1];
    if (last && !args.unknown.length) {
      last.autoloader = [...new Set([...last.autoloader, ...args.autoloader])];
      if (args.noDev) last.noDev = true;
      scope.stage.buildLines.push(scope.line);
      return { status: 'mapped', rule: 'run.composer.build', message: `${program} dump-autoload: redone after the install (postBuild)` };
    }
    return manual('run.composer.unknown', `${command.source}: no composer install before it in this stage`);
  }
  if (action !== 'install') {
    if (action === 'require' || action === 'update' || action === 'create-project')
      return manual(
        'run.composer.unknown',
        `${command.source}: changes composer.json/composer.lock at build time; run it in the project and commit the lock instead`,
      );
    return manual('run.composer.unknown', `${command.source}: not converted`);
  }
  const args = parseComposer(rest);
  if (args.unknown.length || args.operands.length)
    return manual('run.composer.unknown', `${command.source}: ${[...args.unknown, ...args.operands].join(' ')} not understood; convert the install by hand`);
  if (scope.stage.kept)
    return manual(
      'run.composer.kept-base',
      `${command.source}: the base ${scope.stage.kept.plan.imageName} stays a pulled image (no nixpkgs PHP for it), whose PHP buildComposerProject2 cannot use; install the packages by hand`,
    );
  const php = scope.stage.runtimes.php;
  if (!php)
    return manual(
      'run.composer.php',
      `${command.source}: the stage's PHP is not known (its base ${scope.stage.base.name}:${scope.stage.base.tag ?? 'latest'} is not a php: image nixpkgs carries); buildComposerProject2 needs one: convert by hand`,
    );
  const step: ComposerStep = { line: scope.line, cwd: command.cwd, noDev: args.noDev, noScripts: args.noScripts, autoloader: args.autoloader };
  scope.stage.composer.push(step);
  scope.stage.buildLines.push(scope.line);
  const notes = [
    `${php.attr}.buildComposerProject2 (vendorHash to fill in after the first build)`,
    args.noDev ? 'composerNoDev = true' : 'composerNoDev = false (the dev packages too, as composer install without --no-dev)',
    args.noScripts ? "--no-scripts: the builder's default" : "composerNoScripts = false: composer.json's scripts run (offline)",
    ...(args.autoloader.length ? [`composer dump-autoload ${args.autoloader.join(' ')} after the install`] : []),
    'the plugins of composer.json do not run (composerNoPlugins)',
  ];
  return { status: 'approximated', rule: 'run.composer.build', message: `${program} install: ${notes.join('; ')}` };
}

const composerCommand: ProgramHandler = (words, command, scope) => composer(words, command, scope);

/** `php composer.phar install`, the composer installer (`php composer-setup.php`, `php -r "copy(...)"`), other PHP scripts. */
const phpCommand: ProgramHandler = (words, command, scope) => {
  const script = words[1];
  if (script && /(^|\/)composer(\.phar)?$/.test(script)) return composer(words.slice(1), command, scope, `php ${script}`);
  if (script && /(^|\/)composer-setup\.php$/.test(script))
    return ignored('run.composer.tool', `${command.source}: installs the composer tool; Nix takes composer from nixpkgs (php.packages.composer)`);
  if (script === '-r' && /composer-setup|getcomposer\.org/.test(words[2] ?? ''))
    return ignored('run.composer.tool', `php -r …: fetches or checks the composer installer; Nix takes composer from nixpkgs (php.packages.composer)`);
  return unknownProgram(command, 'php');
};

export default defineEcosystem({
  id: 'php',
  summary: 'PHP: composer install (buildComposerProject2), docker-php-ext-install and pecl (php.withExtensions)',
  programs: {
    composer: composerCommand,
    php: phpCommand,
    'docker-php-ext-install': extInstall,
    'docker-php-ext-enable': extEnable,
    'docker-php-ext-configure': extConfigure,
    'docker-php-source': (words) => ignored('run.php.extension', `${words.join(' ')}: unpacks PHP's source for extension builds; nixpkgs builds them`),
    pecl,
  },
  cachePaths: [/^\/root\/\.composer(\/|$)/, /^\/tmp\/pear(\/|$)/],
  build: { precedence: 3, active: (state) => state.composer.length > 0, plan: planComposer },
});
