/** Debian and Ubuntu's apt: `apt-get install` through rules/apt.json, removals, index work and bookkeeping as no-ops. */
import { match } from 'ts-pattern';
import { parseArgs } from '../../convert/programs/args.js';
import { installPackages, type PackageRequest } from '../../convert/programs/packages.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';

/** `curl=7.88.1-10`, `curl/bookworm`. */
export function splitAptPin(word: string): PackageRequest {
  const release = /^([^=/]+)\/(.+)$/.exec(word);
  if (release) return { name: release[1]!, version: `release ${release[2]}` };
  const eq = word.indexOf('=');
  return eq === -1 ? { name: word, version: null } : { name: word.slice(0, eq), version: word.slice(eq + 1) };
}

const apt: ProgramHandler = (words, _command, scope) => {
  const args = parseArgs(words.slice(1), new Set(['-o', '-t', '--target-release', '-c', '--config-file']));
  const [action, ...names] = args.operands;
  return match(action)
    .with('install', () => {
      const files = names.filter((n) => n.startsWith('./') || n.startsWith('/') || n.endsWith('.deb'));
      const outcome = installPackages(
        scope,
        'apt',
        names.filter((n) => !files.includes(n)).map((n) => splitAptPin(n)),
      );
      // A package file is not a name the tables know: it needs its nixpkgs package (or a fetcher), not silence.
      if (files.length)
        return {
          ...outcome,
          status: 'manual' as const,
          message: `${outcome.message}; not converted: ${files.map((f) => `${f} (a package file: use its nixpkgs package, or package it with a fetcher and a hash)`).join(', ')}`,
        };
      return outcome;
    })
    .with('remove', 'purge', () => {
      for (const name of names) {
        const report = scope.stage.packageReports.find((r) => r.name === name && r.manager === 'apt');
        for (const attr of report?.nix?.split(' ') ?? []) scope.stage.removed.add(attr);
      }
      return ignored('run.apt.remove', `apt ${action} ${names.join(' ')}: packages removed after the build are left out of the Nix image`);
    })
    .with('update', 'upgrade', 'dist-upgrade', 'full-upgrade', 'clean', 'autoclean', 'autoremove', 'check', () =>
      ignored('run.apt.noop', `apt ${action}: package-index work, not needed with Nix`),
    )
    .otherwise(() => manual('run.apt.unknown', `${words[0]} ${action ?? ''}: not understood`));
};

const aptHelpers: ProgramHandler = (words) => ignored('run.apt.noop', `${words[0]}: Debian package bookkeeping, not needed with Nix`);

export default defineEcosystem({
  id: 'apt',
  summary: 'Debian and Ubuntu packages (apt-get, apt, aptitude)',
  programs: {
    'apt-get': apt,
    apt,
    aptitude: apt,
    'apt-mark': aptHelpers,
    'apt-key': aptHelpers,
    'apt-cache': aptHelpers,
    'dpkg-reconfigure': aptHelpers,
    'debconf-set-selections': aptHelpers,
  },
  cwdIndependent: true,
  cachePaths: [/^\/var\/lib\/apt\/lists(\/|$)/, /^\/var\/cache\/(apt|debconf)(\/|$)/],
  installer: { naming: 'distribution', coverage: true, installsKnownNames: ['apt-get', 'apt', 'aptitude'] },
});
