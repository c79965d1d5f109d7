// Loaded with `node --import`: records every module URL the program resolves, one per line, to the file
// named by DOCK2NIX_TRACE_LOADS, so a test can see what a command loads.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.DOCK2NIX_TRACE_LOADS) appendFileSync(process.env.DOCK2NIX_TRACE_LOADS, result.url + '\\n');
  return result;
}
`),
);
