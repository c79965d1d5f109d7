/**
 * Partial migration (issue 16): a base dock2nix cannot map, or any base under --keep-base, stays a pulled image
 * (`fromImage = pullImage {…}`) and the Dockerfile's own layers go on top. What the plan and the Nix say about it.
 */
import { describe, expect, it } from 'vitest';
import { memoryContext } from '../src/convert/context.js';
import { planMigration, type PlanOptions } from '../src/convert/plan.js';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { loadRules } from '../src/io/rules-files.js';
import { emitNix } from '../src/nix/emit.js';
import { shell } from './helpers/shell.js';

const rules = loadRules();
const options: PlanOptions = { shell, format: 'layered', imageName: 'x', contextFromOutput: '..', outputInContext: null, toolVersion: '0', contextLabel: '.' };
const digest = `sha256:${'ab'.repeat(32)}`;

function plan(source: string, extra: Partial<PlanOptions> = {}, files: Record<string, string | null> = { 'app.dll': '' }) {
  return planMigration(parseDockerfile(source, 'Dockerfile'), memoryContext(files), rules, { ...options, ...extra });
}
const line = (p: ReturnType<typeof plan>, n: number) => p.instructions.find((i) => i.line === n)!;

describe('partial migration', () => {
  it('keeps an unknown base pinned by digest: its digest, no Nix passwd, shell, certificates or default PATH on top', () => {
    const p = plan(`FROM registry.example.com/base:2@${digest}\nCOPY app.dll /app/\nUSER app\nCMD ["dotnet", "/app/app.dll"]\n`);
    expect(p.image.baseImage).toEqual({ line: 1, imageName: 'registry.example.com/base', tag: '2', digest, why: 'unknown' });
    expect(line(p, 1)).toMatchObject({ status: 'approximated', rule: 'from.kept' });
    expect(line(p, 1).message).toContain("inherits only the base's Env");
    expect(p.image.users).toBeNull();
    expect(p.image.contents).toEqual([]);
    expect(p.image.config.Env).toEqual([]);
    expect(p.image.directories.map((d) => d.path)).not.toContain('/tmp');
    expect(line(p, 3)).toMatchObject({ status: 'approximated', rule: 'user.kept-base' });
    const nix = emitNix(p)['default.nix'];
    expect(nix).toContain(`imageDigest = "${digest}";`);
    expect(nix).toContain('fromImage = baseImage;');
    expect(nix).not.toMatch(/dockerTools\.(fakeNss|binSh|usrBinEnv|caCertificates)/);
    expect(nix).toMatch(/# TODO\(dock2nix\): line 1: build once, then replace lib\.fakeHash/);
  });

  it('asks for nix-prefetch-docker on an unpinned base, with the placeholder digest', () => {
    const p = plan('FROM registry.example.com/platform/aspnet:8.0\nCOPY app.dll /app/\n');
    expect(p.image.baseImage?.digest).toBeNull();
    const nix = emitNix(p)['default.nix'];
    expect(nix).toContain(`imageDigest = "sha256:${'0'.repeat(64)}";`);
    expect(nix).toContain(
      '# TODO(dock2nix): line 1: run nix-prefetch-docker --image-name registry.example.com/platform/aspnet --image-tag 8.0 and paste imageDigest and hash',
    );
    expect(nix).toContain('finalImageTag = "8.0";');
  });

  it('keeps a known base only under --keep-base, and leaves out what the base provides', () => {
    const source = 'FROM node:22-slim\nWORKDIR /app\nCOPY app.dll ./\nCMD ["node", "app.dll"]\n';
    expect(plan(source).image.baseImage).toBeNull();
    const kept = plan(source, { keepBase: true });
    expect(kept.image.baseImage).toMatchObject({ imageName: 'node', tag: '22-slim', why: 'keep-base' });
    expect(kept.image.contents.some((attr) => attr.startsWith('nodejs'))).toBe(false);
    expect(line(kept, 1)).toMatchObject({ status: 'approximated', rule: 'from.keep-base' });
    expect(line(kept, 4).status).toBe('mapped');
  });

  it('says a build stage on an unknown base cannot run inside a pulled image (manual), and --keep-base leaves build stages to Nix', () => {
    const source = 'FROM registry.example.com/toolchain:5 AS build\nRUN make\nFROM registry.example.com/runtime:1\nCOPY --from=build /out /out\n';
    const p = plan(source);
    expect(line(p, 1)).toMatchObject({ status: 'manual', rule: 'from.unknown' });
    expect(line(p, 1).message).toContain('cannot run inside a pulled image');
    expect(p.image.baseImage?.imageName).toBe('registry.example.com/runtime');
    const chained = plan('FROM registry.example.com/runtime:1 AS base\nFROM base AS build\nRUN make\nFROM base\nCOPY --from=build /out /out\n');
    expect(line(chained, 2)).toMatchObject({ status: 'manual', rule: 'from.stage.kept-base' });
    expect(chained.image.baseImage?.line).toBe(1);
    const keep = plan('FROM golang:1.25 AS build\nCOPY app.dll .\nRUN go build -o /out/x .\nFROM alpine:3.20\nCOPY --from=build /out/x /x\n', {
      keepBase: true,
    });
    expect(line(keep, 1).status).not.toBe('manual');
    expect(keep.image.baseImage?.imageName).toBe('alpine');
  });

  it("uses nix2container.pullImage with sha256 and says the base's config is not inherited at all", () => {
    const p = plan('FROM registry.example.com/runtime:1\nCOPY app.dll /app/\n', { format: 'nix2container' });
    expect(line(p, 1).message).toContain('none of its config');
    const nix = emitNix(p)['default.nix'];
    expect(nix).toContain('baseImage = nix2container.pullImage {');
    expect(nix).toContain('sha256 = lib.fakeHash;');
    expect(nix).not.toContain('finalImageTag');
    expect(nix).toContain('fromImage = baseImage;');
  });

  it('does not keep scratch', () => {
    expect(plan('FROM scratch\nCOPY app.dll /\n', { keepBase: true }).image.baseImage).toBeNull();
  });
});
