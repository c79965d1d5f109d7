/**
 * Issue 13's classes that the lead fixed: the report claims only what the Nix does, and the image keeps working.
 * Each case is a pattern seen in a real project (../shared/corpus/projects).
 */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { loadRules } from '../src/io/rules-files.js';
import { expectMarkers } from './helpers/markers.js';
import { shell } from './helpers/shell.js';

function convert(dockerfile: string, files: Record<string, string | null> = {}) {
  return convertDockerfile(dockerfile, memoryContext(files), loadRules(), {
    shell,
    dockerfilePath: 'Dockerfile',
    imageName: 'test',
    contextFromOutput: '..',
    outputInContext: 'nix',
  });
}

const env = (plan: ReturnType<typeof convert>['plan']) => Object.fromEntries(plan.image.config.Env);

describe("ENV PATH extends the base image's PATH", () => {
  it('keeps the base PATH after the new folder (ramoswilly/projectfox: ENV PATH="/opt/venv/bin:$PATH")', () => {
    const { plan } = convert('FROM debian:bookworm-slim\nENV PATH="/opt/tool/bin:$PATH"\nCMD ["tool"]\n');
    expect(env(plan).PATH).toBe('/opt/tool/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  });
  it('keeps it through two ENV lines and ${PATH} braces', () => {
    const { plan } = convert('FROM debian:bookworm-slim\nENV PATH=/a:${PATH}\nENV PATH=$PATH:/b\n');
    expect(env(plan).PATH).toBe('/a:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/b');
  });
  it('gives nothing to extend in FROM scratch, as Docker does', () => {
    const { plan } = convert('FROM scratch\nENV PATH=/bin:$PATH\n');
    expect(env(plan).PATH).toBe('/bin:');
  });
  it('inherits the PATH a parent stage set', () => {
    const { plan } = convert('FROM debian:bookworm-slim AS base\nENV PATH=/opt/x/bin:$PATH\nFROM base\nENV PATH=/opt/y/bin:$PATH\n');
    expect(env(plan).PATH).toBe('/opt/y/bin:/opt/x/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  });
});

describe('TODO(dock2nix) markers', () => {
  it('puts a marker for each manual instruction where its work goes', () => {
    const { plan, files } = convert('FROM debian:bookworm-slim\nRUN ./install-it.sh\nCOPY --from=vendor/image:1 /x /x\nUSER $UNSET_USER_NAME\n');
    const manual = plan.instructions.filter((i) => i.status === 'manual').map((i) => i.line);
    expect(manual).toContain(2);
    expectMarkers(plan, files['default.nix']);
    expect(files['default.nix']).toMatch(/# TODO\(dock2nix\): line 2: RUN: [^\n]*\n\s*contents = /);
    expect(files['default.nix'].split('\n').slice(0, 4).join('\n')).toContain('see TODO(dock2nix)');
  });
  it('says nothing of markers in the header when there are none', () => {
    const { files } = convert('FROM debian:bookworm-slim\nCMD ["true"]\n');
    expect(files['default.nix']).not.toContain('TODO(dock2nix)');
    expect(files['flake.nix']).not.toContain('TODO(dock2nix)');
  });
});

describe('parser warnings reach the report', () => {
  it('lists an undefined variable and a malformed JSON form, with their lines, in the plan and both reports', async () => {
    const { plan } = convert('FROM debian:bookworm-slim\nWORKDIR /srv/$NOT_DEFINED_ANYWHERE\nCMD [not json]\n');
    expect(plan.warnings).toEqual([
      { line: 2, message: expect.stringContaining('$NOT_DEFINED_ANYWHERE is not defined') },
      { line: 3, message: expect.stringContaining('not a valid JSON array') },
    ]);
    const { jsonReport, textReport } = await import('../src/report/report.js');
    expect(jsonReport(plan, []).warnings).toEqual(plan.warnings);
    expect(textReport(plan, [])).toMatch(/warnings:\n\s+line 2: variable \$NOT_DEFINED_ANYWHERE/);
  });
});

describe('bases that real projects use', () => {
  it('distroless static/base/cc: certificates, the nonroot user, no shell; :nonroot runs as 65532', () => {
    for (const base of [
      'gcr.io/distroless/static-debian12',
      'gcr.io/distroless/base-debian10',
      'gcr.io/distroless/cc-debian12@sha256:329e54034ce498f9c6b345044e8f530c6691f99e94a92446f68c0adf9baa8464',
    ]) {
      const { plan } = convert(`FROM ${base}\nCOPY app /app\nENTRYPOINT ["/app"]\n`, { app: '' });
      expect(plan.instructions[0]!.status, base).toBe('mapped');
      expect(plan.image.contents).toContain('dockerTools.caCertificates');
      expect(plan.image.contents).not.toContain('dockerTools.binSh');
      expect(plan.image.users?.passwd).toContain('nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin');
      expect(plan.image.config.User).toBeNull();
    }
    const { plan } = convert('FROM gcr.io/distroless/static:nonroot\nCOPY app /app\nENTRYPOINT ["/app"]\n', { app: '' });
    expect(plan.image.config.User).toBe('65532');
    expect(plan.image.config.WorkingDir).toBe('/home/nonroot');
    expect(plan.image.directories).toContainEqual({ path: '/home/nonroot', mode: null, owner: '65532:65532' });
  });
  it('distroless :debug adds a shell; USER nonroot resolves to 65532', () => {
    const { plan } = convert('FROM gcr.io/distroless/base-debian12:debug-nonroot\nUSER nonroot:nonroot\nCMD ["sh"]\n');
    expect(plan.image.contents).toContain('busybox');
    expect(plan.instructions.find((i) => i.keyword === 'USER')?.message).toContain('65532');
  });
  it('distroless nodejs and python fix the runtime from the repository name; their Entrypoint runs it', () => {
    const node = convert('FROM gcr.io/distroless/nodejs22-debian12\nCOPY index.js /app/index.js\nCMD ["/app/index.js"]\n', { 'index.js': '' }).plan;
    expect(node.image.contents).toContain('nodejs_22');
    expect(node.image.config.Entrypoint).toEqual(['node']);
    const python = convert('FROM gcr.io/distroless/python3-debian12\nCOPY main.py /app/main.py\nCMD ["/app/main.py"]\n', { 'main.py': '' }).plan;
    expect(python.image.python?.attr).toMatch(/^python3\d+$/);
    expect(python.image.config.Entrypoint).toEqual(['python3']);
  });
  it('denoland/deno: deno as the Entrypoint, its user and a DENO_DIR that user owns (Wissididom/Spotify-Discord-Show-Episodes-Webhook)', () => {
    const { plan } = convert('FROM denoland/deno:2.7.9\nWORKDIR /app\nCOPY main.ts .\nUSER deno\nCMD ["run", "-ERWN", "main.ts"]\n', { 'main.ts': '' });
    expect(plan.instructions.map((i) => i.status)).toEqual(['mapped', 'mapped', 'mapped', 'mapped', 'mapped']);
    expect(plan.image.contents).toContain('deno');
    expect(plan.image.config.Entrypoint).toEqual(['deno']);
    expect(plan.image.config.Cmd).toEqual(['run', '-ERWN', 'main.ts']);
    expect(plan.image.directories).toContainEqual({ path: '/deno-dir', mode: null, owner: '1993:1993' });
    expect(Object.fromEntries(plan.image.config.Env).DENO_DIR).toBe('/deno-dir/');
  });
});

describe('the uv images (mjaliz/photojoo)', () => {
  it("take the Python of the tag's pythonX.Y part, leave uv out and run uv run's program from the environment", () => {
    const { plan } = convert(
      'FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim\nWORKDIR /app\nCOPY pyproject.toml .\nRUN uv sync\nCMD ["uv", "run", "uvicorn", "main:app"]\n',
      {
        'pyproject.toml': '[project]\nname = "x"\nversion = "1"\ndependencies = ["uvicorn", "fastapi"]\n',
      },
    );
    expect(plan.instructions[0]!.status).not.toBe('manual');
    expect(plan.image.python?.attr).toBe('python312');
    expect(plan.image.contents).not.toContain('uv');
    expect(plan.image.config.Cmd).toEqual(['uvicorn', 'main:app']);
  });
});

describe('HEALTHCHECK keeps the tools it calls', () => {
  it('adds wget that node:alpine had through busybox (masneto/cronicas-app)', () => {
    const { plan } = convert('FROM node:22-alpine\nCMD ["node", "x.js"]\nHEALTHCHECK CMD wget -qO- http://localhost:3000/health || exit 1\n');
    expect(plan.image.contents).toContain('wget');
    expect(plan.instructions.at(-1)?.message).toContain('adds wget');
  });
  it('adds curl in exec form, and adds nothing the image already has', () => {
    expect(convert('FROM debian:bookworm-slim\nHEALTHCHECK CMD ["/usr/bin/curl", "-f", "http://localhost/"]\n').plan.image.contents).toContain('curl');
    const alpine = convert('FROM alpine:3.20\nHEALTHCHECK CMD wget -q --spider http://localhost/\n').plan;
    expect(alpine.image.contents).not.toContain('wget');
    const installed = convert('FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nHEALTHCHECK CMD curl -f http://localhost/\n').plan;
    expect(installed.instructions.at(-1)?.message).not.toContain('adds');
  });
});

describe('COPY --from another stage, as Docker places it', () => {
  const next = [
    'FROM node:22-alpine AS builder',
    'WORKDIR /app',
    'COPY . .',
    'RUN npm ci && npm run build',
    'FROM node:22-alpine',
    'WORKDIR /app',
    'COPY --from=builder /app/public ./public',
    'COPY --from=builder /app/.next/standalone ./',
    'COPY --from=builder /app/.next/static ./.next/static',
    'COPY --from=builder /app/package.json ./',
    'CMD ["node", "server.js"]',
    '',
  ].join('\n');
  const files = {
    'package.json': '{"name":"x","version":"1.0.0","scripts":{"build":"next build"}}',
    'package-lock.json': '{"lockfileVersion":3,"packages":{}}',
  };

  it('merges a folder into ./ and puts a file inside it (samuel-langarica/portfolio-landing, Next.js standalone)', () => {
    const { plan } = convert(next, files);
    const placed = plan.image.files.filter((f) => f.source.kind === 'derivation').map((f) => [f.source.kind === 'derivation' ? f.source.path : '', f.dest]);
    expect(placed).toEqual([
      ['public', '/app/public'],
      ['.next/standalone', '/app'],
      ['.next/static', '/app/.next/static'],
      ['package.json', '/app/package.json'],
    ]);
  });

  it('expands a wildcard to the files the stage made, never a literal *', () => {
    const dockerfile =
      'FROM golang:1.25 AS build\nWORKDIR /src\nCOPY go.mod main.go ./\nRUN go build -o dist/app-linux ./\nFROM debian:bookworm-slim\nCOPY --from=build /src/dist/app* /usr/local/bin/\nCMD ["app-linux"]\n';
    const { plan, files: out } = convert(dockerfile, { 'go.mod': 'module x\n\ngo 1.25\n', 'main.go': '' });
    expect(plan.image.files.map((f) => f.dest)).toContain('/usr/local/bin/app-linux');
    expect(out['default.nix']).not.toMatch(/app\*/);
  });

  it('expands a wildcard over a folder the stage copied from the context to the context files, installed by its derivation', () => {
    const stage = 'FROM busybox:1.36 AS build\nWORKDIR /src\nCOPY main.txt ./\nCOPY bin/ ./bin/\n';
    const context = { 'main.txt': 'x\n', 'bin/app-migrate': 'm\n', 'bin/app-seed': 's\n', 'bin/other': 'o\n' };
    const { plan } = convert(`${stage}RUN cp main.txt server\nFROM scratch\nCOPY --from=build /src/bin/app-* /usr/local/bin/\n`, context);
    expect(plan.image.files.map((f) => [f.source.kind === 'derivation' ? f.source.path : '', f.dest])).toEqual([
      ['bin/app-migrate', '/usr/local/bin/app-migrate'],
      ['bin/app-seed', '/usr/local/bin/app-seed'],
    ]);
    expect(plan.derivations[0]!.outputs.map((o) => o.from)).toEqual(['bin/app-migrate', 'bin/app-seed']);
    expect(plan.instructions.find((i) => i.line === 7)?.status).toBe('mapped');
    // A command of the stage names the folder: it may add matches the context lacks.
    const touched = convert(`${stage}RUN cp main.txt bin/app-extra\nFROM scratch\nCOPY --from=build /src/bin/app-* /usr/local/bin/\n`, context).plan;
    expect(touched.instructions.find((i) => i.line === 7)).toMatchObject({ status: 'approximated', message: expect.stringMatching(/may add others/) });
  });

  it('marks a wildcard over build output it cannot list as manual, with its marker', () => {
    const dockerfile =
      'FROM node:22-alpine AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nFROM nginx:alpine\nCOPY --from=build /app/dist/*.html /usr/share/nginx/html/\n';
    const { plan, files: out } = convert(dockerfile, files);
    expect(plan.instructions.find((i) => i.line === 6)?.status).toBe('manual');
    expectMarkers(plan, out['default.nix']);
    expect(
      out['default.nix']
        .split('\n')
        .filter((l) => !/^\s*#/.test(l))
        .join('\n'),
    ).not.toMatch(/\*\.html/);
  });
});
