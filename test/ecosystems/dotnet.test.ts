/** .NET's truth table: restore/build/publish into buildDotnetModule, the deps.json side file, the published folder. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../../src/convert/convert.js';
import { memoryContext } from '../../src/convert/context.js';
import type { MigrationPlan } from '../../src/convert/types.js';
import { fsContext } from '../../src/io/fs-context.js';
import { loadRules } from '../../src/io/rules-files.js';
import { projectsDir } from '../helpers/projects.js';
import { runTester } from '../helpers/run-tester.js';
import { shell } from '../helpers/shell.js';

const files = { 'Api.csproj': '<Project Sdk="Microsoft.NET.Sdk.Web"></Project>\n', 'Program.cs': '', 'tools/Tool.csproj': '<Project></Project>\n' };
const dotnetBuild = (plan: MigrationPlan) => {
  const build = plan.derivations.map((d) => d.build).find((b) => b.kind === 'dotnet');
  expect(build, 'a buildDotnetModule derivation').toBeDefined();
  return build as Extract<typeof build, { kind: 'dotnet' }>;
};

runTester(
  'dotnet',
  {
    mapped: [
      { code: 'dotnet restore', rule: 'run.dotnet.restore', message: /nugetDeps/ },
      {
        code: 'dotnet publish -c Release -o /app/publish',
        rule: 'run.dotnet.publish',
        check: (plan) => {
          const build = dotnetBuild(plan);
          expect(build).toMatchObject({
            sdk: 'dotnet-sdk_8',
            projectFile: 'Api.csproj',
            buildType: 'Release',
            selfContained: false,
            runtimeId: null,
            nugetDeps: 'deps.json',
          });
        },
      },
      { code: 'dotnet publish --no-restore -c Debug -o out', check: (plan) => expect(dotnetBuild(plan).buildType).toBe('Debug') },
      {
        code: 'dotnet publish tools/Tool.csproj -c Release -r linux-musl-x64 --self-contained -p:PublishTrimmed=true -o /out',
        check: (plan) =>
          expect(dotnetBuild(plan)).toMatchObject({
            projectFile: 'tools/Tool.csproj',
            runtimeId: 'linux-musl-x64',
            selfContained: true,
            installFlags: ['-p:PublishTrimmed=true'],
          }),
      },
      {
        code: 'dotnet publish -r linux-x64 --self-contained false -o /out',
        check: (plan) => expect(dotnetBuild(plan)).toMatchObject({ runtimeId: 'linux-x64', selfContained: false }),
      },
      { code: 'dotnet build -c Release', rule: 'run.dotnet.build', check: (plan) => expect(dotnetBuild(plan).projectFile).toBe('Api.csproj') },
      {
        code: 'dotnet restore && dotnet publish -c Release -o /app/out',
        base: 'mcr.microsoft.com/dotnet/sdk:9.0',
        check: (plan) => expect(dotnetBuild(plan).sdk).toBe('dotnet-sdk_9'),
      },
    ],
    approximated: [{ code: 'dotnet build -c Release -o /app/build', rule: 'run.dotnet.build', message: /published app/ }],
    manual: [
      { code: 'dotnet tool install --global dotnet-ef', rule: 'run.dotnet.tool' },
      { code: 'dotnet nuget add source https://example.org/v3/index.json -n corp', rule: 'run.dotnet.nuget' },
      { code: 'dotnet dev-certs https', rule: 'run.dotnet.dev-certs' },
      { code: 'dotnet Api.dll --migrate', rule: 'run.dotnet.unknown' },
    ],
    ignored: [
      { code: 'dotnet test', rule: 'run.dotnet.test' },
      { code: 'dotnet clean', rule: 'run.dotnet.clean' },
      { code: 'dotnet nuget locals all --clear', rule: 'run.dotnet.cache' },
      { code: 'dotnet --info', rule: 'run.dotnet.info' },
      { code: 'dotnet --list-sdks', rule: 'run.dotnet.info' },
    ],
  },
  { base: 'mcr.microsoft.com/dotnet/sdk:8.0', before: 'WORKDIR /app\nCOPY . .', files },
);

function convert(dockerfile: string, context: Record<string, string | null> = files) {
  return convertDockerfile(dockerfile, memoryContext(context), loadRules(), {
    shell,
    dockerfilePath: 'Dockerfile',
    imageName: 'api',
    contextFromOutput: '..',
    outputInContext: 'nix',
  });
}

const multiStage = (runtime: string) => `FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY *.csproj ./
RUN dotnet restore
COPY . .
RUN dotnet publish -c Release -o /app/publish --no-restore
FROM ${runtime}
WORKDIR /app
COPY --from=build /app/publish .
ENTRYPOINT ["dotnet", "Api.dll"]
`;

describe('dotnet: the image and its files', () => {
  it('places the contents of the publish folder where WORKDIR expects them, and runs dotnet Api.dll', () => {
    const { plan, files: out } = convert(multiStage('mcr.microsoft.com/dotnet/aspnet:8.0'));
    expect(plan.instructions.filter((i) => i.status === 'manual')).toEqual([]);
    const copy = plan.image.files.find((f) => f.line === 9)!;
    expect(copy).toMatchObject({ dest: '/app', source: { kind: 'derivation', path: 'lib/Api' } });
    expect(out['default.nix']).toContain(`place "\${build}"'/lib/Api' 'app'`);
    expect(plan.image.config.Entrypoint).toEqual(['dotnet', 'Api.dll']);
    expect(plan.image.contents).toContain('dotnet-aspnetcore_8');
    expect(plan.image.config.Env).toContainEqual(['ASPNETCORE_HTTP_PORTS', '8080']);
    expect(plan.image.config.Env).toContainEqual(['DOTNET_RUNNING_IN_CONTAINER', 'true']);
  });

  it('writes deps.json as a side file, marks its generation step, and passes the build through the image', () => {
    const { files: out } = convert(multiStage('mcr.microsoft.com/dotnet/aspnet:8.0'));
    expect(out.extra).toEqual({ 'deps.json': '[ ]\n' });
    expect(out['default.nix']).toContain('nugetDeps = ./deps.json;');
    expect(out['default.nix']).toMatch(/# TODO\(dock2nix\): line 4: in this folder, run nix-build -A build\.fetch-deps && \.\/result deps\.json/);
    expect(out['default.nix']).toContain('passthru = { inherit build; };');
    expect(out['default.nix']).toContain('executables = [ ];');
  });

  it('passes the build through a nix2container image too', () => {
    const { files: out } = convertDockerfile(multiStage('mcr.microsoft.com/dotnet/runtime:9.0'), memoryContext(files), loadRules(), {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: 'api',
      contextFromOutput: '..',
      outputInContext: 'nix',
      format: 'nix2container',
    });
    expect(out['default.nix']).toMatch(/\/\/ \{ inherit build; \}/);
    expect(out['default.nix']).toContain('pkgs.dotnet-runtime_9');
  });

  it('has no side file without a .NET build', () => {
    expect(convert('FROM debian:bookworm\nRUN echo hi\n').files.extra).toEqual({});
  });

  it('takes the nearest .NET nixpkgs accepts for an end-of-life tag, and the port the old image used', () => {
    const { plan } = convert(multiStage('mcr.microsoft.com/dotnet/aspnet:7.0'));
    const from = plan.instructions.find((i) => i.line === 7)!;
    expect(from.status).toBe('approximated');
    expect(from.message).toMatch(/dotnet-aspnetcore_7 .*refuse|refuses/);
    expect(plan.image.contents).toContain('dotnet-aspnetcore_8');
    expect(plan.image.config.Env).toContainEqual(['ASPNETCORE_URLS', 'http://+:80']);
  });
});

describe.skipIf(!existsSync(path.join(projectsDir, 'vitormoschetta__csharp-minimal-api')))(
  'dotnet: the corpus project vitormoschetta/csharp-minimal-api',
  () => {
    it('converts with no manual instruction; only the NuGet generation step is marked', () => {
      const dir = path.join(projectsDir, 'vitormoschetta__csharp-minimal-api');
      const { plan, files: out } = convertDockerfile(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), fsContext(dir), loadRules(), {
        shell,
        dockerfilePath: 'Dockerfile',
        imageName: 'csharp-minimal-api',
        contextFromOutput: dir,
        outputInContext: null,
      });
      expect(plan.instructions.filter((i) => i.status === 'manual')).toEqual([]);
      expect(dotnetBuild(plan)).toMatchObject({ projectFile: 'csharp-minimal-api.csproj', sdk: 'dotnet-sdk_8', buildType: 'Release' });
      expect(out['default.nix'].match(/# TODO\(dock2nix\)/g)).toHaveLength(1);
      expect(out['default.nix']).toContain(`place "\${build}"'/lib/csharp-minimal-api' 'app'`);
      expect(out.extra).toEqual({ 'deps.json': '[ ]\n' });
    });
  },
);

describe('dotnet: the CLI writes the side file', () => {
  it('writes deps.json with default.nix, and keeps one that exists (what fetch-deps wrote), even with --force', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const { runConvert } = await import('../../src/cli/commands/convert.js');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-dotnet-'));
    try {
      const dockerfile = path.resolve(__dirname, '../../fixtures/dotnet-aspnet/Dockerfile');
      const output: string[] = [];
      const io = { stdout: (t: string) => void output.push(t), stderr: (t: string) => void output.push(t) };
      const options = { dockerfile, output: path.join(dir, 'out'), format: 'layered' as const, buildArg: [] };
      expect(await runConvert(options, io)).toBe(0);
      expect(readFileSync(path.join(dir, 'out', 'deps.json'), 'utf8')).toBe('[ ]\n');
      const generated = '[{"pname":"Serilog","version":"4.0.0","hash":"sha256-AAAA"}]\n';
      writeFileSync(path.join(dir, 'out', 'deps.json'), generated);
      expect(await runConvert({ ...options, force: true }, io)).toBe(0);
      expect(readFileSync(path.join(dir, 'out', 'deps.json'), 'utf8')).toBe(generated);
      expect(output.join('')).toMatch(/deps\.json: kept as it is/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
