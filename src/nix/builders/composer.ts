/**
 * A PHP stage that ran `composer install`: phpXY.buildComposerProject2 (pkgs/build-support/php/builders/v2/
 * build-composer-project.nix), whose composerVendor (mkComposerVendor) fetches the locked packages (vendorHash) and
 * whose install hook copies the project with its vendor folder to $out/share/php/<pname>.
 */
import type { DerivationPlan } from '../../convert/types.js';
import { apply, attrs, bind, binop, bool, id, lambda, list, select, type Binding, type NixExpr } from '../ast.js';
import { lib, pkg, sortBindings, todo } from '../pkgs.js';
import { extraOutputLines, phase, replayLines, type BuilderInput } from './common.js';

/** Names the PHP expressions bind: withExtensions' arguments. */
export const PHP_BINDINGS = ['enabled', 'all'] as const;

/** A PHP with the extensions the Dockerfile added: `pkgs.php83.withExtensions ({ enabled, all }: enabled ++ [ all.x ])`. */
export function phpExpr(attr: string, extensions: string[]): NixExpr {
  if (!extensions.length) return pkg(attr);
  return apply(
    select(pkg(attr), 'withExtensions'),
    lambda({ formals: [{ name: 'enabled' }, { name: 'all' }] }, binop('++', id('enabled'), list(extensions.map((e) => select(id('all'), e))))),
  );
}

export function composerBuild(input: BuilderInput<Extract<DerivationPlan['build'], { kind: 'composer' }>>): NixExpr {
  const { derivation, build } = input;
  const b: Binding[] = [...input.common];
  if (build.extensions.length) b.push(bind('php', phpExpr(build.php, build.extensions), ['The PHP of the build image, with the extensions it added.']));
  b.push(bind('composerNoDev', bool(build.noDev), [build.noDev ? 'composer install --no-dev.' : 'composer install without --no-dev: the dev packages too.']));
  if (!build.noScripts) {
    b.push(
      bind('composerNoScripts', bool(false), [
        "composer install without --no-scripts: composer.json's scripts run, as in the Dockerfile (offline here: one that downloads fails).",
      ]),
    );
  }
  b.push(
    bind('vendorHash', select(lib, 'fakeHash'), [
      todo(build.line, 'build once and paste the vendorHash Nix prints here (the Composer packages; again whenever composer.lock changes).'),
    ]),
  );
  if (input.env.length) b.push(bind('env', attrs(sortBindings(input.env))));
  const before = replayLines(derivation, 'before');
  if (before.length) b.push(bind('preBuild', phase(before)!));
  const after = [
    ...(build.autoloader.length ? [`composer dump-autoload --no-interaction ${build.autoloader.join(' ')}${build.noDev ? ' --no-dev' : ''}`] : []),
    ...replayLines(derivation, 'after'),
  ];
  if (after.length)
    b.push(
      bind(
        'postBuild',
        phase(after)!,
        build.autoloader.length ? ["The Dockerfile's autoloader flags (the install hook runs a plain composer install)."] : undefined,
      ),
    );
  const extra = phase(extraOutputLines(derivation));
  if (extra) b.push(bind('postInstall', extra, ['What later stages copy besides the project folder.']));
  return apply(select(pkg(build.php), 'buildComposerProject2'), attrs(sortBindings(b)));
}
