/**
 * The build context in default.nix: its path as seen from the output folder, the filter that leaves out what
 * Docker would not send (with the .dockerignore rules), and `fromContext`, which copies one file or folder of
 * it to the store.
 */
import type { MigrationPlan } from '../convert/types.js';
import { apply, attrs, bind, binop, bool, id, lambda, letIn, list, path, raw, select, str, type Binding, type NixExpr } from './ast.js';

/**
 * Every name this file binds in default.nix, at the top of its `let` or inside the helpers' functions (a
 * derivation of one of these names would collide with the helper, or be shadowed inside it).
 */
export const CONTEXT_BINDINGS = [
  'context',
  'contextFilter',
  'fromContext',
  'dockerignoreRules',
  'dockerignoreExceptionFolders',
  'dockerignoreExceptionTrees',
  'dockerignored',
  // Inside the helpers: function arguments and their own `let`s (some in dockerignored's written code).
  'path',
  'type',
  'relative',
  'excluded',
  'reachedByException',
  'rule',
  'folder',
  'tree',
] as const;

/** A Nix path expression for a relative filesystem path (`..` → `../.`). */
function relativePathExpr(relative: string): NixExpr {
  const clean = relative === '' ? '.' : relative;
  if (/^[A-Za-z0-9._+/-]+$/.test(clean)) {
    const literal = clean.startsWith('.') ? clean : `./${clean}`;
    return path(/\/\.?$/.test(literal) || literal.includes('/') ? literal.replace(/^(\.\.?)$/, '$1/.') : `${literal}/.`);
  }
  return binop('+', path('./.'), str(`/${clean}`));
}

/** A path inside the build context (`context + "/relative"`), or the context itself. */
export function contextPath(relative: string): NixExpr {
  return relative ? binop('+', id('context'), str(`/${relative}`)) : id('context');
}

/**
 * .dockerignore with wildcards or exceptions: its rules in order, each a regular expression for builtins.match,
 * and a function that applies them as Docker does (the last matching rule decides). A folder a rule leaves out
 * is still entered when an exception may reach inside it, since Nix never looks inside a folder it refused.
 */
function dockerignoreBindings(ignore: NonNullable<MigrationPlan['contextIgnore']>): Binding[] {
  return [
    bind('dockerignoreRules', list(ignore.rules.map((rule) => attrs([bind('exclude', bool(rule.exclude)), bind('regex', str(rule.regex))]))), [
      '.dockerignore, in order: the last rule matching a path (or a folder above it) decides.',
    ]),
    bind('dockerignoreExceptionFolders', list(ignore.exceptionFolders.above.map((folder) => str(folder))), [
      'Folders on the way to what an exception (!) names; "" is anywhere.',
    ]),
    bind('dockerignoreExceptionTrees', list(ignore.exceptionFolders.within.map((folder) => str(folder))), [
      'Folders whose subfolders, at any depth, an exception may reach into.',
    ]),
    bind(
      'dockerignored',
      raw(
        [
          'relative: type:',
          '  let',
          "    excluded = builtins.foldl' (excluded: rule: if builtins.match rule.regex relative != null then rule.exclude else excluded) false dockerignoreRules;",
          '    reachedByException =',
          '      type == "directory"',
          '      && (',
          '        builtins.any (folder: folder == "" || lib.hasPrefix "${relative}/" folder) dockerignoreExceptionFolders',
          '        || builtins.any (tree: lib.hasPrefix tree "${relative}/") dockerignoreExceptionTrees',
          '      );',
          '  in',
          '  excluded && !reachedByException',
        ].join('\n'),
        ['lib.hasPrefix'],
      ),
    ),
  ];
}

/** The context's bindings default.nix needs for this plan (none when nothing comes from the context). */
export function contextBindings(plan: MigrationPlan): Binding[] {
  const { image } = plan;
  const bindings: Binding[] = [];
  const usesContext = image.files.some((f) => f.source.kind === 'context') || plan.derivations.length > 0;
  const usesFilter = image.files.some((f) => f.source.kind === 'context' && f.source.directory) || plan.derivations.some((d) => d.src.include === 'all');
  if (usesContext) {
    bindings.push(bind('context', relativePathExpr(plan.contextFromOutput), ['The Docker build context, as seen from this file.']));
  }
  if (usesFilter && plan.contextIgnore) bindings.push(...dockerignoreBindings(plan.contextIgnore));
  if (usesFilter) {
    const relative = apply(select(id('lib'), 'removePrefix'), str(apply(id('toString'), id('context')), '/'), apply(id('toString'), id('path')));
    const notExcluded: NixExpr = {
      kind: 'not',
      expr: apply(select(id('builtins'), 'elem'), plan.contextIgnore ? id('relative') : relative, list(plan.contextExclude.map((e) => str(e)))),
    };
    bindings.push(
      bind(
        'contextFilter',
        lambda(
          'path',
          lambda(
            'type',
            plan.contextIgnore
              ? letIn([bind('relative', relative)], binop('&&', notExcluded, { kind: 'not', expr: apply(id('dockerignored'), id('relative'), id('type')) }))
              : notExcluded,
          ),
        ),
        ['What Docker would not send (VCS data, build results, this folder, .dockerignore entries).'],
      ),
    );
  }
  if (image.files.some((f) => f.source.kind === 'context')) {
    bindings.push(
      bind(
        'fromContext',
        lambda(
          'relative',
          apply(
            select(id('builtins'), 'path'),
            attrs([
              ...(usesFilter ? [bind('filter', id('contextFilter'))] : []),
              bind('name', str('source')),
              bind('path', binop('+', id('context'), str('/', id('relative')))),
            ]),
          ),
        ),
        ['A file or folder of the build context, copied to the store on its own.'],
      ),
    );
  }
  return bindings;
}
