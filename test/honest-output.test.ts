/**
 * Issue 13's classes that the lead fixed: the report claims only what the Nix does, and the image keeps working.
 * Each case is a pattern seen in a real project (../shared/corpus/projects).
 */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { loadRules } from '../src/rules/load.js';
import { expectMarkers } from './helpers/markers.js';

function convert(dockerfile: string, files: Record<string, string | null> = {}) {
  return convertDockerfile(dockerfile, memoryContext(files), loadRules(), {
    dockerfilePath: 'Dockerfile',
    imageName: 'test',
    contextFromOutput: '..',
    outputInContext: 'nix',
  });
}

const env = (plan: ReturnType<typeof convert>['plan']) => Object.fromEntries(plan.image.config.Env);

describe('ENV PATH extends the base image\'s PATH', () => {
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
