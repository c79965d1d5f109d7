/**
 * The plan on its own (src/convert/plan.ts and its deciders): what every caller gets without the CLI, and reports
 * that are written once, with what is learnt after the walk noted on the instruction it belongs to.
 */
import { describe, expect, it } from 'vitest';
import { memoryContext } from '../src/convert/context.js';
import { planMigration, type PlanOptions } from '../src/convert/plan.js';
import { ReportBook } from '../src/convert/reports.js';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { loadRules } from '../src/io/rules-files.js';
import { shell } from './helpers/shell.js';

const rules = loadRules();
const options: PlanOptions = { shell, format: 'layered', imageName: 'x', contextFromOutput: '..', outputInContext: null, toolVersion: '0', contextLabel: '.' };

function plan(source: string, files: Record<string, string | null> = {}, extra: Partial<PlanOptions> = {}) {
  const buildArgs = extra.buildArgs;
  return planMigration(parseDockerfile(source, 'Dockerfile', { buildArgs }), memoryContext(files), rules, { ...options, ...extra });
}

describe('planMigration', () => {
  it('reports --build-arg values that look like credentials, without the CLI or convertDockerfile', () => {
    const token = 'ghp_' + 'a'.repeat(36);
    const result = plan('FROM alpine\nCMD ["true"]\n', {}, { buildArgs: { GITHUB_TOKEN: token, MODE: 'release' } });
    expect(result.secrets).toEqual([{ line: 0, keyword: 'ARG', name: 'GITHUB_TOKEN', reason: 'the value looks like a GitHub token', value: token }]);
  });

  it('reports a --build-arg value once when an ARG already reported it', () => {
    const result = plan('FROM alpine\nARG API_TOKEN\nENV API_KEY=$API_TOKEN\n', {}, { buildArgs: { API_TOKEN: 'hunter2-abc' } });
    expect(result.secrets.map((s) => [s.line, s.keyword, s.name])).toEqual([[3, 'ENV', 'API_KEY']]);
  });

  it('gives every keyword its own decider', () => {
    const source = [
      'ARG BASE=alpine',
      'FROM ${BASE} AS base',
      'LABEL a=b',
      'MAINTAINER someone',
      'ENV TZ=UTC',
      'WORKDIR /app',
      'COPY app.txt /app/',
      'ADD app.txt /opt/',
      'RUN true',
      'USER nobody',
      'EXPOSE 8080',
      'VOLUME /data',
      'STOPSIGNAL SIGTERM',
      'SHELL ["/bin/sh", "-c"]',
      'HEALTHCHECK NONE',
      'ONBUILD RUN true',
      'ENTRYPOINT ["/bin/true"]',
      'CMD ["x"]',
    ].join('\n');
    const result = plan(`${source}\n`, { 'app.txt': 'x' });
    const rules = Object.fromEntries(result.instructions.map((r) => [r.keyword, r.rule]));
    expect(rules).toEqual({
      ARG: 'arg',
      FROM: 'from.os',
      LABEL: 'label',
      MAINTAINER: 'maintainer',
      ENV: 'env',
      WORKDIR: 'workdir',
      COPY: 'copy.context',
      ADD: 'copy.context',
      RUN: expect.stringMatching(/^run\./),
      USER: 'user',
      EXPOSE: 'expose',
      VOLUME: 'volume',
      STOPSIGNAL: 'stopsignal',
      SHELL: 'shell',
      HEALTHCHECK: 'healthcheck.none',
      ONBUILD: 'onbuild',
      ENTRYPOINT: 'entrypoint',
      CMD: 'cmd',
    });
    expect(result.instructions.map((r) => r.line)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
  });

  it("puts what a derivation finds about a parent stage's build step on that step's line (it was dropped)", () => {
    const source = 'FROM rust:1.80 AS build\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nFROM build\nCMD ["/app/target/release/app"]\n';
    const result = plan(source, { 'Cargo.toml': '[package]\nname = "app"\nversion = "0.1.0"\n', 'src/main.rs': '' });
    const cargo = result.instructions.find((r) => r.line === 4)!;
    expect(cargo.status).toBe('manual');
    expect(cargo.message).toMatch(/there is no Cargo\.lock in the build context/);
  });

  it("says on the COPY line where a Python-only stage's files land and that its packages join the environment", () => {
    const source =
      'FROM python:3.12 AS deps\nRUN pip install --prefix=/install flask\nFROM python:3.12-slim\nCOPY --from=deps /install /usr/local\nCMD ["flask", "run"]\n';
    const copy = plan(source).instructions.find((r) => r.line === 4)!;
    expect(copy.status).toBe('approximated');
    expect(copy.message).toMatch(
      /^\/install from stage "deps" → \/usr\/local; the Python packages installed in that stage join the image's Python environment instead/,
    );
  });

  it('says what becomes of RUN --network (it was dropped)', () => {
    const result = plan('FROM alpine\nRUN --network=host apk add curl\nRUN --network=none apk add jq\nRUN --network=default apk add git\n');
    const message = (line: number) => result.instructions.find((r) => r.line === line)!.message;
    expect(message(2)).toMatch(/--network=host: Nix builds have no network; what the command downloads must come from a fixed-output derivation/);
    expect(message(3)).toMatch(/--network=none: Nix builds have no network either/);
    expect(message(4)).not.toMatch(/network/);
  });

  it('marks a copy between two build stages manual once', () => {
    const source =
      'FROM golang:1.22 AS a\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\nFROM golang:1.22 AS b\nCOPY --from=a /out/app /bin/app\nRUN true\nFROM alpine\nCOPY --from=b /bin/app /app\n';
    const copy = plan(source, { 'go.mod': 'module x\n', 'main.go': '' }).instructions.find((r) => r.line === 6)!;
    expect(copy.status).toBe('manual');
    expect(copy.message.match(/copying between build stages is not converted/g)).toHaveLength(1);
  });
});

describe('ReportBook', () => {
  const [from, run, cmd] = parseDockerfile('FROM alpine\nRUN true\nCMD ["x"]\n', 'Dockerfile').stages[0]!.instructions;

  it('writes each decision once, with its notes in the order noted, raising the status', () => {
    const book = new ReportBook();
    book.decided(from!, 0, { status: 'mapped', rule: 'from.os', message: 'alpine' });
    book.decided(run!, 0, { status: 'mapped', rule: 'run', message: 'true', details: ['d'] });
    book.decided(cmd!, 0, {
      status: 'mapped',
      rule: 'cmd',
      message: 'x',
      settle: () => ({ status: 'approximated', rule: 'cmd.late', message: 'x at the end' }),
    });
    book.note(run!, { raise: 'approximated', text: 'first' });
    book.note(run!, { raise: 'mapped', text: 'second' });
    book.note(from!, { raise: 'manual', text: 'by hand' });
    book.note(from!, { raise: 'manual', unlessManual: true, text: 'left out' });
    expect(book.write()).toEqual([
      { line: 1, endLine: 1, keyword: 'FROM', stage: 0, status: 'manual', rule: 'from.os', message: 'alpine; by hand', details: [] },
      { line: 2, endLine: 2, keyword: 'RUN', stage: 0, status: 'approximated', rule: 'run', message: 'true; first; second', details: ['d'] },
      { line: 3, endLine: 3, keyword: 'CMD', stage: 0, status: 'approximated', rule: 'cmd.late', message: 'x at the end', details: [] },
    ]);
    expect(() => book.note(run!, { raise: null, text: 'too late' })).toThrow(/after the reports were written/);
  });
});
