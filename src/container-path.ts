/** Paths inside a container image, resolved the way WORKDIR, COPY and `cd` do. */

/** Resolve `target` against the absolute directory `base`; `..` never climbs above `/`. */
export function resolvePath(base: string, target: string): string {
  const joined = target.startsWith('/') ? target : `${base.replace(/\/$/, '')}/${target}`;
  const parts: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}
