/** PHP's truth table (composer install, extensions, the composer tool), the php: bases, and the corpus project (PHP 5: a partial migration). */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../../src/convert/convert.js';
import { memoryContext } from '../../src/convert/context.js';
import type { ComposerBuild, MigrationPlan } from '../../src/convert/types.js';
import { loadRules } from '../../src/io/rules-files.js';
import { emitNix } from '../../src/nix/emit.js';
import { convertProject, projectNames } from '../helpers/projects.js';
import { runTester } from '../helpers/run-tester.js';
import { shell } from '../helpers/shell.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const files = { 'composer.json': '{"name": "acme/shop", "require": {"php": ">=8.2"}}\n', 'composer.lock': '{"packages": []}\n', 'src/index.php': '<?php\n' };
const composer = (plan: MigrationPlan): ComposerBuild => {
  const found = plan.derivations.find((d) => d.build.kind === 'composer');
  expect(found, 'a composer derivation').toBeDefined();
  return found!.build as ComposerBuild;
};

runTester(
  'php',
  {
    mapped: [
      {
        code: 'docker-php-ext-install pdo_mysql bcmath',
        rule: 'run.php.extension',
        check: (plan) => expect(plan.image.php).toEqual({ attr: 'php83', extensions: ['bcmath', 'pdo_mysql'] }),
      },
      { code: 'pecl install redis && docker-php-ext-enable redis', check: (plan) => expect(plan.image.php?.extensions).toEqual(['redis']) },
    ],
    approximated: [
      {
        code: 'composer install --no-dev --optimize-autoloader --no-interaction',
        rule: 'run.composer.build',
        check: (plan) => {
          expect(composer(plan)).toMatchObject({ php: 'php83', noDev: true, noScripts: false, autoloader: ['--optimize'] });
          expect(plan.derivations[0]).toMatchObject({ pname: 'shop' });
        },
      },
      { code: 'php composer.phar install --no-scripts', check: (plan) => expect(composer(plan)).toMatchObject({ noDev: false, noScripts: true }) },
      { code: 'docker-php-ext-configure gd --with-freetype --with-jpeg', rule: 'run.php.extension' },
      { code: 'pecl install xdebug-3.3.1', message: /become nixpkgs' versions/ },
    ],
    manual: [
      { code: 'docker-php-ext-install nosuchext', message: /not in nixpkgs' PHP extension set/ },
      { code: 'composer require monolog/monolog', rule: 'run.composer.unknown' },
      { code: 'composer install --frobnicate', rule: 'run.composer.unknown' },
      { code: 'composer install', base: 'php:7.4-cli', rule: 'run.composer.kept-base' },
      { code: 'php artisan migrate', rule: 'run.unknown' },
    ],
    ignored: [
      { code: 'php composer-setup.php --install-dir=/usr/local/bin --filename=composer', rule: 'run.composer.tool' },
      { code: 'docker-php-ext-configure intl', rule: 'run.php.extension' },
      { code: 'composer diagnose', rule: 'run.composer.check' },
    ],
  },
  { base: 'php:8.3-cli', before: 'WORKDIR /app\nCOPY . .', files },
);

function convert(dockerfile: string): MigrationPlan {
  return convertDockerfile(dockerfile, memoryContext(files), loadRules(), {
    shell,
    dockerfilePath: 'Dockerfile',
    imageName: 'test',
    contextFromOutput: '..',
    outputInContext: 'nix',
  }).plan;
}

describe('php: bases and the Nix', () => {
  it('downloading composer.phar (wget, curl) is the composer tool, which nixpkgs provides; other downloads stay manual', () => {
    const plan = convert('FROM php:8.3-cli\nRUN wget https://getcomposer.org/composer.phar\nRUN curl -o x https://example.com/composer.phar\n');
    expect(plan.instructions.find((i) => i.line === 2)).toMatchObject({ status: 'ignored', rule: 'run.composer.tool' });
    expect(plan.instructions.find((i) => i.line === 3)).toMatchObject({ status: 'manual', rule: 'run.download' });
  });

  it.each([
    ['php:8.2-cli', 'php82'],
    ['php:8.3-fpm-alpine', 'php83'],
    ['php:8.4-apache', 'php84'],
    ['php:latest', 'php85'],
  ])('%s is %s', (base, attr) => {
    expect(convert(`FROM ${base}\nCMD ["php", "-v"]\n`).image.php).toEqual({ attr, extensions: [] });
  });

  it('fpm and apache tags say what is not reproduced; PHP 8.1 and older stay pulled images, saying why', () => {
    expect(convert('FROM php:8.3-apache\n').instructions[0]).toMatchObject({
      status: 'approximated',
      message: expect.stringMatching(/Apache with mod_php is not reproduced/),
    });
    expect(convert('FROM php:8.3-fpm\n').instructions[0]!.message).toMatch(/php-fpm needs a configuration file/);
    const old = convert('FROM php:8.1-fpm\n');
    expect(old.image.baseImage).toMatchObject({ imageName: 'php', tag: '8.1-fpm' });
    expect(old.instructions[0]!.message).toMatch(/nixpkgs carries PHP 8\.2 and newer only/);
  });

  it('COPY --from=composer:2 /usr/bin/composer is nixpkgs composer; composer install is buildComposerProject2 with vendorHash marked; vendor is copied from its output', () => {
    const plan = convert(
      'FROM php:8.3-cli AS build\nWORKDIR /app\nRUN docker-php-ext-install pdo_mysql\nCOPY --from=composer:2 /usr/bin/composer /usr/bin/composer\nCOPY . .\nRUN composer install --no-dev\n\nFROM php:8.3-cli\nWORKDIR /app\nCOPY --from=build /app/vendor ./vendor\nCMD ["php", "src/index.php"]\n',
    );
    expect(plan.instructions.find((i) => i.line === 4)).toMatchObject({ status: 'approximated', rule: 'copy.composer' });
    expect(plan.image.files).toContainEqual(
      expect.objectContaining({ dest: '/app/vendor', source: expect.objectContaining({ path: 'share/php/shop/vendor' }) }),
    );
    const nix = emitNix(plan)['default.nix'];
    expect(nix).toContain('build = pkgs.php83.buildComposerProject2 {');
    expect(nix).toMatch(/php = pkgs\.php83\.withExtensions \(\{ enabled, all \}: enabled \+\+ \[ all\.pdo_mysql \]\);/);
    expect(nix).toMatch(/# TODO\(dock2nix\): line 6: build once and paste the vendorHash[^\n]*\n\s*vendorHash = lib\.fakeHash;/);
    expect(nix).toContain('composerNoDev = true;');
  });
});

const corpus = 'webmonkey__smarthome-datadog-sender';
describe.skipIf(!projectNames().includes(corpus))(`php: corpus project ${corpus}`, () => {
  it('PHP 5 stays a partial migration: the image base is pulled, the composer install is manual (nixpkgs has no PHP 5)', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-php-'));
    try {
      const { plan } = convertProject(corpus, path.join(out, corpus));
      expect(plan.image.baseImage).toMatchObject({ imageName: 'php', tag: '5-alpine' });
      expect(plan.instructions.find((i) => i.line === 4)).toMatchObject({ status: 'ignored', rule: 'run.composer.tool' });
      expect(plan.instructions.find((i) => i.line === 5)).toMatchObject({ status: 'manual', rule: 'run.composer.php' });
      expect(plan.instructions.filter((i) => i.status === 'manual').map((i) => i.line)).toEqual([1, 5]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
if (!projectNames().includes(corpus)) console.warn(`SKIP: corpus project ${corpus} is not there`);
