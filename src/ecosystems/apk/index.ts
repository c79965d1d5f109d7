/** Alpine's apk: `apk add` through rules/apk.json, `apk del` of what the stage added, index work as no-ops. */
import { match } from 'ts-pattern';
import { flagValue, parseArgs } from '../../convert/programs/args.js';
import { installPackages, type PackageRequest } from '../../convert/programs/packages.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';

/** `curl=8.5.0-r0`, `curl>8`, `curl~8.5`. */
export function splitApkPin(word: string): PackageRequest {
  const match = /^([^=<>~]+)([=<>~].*)?$/.exec(word);
  const version = match?.[2]?.replace(/^[=]/, '') ?? null;
  return { name: match?.[1] ?? word, version: version || null };
}

const apk: ProgramHandler = (words, _command, scope) => {
  const args = parseArgs(
    words.slice(1),
    new Set(['-t', '--virtual', '-X', '--repository', '-p', '--root', '--repositories-file', '--keys-dir', '--arch', '--cache-dir']),
  );
  const [action, ...names] = args.operands;
  return match(action)
    .with('add', () => {
      const virtual = flagValue(args, '-t', '--virtual') ?? undefined;
      const repository = flagValue(args, '-X', '--repository');
      const outcome = installPackages(
        scope,
        'apk',
        names.map((n) => splitApkPin(n)),
        { virtualGroup: virtual },
      );
      if (repository) outcome.message += `; packages from ${repository} come from nixpkgs instead`;
      if (virtual) outcome.message += `; virtual group ${virtual}`;
      return outcome;
    })
    .with('del', 'delete', () => {
      for (const name of names) {
        for (const attr of scope.stage.virtualGroups.get(name) ?? []) scope.stage.removed.add(attr);
      }
      return ignored('run.apk.del', `apk del ${names.join(' ')}: packages removed after the build are left out of the Nix image`);
    })
    .with('update', 'upgrade', 'cache', 'fix', 'info', 'search', 'version', 'verify', 'stats', () =>
      ignored('run.apk.noop', `apk ${action}: package-index work, not needed with Nix`),
    )
    .otherwise(() => manual('run.apk.unknown', `apk ${action ?? ''}: not understood`));
};

export default defineEcosystem({
  id: 'apk',
  summary: 'Alpine packages (apk add, apk del)',
  programs: { apk },
  cwdIndependent: true,
  cachePaths: [/^\/var\/cache\/apk(\/|$)/, /^\/etc\/apk\/cache(\/|$)/],
  installer: { naming: 'distribution', coverage: true, installsKnownNames: ['apk'] },
});
