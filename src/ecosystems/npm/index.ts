/** npm: `npm ci`/`npm install`/`npm run`/`npm prune` become buildNpmPackage; `npm install -g` goes through rules/npm.json; npx. */
import { match } from 'ts-pattern';
import { resolvePath } from '../../container-path.js';
import { hasFlag, parseArgs } from '../../convert/programs/args.js';
import { installPackages } from '../../convert/programs/packages.js';
import { buildStepCount, contextPathOf } from '../../convert/stage.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';
import { planNpm } from './build.js';
import { NPM_PRODUCTION, NPM_PRUNED, NPM_VALUE_OPTIONS, npmFlags, withoutDevDependencies } from './production.js';

const npm: ProgramHandler = (words, command, scope) => {
  const args = parseArgs(words.slice(1), new Set(['--prefix', '-w', '--workspace', '--registry', '--cache', '--loglevel', ...NPM_VALUE_OPTIONS]));
  const [action, ...rest] = args.operands;
  const flags = npmFlags(words);
  return match(action)
    .with('ci', 'clean-install', 'install-clean', () => {
      const production = withoutDevDependencies(flags, NPM_PRODUCTION, command, scope, true);
      scope.stage.npm.push({ manager: 'npm', line: scope.line, cwd: command.cwd, action: 'ci', flags, production });
      scope.stage.buildLines.push(scope.line);
      return {
        status: 'mapped' as const,
        rule: 'run.npm.ci',
        message: `npm ci: dependencies from package-lock.json (buildNpmPackage)${production ? NPM_PRUNED : ''}`,
      };
    })
    .with('install', 'i', 'add', 'isntall', () => {
      if (hasFlag(args, '-g', '--global')) {
        const outcome = installPackages(
          scope,
          'npm',
          rest.map((name) => splitNpmSpec(name)),
        );
        outcome.rule = 'run.npm.global';
        return outcome;
      }
      if (rest.length)
        return manual('run.npm.add', `npm install ${rest.join(' ')}: adds packages that are not in package.json; add them to package.json and its lock file`);
      const production = withoutDevDependencies(flags, NPM_PRODUCTION, command, scope, true);
      scope.stage.npm.push({ manager: 'npm', line: scope.line, cwd: command.cwd, action: 'install', flags, production });
      scope.stage.buildLines.push(scope.line);
      return {
        status: 'approximated' as const,
        rule: 'run.npm.install',
        message: `npm install: dependencies installed as with npm ci from the lock file (buildNpmPackage)${production ? NPM_PRUNED : ''}`,
      };
    })
    .with('run', 'run-script', () => {
      const script = rest[0];
      if (!script) return manual('run.npm.run', 'npm run without a script name');
      scope.stage.npm.push({ manager: 'npm', line: scope.line, cwd: command.cwd, action: 'run', script, flags });
      scope.stage.buildLines.push(scope.line);
      return { status: 'mapped' as const, rule: 'run.npm.run', message: `npm run ${script}: the build script of buildNpmPackage` };
    })
    .with('prune', () => {
      if (!withoutDevDependencies(flags, NPM_PRODUCTION, command, scope, true))
        return ignored('run.npm.noop', 'npm prune: not needed with Nix (the dependencies are exactly those of the lock file)');
      if (hasFlag(args, '--prefix') || command.cwd !== scope.stage.workdir)
        return manual('run.npm.prune', `npm prune: prunes another folder than the stage's working directory ${scope.stage.workdir}; not converted`);
      if (command.conditional)
        return manual('run.npm.prune', 'npm prune: runs only under a condition; not converted (the derivation keeps the dev dependencies)');
      // Its flags are not the build's: they would leave dev dependencies out of the install the build needs.
      scope.stage.npm.push({ manager: 'npm', line: scope.line, cwd: command.cwd, action: 'prune', flags: [], production: true });
      scope.stage.buildLines.push(scope.line);
      return {
        status: 'mapped' as const,
        rule: 'run.npm.prune',
        message: 'npm prune: dev dependencies dropped, as here (npm prune --omit=dev after the build)',
      };
    })
    .with('cache', 'audit', 'config', 'set', 'version', 'dedupe', 'ls', 'list', 'outdated', 'doctor', () =>
      ignored('run.npm.noop', `npm ${action}: not needed with Nix (the derivation installs from the lock file, offline)`),
    )
    .with('test', 't', () => ignored('run.npm.test', 'npm test: tests belong in doCheck/checkPhase'))
    .otherwise(() => manual('run.npm.unknown', `npm ${action ?? ''}: not understood`));
};

function splitNpmSpec(spec: string): { name: string; version: string | null } {
  const at = spec.lastIndexOf('@');
  if (at > 0) return { name: spec.slice(0, at), version: spec.slice(at + 1) };
  return { name: spec, version: null };
}

/** Programs npx runs under another name than their package's. */
const NPX_PACKAGES: Record<string, string> = {
  tsc: 'typescript',
  ng: '@angular/cli',
  nest: '@nestjs/cli',
  'vue-cli-service': '@vue/cli-service',
  'react-scripts': 'react-scripts',
  'svelte-kit': '@sveltejs/kit',
};

/**
 * `npx vite build`, `npx prisma generate` in a Node stage: replayed in the derivation's build, where
 * node_modules/.bin has the tool when package.json names it; otherwise npx would download it, which is manual.
 */
const npx: ProgramHandler = (words, command, scope) => {
  const args = parseArgs(words.slice(1), new Set(['-p', '--package', '-c', '--call']));
  const tool = args.operands[0];
  if (!tool) return manual('run.npx', `${command.source}: not understood`);
  const name = tool.replace(/(.)@[^/]*$/, '$1');
  const packageJson = contextPathOf(scope.stage, resolvePath(command.cwd, 'package.json'));
  let dependencies: string[] = [];
  try {
    const meta = JSON.parse((packageJson && scope.context.readText(packageJson)) || '{}') as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    dependencies = [...Object.keys(meta.dependencies ?? {}), ...Object.keys(meta.devDependencies ?? {})];
  } catch {
    dependencies = [];
  }
  const local = dependencies.includes(name) || dependencies.includes(NPX_PACKAGES[name] ?? name);
  if (!local || !scope.stage.npm.length) {
    return manual(
      'run.npx',
      `npx ${tool}: ${!scope.stage.npm.length ? 'no npm, Yarn or pnpm install before it in this stage' : `${name} is not a dependency in package.json`}, so npx would download it; add it to package.json (then the build replays it) or use its nixpkgs package`,
    );
  }
  scope.stage.unhandled.push({ line: scope.line, source: command.source, after: buildStepCount(scope.stage), replayed: true });
  return {
    status: 'approximated',
    rule: 'run.npx',
    message: `npx ${tool}: replayed in the derivation's build, where node_modules/.bin has ${name} from package.json`,
  };
};

export default defineEcosystem({
  id: 'npm',
  summary: 'npm builds (buildNpmPackage), global installs and npx',
  programs: { npm, npx },
  cachePaths: [/^\/root\/\.npm(\/|$)/],
  installer: { naming: 'npm', coverage: false, installsKnownNames: [] },
  build: { precedence: 2, active: (state) => state.npm.length > 0, plan: planNpm },
});
