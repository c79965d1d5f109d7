/**
 * Fedora, RHEL (UBI) and Amazon Linux packages: `dnf install`, `microdnf install`, `yum install` through
 * rules/dnf.json; removals of what the stage installed; index and cache work as no-ops; `rpm --import` of keys.
 */
import { match } from 'ts-pattern';
import { parseArgs } from '../../convert/programs/args.js';
import { installPackages, type PackageRequest } from '../../convert/programs/packages.js';
import type { CommandScope } from '../../convert/stage.js';
import { packageTable } from '../../rules/lookup.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';

/** Options of dnf, dnf5, microdnf and yum that take a value (`--setopt=…` is understood in any spelling). */
const VALUE_OPTIONS = new Set([
  '--setopt',
  '-c',
  '--config',
  '--installroot',
  '--releasever',
  '--enablerepo',
  '--disablerepo',
  '--repo',
  '--repoid',
  '--repofrompath',
  '-x',
  '--exclude',
  '--disableplugin',
  '--enableplugin',
  '--forcearch',
  '--rpmverbosity',
  '--color',
  '--destdir',
  '--downloaddir',
  '-d',
  '--debuglevel',
  '-e',
  '--errorlevel',
  '--platform-id',
]);

/** Architecture suffixes of a package spec (`curl.x86_64`). */
const ARCH = /\.(x86_64|aarch64|noarch|i686|ppc64le|s390x|src)$/;

/**
 * `curl`, `curl-7.76.1`, `curl-7.76.1-26.el9`, `curl-0:7.76.1-26.el9.x86_64`: the name the table knows, and the
 * version asked for. A name that itself ends in a dash and digits (`java-17-openjdk`) is only split where the part
 * before the version is a name of the table; otherwise the word is kept whole (and reported when unknown).
 */
export function splitDnfPin(word: string, known: (name: string) => boolean): PackageRequest {
  const bare = word.replace(ARCH, '');
  if (known(bare.toLowerCase())) return { name: bare, version: null };
  const dashes = [...bare.matchAll(/-(?=\d)/g)].map((m) => m.index!).reverse();
  for (const at of dashes) {
    const name = bare.slice(0, at);
    if (known(name.toLowerCase())) return { name, version: bare.slice(at + 1) };
  }
  return { name: bare, version: null };
}

const dnf: ProgramHandler = (words, _command, scope) => {
  const tool = words[0]!;
  const args = parseArgs(words.slice(1), VALUE_OPTIONS);
  const [action, ...names] = args.operands;
  return match(action)
    .with('install', 'in', 'reinstall', () => {
      const files = names.filter((n) => /^(\.{0,2}\/|https?:|ftp:)/.test(n) || /\.rpm$/.test(n));
      const groups = names.filter((n) => n.startsWith('@'));
      const table = packageTable(scope.rules, 'dnf').packages;
      const requests = names.filter((n) => !files.includes(n) && !groups.includes(n)).map((n) => splitDnfPin(n, (name) => Object.hasOwn(table, name)));
      const outcome = installPackages(scope, 'dnf', requests);
      outcome.message = outcome.message.replace(/^dnf install: /, `${tool} install: `);
      const other = [
        ...files.map((f) => `${f} (a package file or URL: package it with a fetcher and a hash)`),
        ...groups.map((g) => `${g} (a package group: install its packages by name)`),
      ];
      if (other.length) return { ...outcome, status: 'manual' as const, message: `${outcome.message}; not converted: ${other.join(', ')}` };
      return outcome;
    })
    .with('remove', 'erase', () => removeInstalled(scope, tool, action!, names))
    .with('groupinstall', () =>
      manual('run.dnf.group', `${tool} groupinstall ${names.join(' ')}: package groups are not converted; install their packages by name`),
    )
    .with('group', 'groups', () =>
      manual('run.dnf.group', `${tool} ${action} ${names.join(' ')}: package groups are not converted; install their packages by name`),
    )
    .with('module', () =>
      manual(
        'run.dnf.module',
        `${tool} module ${names.join(' ')}: module streams choose versions nixpkgs does not follow; pick the versioned nixpkgs attribute (nodejs_20, postgresql_16, …) by hand`,
      ),
    )
    .with('clean', 'makecache', 'check-update', 'repolist', 'info', 'list', 'search', 'provides', 'whatprovides', 'repoquery', 'history', 'autoremove', () =>
      ignored('run.dnf.noop', `${tool} ${action}: package-index work, not needed with Nix`),
    )
    .with('update', 'upgrade', 'distro-sync', 'upgrade-minimal', 'update-minimal', () =>
      names.length
        ? ignored('run.dnf.noop', `${tool} ${action} ${names.join(' ')}: upgrades come with the flake's nixpkgs input`)
        : ignored('run.dnf.noop', `${tool} ${action}: package-index work, not needed with Nix`),
    )
    .with('config-manager', () => ignored('run.dnf.repository', `${tool} config-manager: repository settings; packages come from nixpkgs instead`))
    .otherwise(() => manual('run.dnf.unknown', `${tool} ${action ?? ''}: not understood`));
};

/** `dnf remove NAME`: what the stage installed under that name is left out of the image. */
function removeInstalled(scope: CommandScope, tool: string, action: string, names: string[]) {
  for (const name of names) {
    const report = scope.stage.packageReports.find((r) => r.name === name && r.manager === 'dnf');
    for (const attr of report?.nix?.split(' ') ?? []) scope.stage.removed.add(attr);
  }
  return ignored('run.dnf.remove', `${tool} ${action} ${names.join(' ')}: packages removed after the build are left out of the Nix image`);
}

/** `rpm --import KEY` (signing keys) and queries are not needed; installing a package file is manual. */
const rpm: ProgramHandler = (words) => {
  const args = parseArgs(words.slice(1));
  if (args.flags.has('--import')) return ignored('run.rpm.import', 'rpm --import: repository signing keys; nixpkgs sources are fixed by their hashes');
  if (args.flags.has('-q') || args.flags.has('--query') || args.flags.has('--verify') || args.flags.has('-V'))
    return ignored('run.rpm.query', `${words.join(' ')}: a query, changes nothing in the image`);
  return manual('run.rpm.unknown', `${words.join(' ')}: rpm package files are not converted; use the nixpkgs package, or a fetcher with a hash`);
};

export default defineEcosystem({
  id: 'dnf',
  summary: 'Fedora, RHEL UBI and Amazon Linux packages (dnf, microdnf, yum, rpm)',
  programs: { dnf, dnf5: dnf, microdnf: dnf, yum: dnf, rpm },
  cwdIndependent: true,
  cachePaths: [/^\/var\/cache\/(dnf|yum|libdnf5)(\/|$)/, /^\/var\/lib\/(dnf|yum)(\/|$)/],
  installer: { naming: 'distribution', coverage: false, installsKnownNames: ['dnf', 'dnf5', 'microdnf', 'yum'] },
});
