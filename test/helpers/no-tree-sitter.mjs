// Loaded with `node --import`: any attempt to load tree-sitter (web-tree-sitter) fails, so a test can show that
// a run did not need it.
import { register } from 'node:module';

const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === 'web-tree-sitter') throw new Error('test: tree-sitter must not be loaded in this run');
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
