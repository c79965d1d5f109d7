/** Commands that change nothing in the image (echo, set, true, ls…), and downloads (curl, wget), which need a fetcher with a hash. */
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';

export const harmless: ProgramHandler = (words) => ignored('run.noop', `${words[0]}: changes nothing in the image`);

const download: ProgramHandler = (words, command) => {
  const url = words.find((w) => /^(https?|ftp):\/\//.test(w));
  // Composer itself (composer.phar, its installer): nixpkgs' composer replaces it (src/ecosystems/php).
  if (url && /^https?:\/\/getcomposer\.org\/(download\/[^/]+\/)?(composer(-stable|-\d+)?\.phar|installer)$/.test(url))
    return ignored(
      'run.composer.tool',
      `${words[0]} ${url}: the composer tool; the composer install becomes buildComposerProject2, which brings nixpkgs' composer (php.packages.composer)`,
    );
  if (command.writes.length === 0 && words.includes('|')) return manual('run.download', `${command.source}`);
  return manual('run.download', `${words[0]} ${url ?? ''}: downloads at build time; use pkgs.fetchurl with a hash, or the nixpkgs package that provides it`);
};

export default defineEcosystem({
  id: 'misc',
  summary: 'No-ops (echo, set, true, ls, …) and downloads (curl, wget)',
  programs: {
    set: harmless,
    true: harmless,
    ':': harmless,
    echo: harmless,
    printf: harmless,
    cd: harmless,
    export: harmless,
    sleep: harmless,
    which: harmless,
    ls: harmless,
    ldconfig: harmless,
    sync: harmless,
    pwd: harmless,
    env: harmless,
    id: harmless,
    whoami: harmless,
    curl: download,
    wget: download,
  },
  cwdIndependent: ['set', 'true', ':', 'echo', 'printf', 'cd', 'export', 'sleep', 'which'],
});
