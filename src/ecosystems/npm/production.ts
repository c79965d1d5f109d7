/** Whether an npm, Yarn 1 or pnpm install leaves dev dependencies out: by its flags, npm's configuration or NODE_ENV. */
import type { ShellCommand } from '../../shell/analyze.js';
import type { CommandScope } from '../../convert/stage.js';

/** npm's ways of leaving dev dependencies out, and of keeping them (which wins), in flags (npm 7+ and older spellings). */
export const NPM_PRODUCTION = {
  without: /^(--omit=dev|--production(=true)?|--only=prod(uction)?|--prod)$/,
  with: /^(--include=dev|--production=false|--also=dev(elopment)?|--dev)$/,
};
/** Yarn 1's and pnpm's. */
export const YARN_PRODUCTION = { without: /^--(production|prod)(=true)?$/, with: /^--(production|prod)=false$/ };
export const NPM_PRUNED = '; without dev dependencies, as here (npm prune --omit=dev after the build)';
/** npm options whose value may follow as the next word (`--omit dev`). */
export const NPM_VALUE_OPTIONS = new Set(['--omit', '--include', '--only', '--also']);

/** A command's flags, with `--omit dev` written as `--omit=dev`. */
export function npmFlags(words: string[]): string[] {
  const flags: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('-')) continue;
    const value = words[i + 1];
    if (NPM_VALUE_OPTIONS.has(word) && value !== undefined && !value.startsWith('-')) {
      flags.push(`${word}=${value}`);
      i++;
    } else flags.push(word);
  }
  return flags;
}

/**
 * Whether an install (or prune) leaves dev dependencies out: by its flags, by npm's configuration in the
 * environment (`npm_config_omit=dev`, for npm), or under NODE_ENV=production where it runs (given to the command,
 * or the stage's ARG or ENV at that line). NODE_ENV set later leaves the dev dependencies that were installed in
 * Docker's image too, so it does not count.
 */
export function withoutDevDependencies(
  flags: string[],
  spelling: { without: RegExp; with: RegExp },
  command: ShellCommand,
  scope: CommandScope,
  npm: boolean,
): boolean {
  if (flags.some((f) => spelling.with.test(f))) return false;
  if (flags.some((f) => spelling.without.test(f))) return true;
  const env: Record<string, string | null> = { ...scope.env, ...command.assigns };
  if (npm) {
    const config = (name: string) => Object.entries(env).find(([key]) => key.toLowerCase() === `npm_config_${name}`)?.[1] ?? null;
    if (
      config('include')
        ?.split(/[\s,]+/)
        .includes('dev')
    )
      return false;
    if (
      config('omit')
        ?.split(/[\s,]+/)
        .includes('dev') ||
      config('production') === 'true'
    )
      return true;
  }
  return env.NODE_ENV === 'production';
}
