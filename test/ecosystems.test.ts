/** Inputs read from the build context: requirements files, Python projects, lock files, go.mod. */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { parseRequirements } from '../src/ecosystems/pip/requirements.js';
import { loadRules } from '../src/io/rules-files.js';
import { shell } from './helpers/shell.js';

function convert(dockerfile: string, files: Record<string, string | null>) {
  return convertDockerfile(dockerfile, memoryContext(files), loadRules(), {
    shell,
    dockerfilePath: 'Dockerfile',
    imageName: 'test',
    contextFromOutput: '..',
    outputInContext: 'nix',
  }).plan;
}

describe('requirements.txt', () => {
  it('reads includes, comments, markers, extras, hashes and continuations', () => {
    const files: Record<string, string> = {
      'req/base.txt': 'requests==2.32.3 \\\n    --hash=sha256:abc\n# comment\n',
      'req/main.txt':
        '-r base.txt\n-c constraints.txt\nuvicorn[standard]>=0.30 ; python_version >= "3.8"\n--index-url https://example.org/simple\n-e git+https://x/y.git#egg=y\nFlask  # inline comment\n',
    };
    const result = parseRequirements(files['req/main.txt']!, 'req/main.txt', (p) => files[p] ?? null);
    expect(result.requirements).toEqual([
      { name: 'requests', version: '2.32.3' },
      { name: 'uvicorn', version: '>=0.30', extras: ['standard'] },
      { name: 'Flask', version: null },
    ]);
    expect(result.unsupported).toEqual(['-e git+https://x/y.git#egg=y']);
    expect(result.missing).toEqual([]);
  });
  it('reports an include that is missing', () => {
    expect(parseRequirements('-r other.txt\n', 'r.txt', () => null).missing).toEqual(['other.txt']);
  });
  it('finds a requirements file inside a copied folder', () => {
    const plan = convert('FROM python:3.12\nCOPY . /app\nRUN pip install -r /app/requirements.txt\n', { 'requirements.txt': 'flask\n' });
    expect(plan.image.python).toEqual({ attr: 'python312', packages: ['flask'], missing: [] });
  });
});

describe('Python projects', () => {
  it('reads PEP 621 dependencies for pip install .', () => {
    const plan = convert('FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install .\n', {
      'pyproject.toml': '[project]\nname = "x"\ndependencies = ["requests>=2", "PyYAML"]\n',
    });
    expect(plan.image.python?.packages).toEqual(['pyyaml', 'requests']);
    const run = plan.instructions.find((i) => i.keyword === 'RUN')!;
    expect(run.status).toBe('approximated');
    expect(run.message).toMatch(/buildPythonApplication/);
  });
  it('names uv2nix for uv projects and poetry2nix for Poetry ones', () => {
    const uv = convert('FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv sync --frozen\n', {
      'pyproject.toml': '[project]\nname = "x"\ndependencies = ["flask"]\n',
      'uv.lock': 'version = 1\n',
    });
    expect(uv.instructions.find((i) => i.keyword === 'RUN')!.message).toMatch(/uv2nix/);
    const poetry = convert('FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml ./\nRUN poetry install\n', {
      'pyproject.toml': '[tool.poetry.dependencies]\npython = "^3.11"\nflask = "^3"\n',
    });
    expect(poetry.instructions.find((i) => i.keyword === 'RUN')!.message).toMatch(/poetry2nix/);
    expect(poetry.image.python?.packages).toEqual(['flask']);
  });
  it('leaves setup.py projects for manual work, saying why', () => {
    const plan = convert('FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -e .\n', { 'setup.py': 'from setuptools import setup\n' });
    const run = plan.instructions.find((i) => i.keyword === 'RUN')!;
    expect(run.status).toBe('manual');
    expect(run.message).toMatch(/setup\.py/);
  });
});

describe('Node lock files', () => {
  it('uses importNpmLock with package-lock.json and a marked fakeHash without one', () => {
    const df = 'FROM node:22 AS b\nWORKDIR /s\nCOPY . .\nRUN npm ci && npm run build\nFROM scratch\nCOPY --from=b /s/out /out\n';
    const pkg = '{"name":"a","version":"1.0.0"}';
    expect(convert(df, { 'package.json': pkg, 'package-lock.json': '{}' }).derivations[0]!.build).toMatchObject({
      kind: 'npm',
      lockFile: 'package-lock.json',
      buildScript: 'build',
    });
    expect(convert(df, { 'package.json': pkg }).derivations[0]!.build).toMatchObject({ kind: 'npm', lockFile: null });
  });
  it('converts Yarn 1 and pnpm builds with their nixpkgs fetchers and hooks; Berry and missing locks stay manual, named', () => {
    const dockerfile = (tool: string) =>
      `FROM node:22 AS web\nWORKDIR /s\nCOPY . .\nRUN ${tool} install --frozen-lockfile\nRUN ${tool} ${tool === 'pnpm' ? 'run ' : ''}build\nFROM scratch\nCOPY --from=web /s/dist /www\n`;
    const pkg = JSON.stringify({ name: 'web', version: '1.2.3', scripts: { build: 'vite build' } });
    const run = (plan: ReturnType<typeof convert>) => plan.instructions.filter((i) => i.keyword === 'RUN').map((i) => [i.status, i.message]);

    const yarn = convert(dockerfile('yarn'), { 'package.json': pkg, 'yarn.lock': '# yarn lockfile v1\n' });
    expect(run(yarn)).toEqual([
      ['mapped', 'yarn install: dependencies from yarn.lock (fetchYarnDeps, yarnConfigHook)'],
      ['mapped', "yarn run build: the build script of the stage's derivation"],
    ]);
    expect(yarn.derivations[0]!.build).toMatchObject({
      kind: 'npm',
      manager: 'yarn',
      dependencies: 'fetchYarnDeps',
      lockFile: 'yarn.lock',
      buildScript: 'build',
    });

    const pnpm = convert(dockerfile('pnpm'), { 'package.json': pkg, 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" });
    expect(run(pnpm).map(([status]) => status)).toEqual(['mapped', 'mapped']);
    expect(pnpm.derivations[0]!.build).toMatchObject({
      kind: 'npm',
      manager: 'pnpm',
      dependencies: 'fetchPnpmDeps',
      lockFile: 'pnpm-lock.yaml',
      buildScript: 'build',
    });

    const berry = convert(dockerfile('yarn'), { 'package.json': pkg, 'yarn.lock': '__metadata:\n  version: 8\n' });
    expect(run(berry)[0]).toEqual(['manual', expect.stringMatching(/yarn-berry_4\.fetchYarnBerryDeps/)]);
    const noLock = convert(dockerfile('pnpm'), { 'package.json': pkg });
    expect(run(noLock)[0]).toEqual(['manual', expect.stringMatching(/no pnpm-lock\.yaml.*fetchPnpmDeps and pnpmConfigHook/)]);
  });

  it('drops Yarn dev dependencies where the Dockerfile installed without them, and only there', () => {
    const pkg = JSON.stringify({ name: 'web', version: '1.2.3', scripts: { build: 'vite build' } });
    const files = { 'package.json': pkg, 'yarn.lock': '# yarn lockfile v1\n' };
    const omitDev = (lines: string) => {
      const build = convert(`FROM node:22 AS web\nWORKDIR /s\nCOPY . .\n${lines}\nFROM scratch\nCOPY --from=web /s/dist /www\n`, files).derivations[0]!.build;
      return build.kind === 'npm' ? build.omitDev : null;
    };
    expect(omitDev('RUN yarn install --production=true\nRUN yarn build')).toBe(true);
    expect(omitDev('RUN NODE_ENV=production yarn install\nRUN yarn build')).toBe(true);
    expect(omitDev('ENV NODE_ENV=production\nRUN yarn install && yarn build')).toBe(true);
    // NODE_ENV set after the install leaves the installed dev dependencies in Docker's image too.
    expect(omitDev('RUN yarn install\nRUN yarn build\nENV NODE_ENV=production')).toBe(false);
    expect(omitDev('RUN yarn install --frozen-lockfile\nRUN yarn build')).toBe(false);
  });

  it('drops npm dev dependencies where the Dockerfile installed or pruned without them, and only there', () => {
    const lock = JSON.stringify({ name: 'web', version: '1.2.3', lockfileVersion: 3, requires: true, packages: { '': { name: 'web', version: '1.2.3' } } });
    const files = { 'package.json': JSON.stringify({ name: 'web', version: '1.2.3', scripts: { build: 'vite build' } }), 'package-lock.json': lock };
    const plan = (lines: string) => convert(`FROM node:22 AS web\nWORKDIR /s\nCOPY . .\n${lines}\nFROM scratch\nCOPY --from=web /s/dist /www\n`, files);
    const omitDev = (lines: string) => {
      const build = plan(lines).derivations[0]!.build;
      return build.kind === 'npm' ? build.omitDev : null;
    };
    expect(omitDev('RUN npm ci --omit=dev')).toBe(true);
    expect(omitDev('RUN NODE_ENV=production npm ci\nRUN npm run build')).toBe(true);
    expect(omitDev('ENV NODE_ENV=production\nRUN npm install && npm run build')).toBe(true);
    // The build-then-prune pattern: Docker's image has no dev dependencies, so neither has the derivation's output.
    expect(omitDev('RUN npm ci && npm run build && npm prune --production')).toBe(true);
    expect(omitDev('RUN npm ci\nRUN npm run build\nRUN npm prune --omit=dev')).toBe(true);
    // NODE_ENV set after the install leaves the installed dev dependencies in Docker's image too; so does a plain prune.
    expect(omitDev('RUN npm ci\nRUN npm run build\nENV NODE_ENV=production')).toBe(false);
    expect(omitDev('RUN npm ci && npm run build && npm prune')).toBe(false);
    expect(omitDev('ENV NODE_ENV=production\nRUN npm ci --include=dev && npm run build')).toBe(false);
    expect(omitDev('RUN npm ci && npm run build')).toBe(false);
    // The prune's flag is not the build's: the install the build runs keeps its dev dependencies; the prune comes after.
    const pruned = plan('RUN npm ci && npm run build && npm prune --production');
    expect(pruned.derivations[0]!.build).toMatchObject({ npmFlags: [] });
    expect(pruned.instructions.find((i) => i.keyword === 'RUN')!.details.join('\n')).toMatch(/npm prune: dev dependencies dropped/);
    const nix = convertDockerfile(
      `FROM node:22 AS web\nWORKDIR /s\nCOPY . .\nRUN npm ci && npm run build && npm prune --production\nFROM scratch\nCOPY --from=web /s/dist /www\n`,
      memoryContext(files),
      loadRules(),
      { shell, dockerfilePath: 'Dockerfile', imageName: 'test', contextFromOutput: '..', outputInContext: 'nix' },
    ).files['default.nix'];
    expect(nix).toMatch(/installPhase = ''[^']*npm prune --omit=dev --no-save/);
    expect(nix).toContain('npmBuildScript = "build";');
  });

  it("reads npm's other ways of saying it: spaced values, keeping flags, configuration, ARG; the last install or prune decides", () => {
    const lock = JSON.stringify({ name: 'web', version: '1.2.3', lockfileVersion: 3, requires: true, packages: { '': { name: 'web', version: '1.2.3' } } });
    const files = { 'package.json': JSON.stringify({ name: 'web', version: '1.2.3', scripts: { build: 'vite build' } }), 'package-lock.json': lock };
    const plan = (lines: string) => convert(`FROM node:22 AS web\nWORKDIR /s\nCOPY . .\n${lines}\nFROM scratch\nCOPY --from=web /s/dist /www\n`, files);
    const build = (lines: string) => plan(lines).derivations[0]!.build as Extract<ReturnType<typeof plan>['derivations'][number]['build'], { kind: 'npm' }>;
    expect(build('RUN npm ci --omit dev')).toMatchObject({ omitDev: true, npmFlags: [] });
    expect(build('RUN npm install --omit dev')).toMatchObject({ omitDev: true });
    expect(plan('RUN npm install --omit dev').instructions.find((i) => i.keyword === 'RUN')!.status).toBe('approximated');
    for (const keep of ['--include dev', '--include=dev', '--dev', '--also=development', '--production=false']) {
      expect(build(`ENV NODE_ENV=production\nRUN npm ci ${keep} && npm run build`).omitDev, keep).toBe(false);
    }
    expect(build('ARG NODE_ENV=production\nRUN npm ci').omitDev).toBe(true);
    expect(build('ENV npm_config_omit=dev\nRUN npm ci').omitDev).toBe(true);
    expect(build('ENV NPM_CONFIG_PRODUCTION=true\nRUN npm ci').omitDev).toBe(true);
    expect(build('ENV NPM_CONFIG_OMIT=dev NPM_CONFIG_INCLUDE=dev\nRUN npm ci').omitDev).toBe(false);
    // An install after the prune brings the dev dependencies back; a prune that may not run, or runs elsewhere, is not taken.
    expect(build('RUN npm ci --omit=dev\nRUN npm install').omitDev).toBe(false);
    expect(build('RUN npm ci && npm run build || npm prune --omit=dev').omitDev).toBe(false);
    expect(build('RUN npm ci && npm run build\nRUN cd /tmp && npm prune --omit=dev').omitDev).toBe(false);
    expect(build('RUN npm ci && npm run build\nRUN npm prune --omit=dev --prefix /other').omitDev).toBe(false);
    expect(plan('RUN npm ci && npm run build || npm prune --omit=dev').instructions.find((i) => i.keyword === 'RUN')!.status).toBe('manual');
  });

  it("gives a script's exports to its own commands only, never to the image's Env", () => {
    const lock = JSON.stringify({ name: 'web', version: '1.2.3', lockfileVersion: 3, requires: true, packages: { '': { name: 'web', version: '1.2.3' } } });
    const files = {
      'package.json': JSON.stringify({ name: 'web', version: '1.2.3' }),
      'package-lock.json': lock,
      'go.mod': 'module example.com/app\n\ngo 1.22\n',
      'main.go': 'package main',
    };
    const run = (script: string) =>
      convertDockerfile(`FROM node:22\nWORKDIR /s\nCOPY . .\nRUN ${script}\nCMD ["node", "x.js"]\n`, memoryContext(files), loadRules(), {
        shell,
        dockerfilePath: 'Dockerfile',
        imageName: 'test',
        contextFromOutput: '..',
        outputInContext: 'nix',
      });
    const exported = run('export FOO=bar NODE_ENV=production && npm ci');
    expect(exported.files['default.nix']).not.toContain('FOO');
    expect(exported.plan.derivations[0]!.build).toMatchObject({ kind: 'npm', omitDev: true });
    const go = convertDockerfile(
      'FROM golang:1.22 AS b\nWORKDIR /src\nCOPY . .\nRUN export CGO_ENABLED=0 && go build -o /app .\nFROM scratch\nCOPY --from=b /app /app\n',
      memoryContext(files),
      loadRules(),
      { shell, dockerfilePath: 'Dockerfile', imageName: 'test', contextFromOutput: '..', outputInContext: 'nix' },
    );
    expect(go.plan.instructions.find((i) => i.keyword === 'RUN')!.details.join(' ')).toContain('CGO_ENABLED = 0');
  });

  it('leaves a command in a folder only known at build time for manual work, unless the folder does not matter', () => {
    const runs = (script: string) =>
      convert(`FROM debian:bookworm-slim\nWORKDIR /app\nRUN ${script}\n`, {})
        .instructions.filter((i) => i.keyword === 'RUN')
        .map((i) => i.status);
    expect(runs('cd "$(mktemp -d)" && mkdir out')).toEqual(['manual']);
    expect(runs('cd "$(mktemp -d)" && apt-get install -y curl')).toEqual(['mapped']);
  });

  it("carries a deps stage's NODE_ENV=production into the stage that copies its node_modules", () => {
    const lock = JSON.stringify({ name: 'web', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'web', version: '1.0.0' } } });
    const files = { 'package.json': JSON.stringify({ name: 'web', version: '1.0.0' }), 'package-lock.json': lock, 'server.js': '' };
    const image = (deps: string) =>
      convert(
        `FROM node:20 AS deps\n${deps}\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nFROM node:20-slim\nWORKDIR /app\nCOPY --from=deps /app/node_modules ./node_modules\nCOPY . .\nCMD ["node", "server.js"]\n`,
        files,
      ).derivations[0]!.build;
    expect(image('ENV NODE_ENV=production')).toMatchObject({ kind: 'npm', omitDev: true });
    expect(image('ENV NODE_ENV=development')).toMatchObject({ kind: 'npm', omitDev: false });
  });

  it('leaves Yarn and pnpm commands it cannot place for manual work instead of guessing', () => {
    const pkg = JSON.stringify({ name: 'web', version: '1.2.3', scripts: { build: 'vite build' } });
    const files = {
      'package.json': pkg,
      'yarn.lock': '# yarn lockfile v1\n',
      'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
      'frontend/package.json': pkg,
      'frontend/yarn.lock': '# yarn lockfile v1\n',
    };
    const statuses = (run: string, copy = 'COPY . .') =>
      convert(`FROM node:22\nWORKDIR /s\n${copy}\nRUN ${run}\n`, files)
        .instructions.filter((i) => i.keyword === 'RUN')
        .map((i) => [i.status, i.rule]);
    expect(statuses('yarn --cwd frontend build')).toEqual([['manual', 'run.node.other-manager']]);
    expect(statuses('pnpm -C packages/web install')).toEqual([['manual', 'run.node.other-manager']]);
    expect(statuses('pnpm --filter web build')).toEqual([['manual', 'run.node.other-manager']]);
    expect(statuses('pnpm -r build')).toEqual([['manual', 'run.node.other-manager']]);
    expect(statuses('cd frontend && yarn install')[0]![0]).toBe('manual');
    expect(statuses('yarn set version stable')).toEqual([['manual', 'run.yarn.unknown']]);
    expect(statuses('pnpm self-update')).toEqual([['manual', 'run.pnpm.unknown']]);
    // A flag's value is not the command: this is an install.
    expect(statuses('yarn install --frozen-lockfile --network-timeout 100000')).toEqual([['mapped', 'run.yarn.install']]);
    expect(statuses('yarn --network-timeout 100000')).toEqual([['mapped', 'run.yarn.install']]);
    // Yarn 1 prunes after the build, offline (nixpkgs' yarnInstallHook does the same); pnpm keeps its dev dependencies.
    expect(statuses('yarn install --production')).toEqual([['mapped', 'run.yarn.install']]);
    expect(statuses('pnpm install --prod')).toEqual([['approximated', 'run.pnpm.install']]);
    // The lock file must be in the stage before the install.
    expect(statuses('yarn install', 'COPY package.json ./')).toEqual([['manual', 'run.node.other-manager']]);
  });
});

describe('a stage that only installs dependencies', () => {
  const lock = JSON.stringify({ name: 'web', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'web', version: '1.0.0' } } });
  const files = {
    'package.json': JSON.stringify({ name: 'web', version: '1.0.0', scripts: { build: 'vite build' } }),
    'package-lock.json': lock,
    'server.js': '',
  };
  it('is merged into the stage that copies its node_modules, which installs them from the lock file itself', () => {
    const plan = convert(
      'FROM node:20 AS deps\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\n' +
        'FROM node:20 AS builder\nWORKDIR /app\nCOPY --from=deps /app/node_modules ./node_modules\nCOPY . .\nRUN npm run build\n' +
        'FROM nginx:1.27\nCOPY --from=builder /app/dist /usr/share/nginx/html\n',
      files,
    );
    expect(plan.stages.map((s) => [s.name, s.role, s.builder])).toEqual([
      ['deps', 'merged', null],
      ['builder', 'build', 'npm'],
      [null, 'image', null],
    ]);
    expect(plan.derivations.map((d) => d.name)).toEqual(['builder']);
    expect(plan.derivations[0]!.build).toMatchObject({ kind: 'npm', manager: 'npm', dependencies: 'importNpmLock', buildScript: 'build' });
    expect(plan.instructions.find((i) => i.line === 7)).toMatchObject({ status: 'mapped', rule: 'copy.from-stage.node-modules' });
    expect(plan.summary.manual).toBe(0);
  });
  it('also when the image itself copies them and runs the app', () => {
    const plan = convert(
      'FROM node:20 AS deps\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nFROM node:20-slim\nWORKDIR /app\nCOPY --from=deps /app/node_modules ./node_modules\nCOPY . .\nCMD ["node", "server.js"]\n',
      files,
    );
    expect(plan.stages.map((s) => s.role)).toEqual(['merged', 'image']);
    expect(plan.derivations[0]!.build).toMatchObject({ kind: 'npm', omitDev: true, buildScript: null });
    expect(plan.summary.manual).toBe(0);
  });
  it('does not swallow other copies between build stages', () => {
    const plan = convert(
      'FROM node:20 AS a\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nFROM node:20 AS b\nCOPY --from=a /app/dist /dist\nRUN ls\nFROM nginx:1.27\nCOPY --from=b /dist /usr/share/nginx/html\n',
      files,
    );
    expect(plan.instructions.find((i) => i.line === 6)).toMatchObject({ status: 'manual' });
  });
});

describe('go.mod and Cargo.toml', () => {
  const goDockerfile = (tag: string) => `FROM golang:${tag} AS b\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nFROM scratch\nCOPY --from=b /app /app\n`;
  const goMod = 'module github.com/acme/tool/v2\n\ngo 1.26.1\n\nrequire example.com/x v1.0.0\n';
  it('takes the Go version from go.mod when the tag has none, and names the binary from the module path', () => {
    const build = convert(goDockerfile('alpine'), { 'go.mod': goMod, 'main.go': 'package main' }).derivations[0]!.build;
    expect(build).toMatchObject({ kind: 'go', builder: 'buildGo126Module', vendorHash: 'unknown', binaries: [{ installed: 'tool', wanted: 'app' }] });
  });
  it("keeps the tag's version when it has one", () => {
    expect(convert(goDockerfile('1.25'), { 'go.mod': goMod }).derivations[0]!.build).toMatchObject({ builder: 'buildGo125Module' });
  });
  it('reads the crate name and version from Cargo.toml', () => {
    const plan = convert(
      'FROM rust:1 AS b\nWORKDIR /w\nCOPY . .\nRUN cargo build --release --features tls,json\nFROM scratch\nCOPY --from=b /w/target/release/srv /srv\n',
      {
        'Cargo.toml': '[package]\nname = "srv"\nversion = "0.9.1"\n',
        'Cargo.lock': 'version = 4\n',
      },
    );
    expect(plan.derivations[0]).toMatchObject({ pname: 'srv', version: '0.9.1', build: { kind: 'rust', lockFile: 'Cargo.lock', features: ['tls', 'json'] } });
    expect(plan.image.files.map((f) => f.source)).toEqual([{ kind: 'derivation', derivation: 'b', path: 'bin/srv', directory: false }]);
  });
});

describe('decisions from an answers file', () => {
  const df = 'FROM node:22 AS web\nWORKDIR /s\nCOPY . .\nRUN npm ci && npm run build\nFROM alpine\nRUN apk add py2-pip\nCOPY --from=web /s/dist /srv\n';
  const files = { 'package.json': '{"name":"w","version":"1.0.0"}', 'package-lock.json': '{}' };
  const plan = (decisions: object) =>
    convertDockerfile(df, memoryContext(files), loadRules(), {
      shell,
      dockerfilePath: 'D',
      imageName: 't',
      contextFromOutput: '..',
      outputInContext: 'nix',
      decisions: decisions as never,
    }).plan;

  it('choose how a build stage becomes a derivation', () => {
    expect(plan({ packages: {} }).derivations[0]!.build).toMatchObject({ kind: 'npm', dependencies: 'importNpmLock' });
    expect(plan({ packages: {}, builds: { web: 'npmDepsHash' } }).derivations[0]!.build).toMatchObject({ kind: 'npm', dependencies: 'npmDepsHash' });
    expect(plan({ packages: {}, builds: { web: 'generic' } }).derivations[0]!.build.kind).toBe('generic');
  });
  it('choose or leave out packages, and report answers that fit nothing', () => {
    const chosen = plan({ packages: { 'apk:py2-pip': 'python312', 'apk:gone': null }, builds: { old: 'generic' } });
    expect(chosen.packages.find((p) => p.name === 'py2-pip')).toMatchObject({ nix: 'python312', confidence: 'high' });
    expect(chosen.unusedDecisions).toEqual(['apk:gone', 'build:old']);
    const left = plan({ packages: { 'apk:py2-pip': null } });
    expect(left.instructions.find((i) => i.line === 6)!.message).toMatch(/left out by your answers: py2-pip/);
    expect(left.image.python).toBeNull();
  });
});
