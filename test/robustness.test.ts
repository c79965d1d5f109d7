/**
 * Dockerfiles generated from a grammar of every instruction and flag, both forms, quoting, escapes, line
 * continuations, heredocs, directives, CRLF, a BOM, unicode and long lines: no uncaught exception, every
 * instruction accounted for, and the generated Nix passes the real parser. Plus a table of bad inputs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { memoryContext } from '../src/convert/context.js';
import { isDock2nixError } from '../src/errors.js';
import { loadRules } from '../src/io/rules-files.js';
import { nixParse, requireTool } from './helpers/tools.js';
import { shell } from './helpers/shell.js';

const word = fc.stringMatching(/^[a-z][a-z0-9._-]{0,8}$/);
const text = fc.oneof(word, fc.constantFrom('${A}', '$B', "it's", 'a b', '"q"', '\\', '${x:-y}', 'é✓', "''", '`', '#', ';', '&&', 'x'.repeat(300)));
const quoted = text.map((t) => JSON.stringify(t));
const image = fc.constantFrom(
  'alpine:3.19',
  'debian:bookworm-slim',
  'python:3.12-slim',
  'node:lts',
  'golang:1.25',
  'scratch',
  'nginx',
  'caddy:2',
  'redis:7',
  'ghcr.io/x/y:1@sha256:abc',
  'busybox',
  'rust:1',
  '${BASE}',
);
const command = fc.oneof(
  fc.constantFrom(
    'apk add --no-cache curl jq',
    'apt-get update && apt-get install -y python3-pip && rm -rf /var/lib/apt/lists/*',
    'pip install flask==3.0 requests',
    'npm ci && npm run build',
    'go build -o /out/app .',
    'cargo build --release',
    'useradd -m -u 1000 app',
    'mkdir -p /data && chown app /data',
    'curl -fsSL https://x.y/z | sh',
    'if [ -f x ]; then echo y; fi',
    'for i in 1 2; do echo $i; done',
    'echo "unterminated',
    'apk add $PKGS',
    'cd /tmp && make install',
  ),
  text.map((t) => `echo ${t}`),
);
const execForm = fc.array(text, { minLength: 1, maxLength: 3 }).map((a) => JSON.stringify(a));

const instruction = fc.oneof(
  command.map((c) => `RUN ${c}`),
  command.map((c) => `RUN --mount=type=cache,target=/root/.cache \\\n  ${c}`),
  command.map((c) => `RUN <<EOF\n${c}\nEOF`),
  execForm.map((c) => `RUN ${c}`),
  fc.tuple(word, word).map(([a, b]) => `COPY --chown=${a}:${a} --chmod=644 ${b} /app/`),
  fc.tuple(word, word).map(([a, b]) => `COPY --from=${a} /x/${b} /y/`),
  word.map((a) => `ADD https://example.org/${a}.tar.gz /opt/`),
  quoted.map((q) => `COPY [${q}, "/dest/"]`),
  text.map((t) => `COPY <<EOF /etc/conf\n${t}\nEOF`),
  fc.tuple(word, text).map(([k, v]) => `ENV ${k.replace(/[.-]/g, '_')}=${JSON.stringify(v)}`),
  fc.tuple(word, text).map(([k, v]) => `ENV ${k.replace(/[.-]/g, '_')} ${v}`),
  fc.tuple(word, text).map(([k, v]) => `ARG ${k.replace(/[.-]/g, '_')}=${JSON.stringify(v)}`),
  fc.tuple(word, text).map(([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`),
  fc.constantFrom(
    'EXPOSE 80',
    'EXPOSE 53/udp 8080/tcp',
    'VOLUME /data',
    'VOLUME ["/a", "/b"]',
    'STOPSIGNAL SIGTERM',
    'USER 1000:1000',
    'USER app',
    'WORKDIR /srv/app',
    'WORKDIR rel',
    'SHELL ["/bin/bash", "-c"]',
    'ONBUILD RUN echo hi',
    'MAINTAINER someone',
    'HEALTHCHECK NONE',
    'HEALTHCHECK --interval=5s CMD curl -f http://localhost/ || exit 1',
    'CMD [not json',
    'ENTRYPOINT',
  ),
  execForm.map((c) => `CMD ${c}`),
  text.map((t) => `ENTRYPOINT echo ${t}`),
);

const stage = fc
  .tuple(image, fc.option(word, { nil: undefined }), fc.boolean(), fc.array(instruction, { maxLength: 6 }))
  .map(([from, name, platform, body]) => [`FROM ${platform ? '--platform=$BUILDPLATFORM ' : ''}${from}${name ? ` AS ${name}` : ''}`, ...body].join('\n'));

const dockerfile = fc
  .tuple(
    fc.constantFrom('', '# syntax=docker/dockerfile:1\n', '# escape=`\n'),
    fc.option(fc.constant('ARG BASE=alpine\n'), { nil: '' }),
    fc.array(stage, { minLength: 1, maxLength: 3 }),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([directive, args, stages, crlf, bom]) => {
    const body = `${directive}${args}${stages.join('\n')}\n`;
    return `${bom ? '\ufeff' : ''}${crlf ? body.replace(/\n/g, '\r\n') : body}`;
  });

const out = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-robust-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('generated Dockerfiles', () => {
  it('convert without crashing, account for every instruction, and give Nix that parses', () => {
    const samples = fc.sample(dockerfile, { numRuns: 160, seed: 1234 });
    const nix: string[] = [];
    let rejected = 0;
    for (const source of samples) {
      let result;
      try {
        result = convertDockerfile(source, memoryContext({ app: null, 'a.txt': 'x' }), loadRules(), {
          shell,
          dockerfilePath: 'Dockerfile',
          imageName: 'generated',
          contextFromOutput: '..',
          outputInContext: 'nix',
          buildArgs: { BASE: 'alpine' },
        });
      } catch (error) {
        if (!isDock2nixError(error)) throw new Error(`uncaught ${String(error)} for:\n${source}`, { cause: error });
        expect(error.oneLine()).not.toContain('\n');
        rejected++;
        continue;
      }
      const expected = DockerfileParser.parse(source.replace(/^\ufeff/, '').replace(/\r\n/g, '\n'))
        .getInstructions()
        .map((i) => i.getRange().start.line + 1);
      expect(
        result.plan.instructions.map((i) => i.line).sort((a, b) => a - b),
        source,
      ).toEqual(expected.sort((a, b) => a - b));
      nix.push(result.files['default.nix'], result.files['flake.nix']);
    }
    expect(rejected).toBeLessThan(samples.length / 2);
    if (!requireTool('nix-instantiate', 'parsing generated Nix')) return;
    const file = path.join(out, 'all.nix');
    writeFileSync(file, `[\n${nix.map((n) => `(\n${n}\n)`).join('\n')}\n]\n`);
    nixParse(file);
  });
});

const bad: Array<[string, string | Buffer, RegExp]> = [
  ['an empty file', '', /Dockerfile:1: no FROM instruction/],
  ['only comments', '# nothing here\n\n', /no FROM instruction/],
  ['a binary file', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]), /binary file/],
  ['an instruction before FROM', 'RUN echo\nFROM alpine\n', /Dockerfile:1: RUN before the first FROM/],
  ['an unknown instruction', 'FROM alpine\nCOPYY a b\n', /Dockerfile:2: unknown instruction: COPYY/],
  ['a bad escape directive', '# escape=%\nFROM alpine\n', /Dockerfile:1: invalid escape directive/],
  ['duplicate stage names', 'FROM alpine AS x\nFROM debian AS X\n', /Dockerfile:2: duplicate stage name "x"/],
  ['FROM without an image', 'FROM --platform=linux/amd64\n', /Dockerfile:1: FROM names no image|FROM takes an image/],
  ['FROM with junk', 'FROM alpine as\n', /Dockerfile:1: FROM takes an image and an optional "AS name"/],
  ['SHELL in shell form', 'FROM alpine\nSHELL /bin/bash -c\n', /Dockerfile:2: SHELL must be written in JSON form/],
  ['COPY with one argument', 'FROM alpine\nCOPY onlyone\n', /Dockerfile:2: COPY needs at least one source and a destination/],
  ['HEALTHCHECK without CMD', 'FROM alpine\nHEALTHCHECK curl x\n', /Dockerfile:2: HEALTHCHECK needs CMD/],
];

describe('bad input', () => {
  it.each(bad)('%s → one located line', (_, source, message) => {
    const text = typeof source === 'string' ? source : source.toString('latin1');
    let error: unknown;
    try {
      convertDockerfile(text, memoryContext({}), loadRules(), {
        shell,
        dockerfilePath: 'Dockerfile',
        imageName: 'x',
        contextFromOutput: '..',
        outputInContext: 'nix',
      });
    } catch (e) {
      error = e;
    }
    expect(isDock2nixError(error)).toBe(true);
    expect((error as { oneLine(): string }).oneLine()).toMatch(message);
  });

  it.each([
    ['a JSON form that is not JSON', 'FROM alpine\nCMD ["a", b]\n', 2, /looks like JSON/],
    ['a self-referencing ARG', 'FROM alpine\nARG A=$A/x\n', 2, /refers to itself/],
    ['an undefined variable', 'FROM alpine\nENV X=$NOPE\n', 2, /\$NOPE is not defined/],
  ])('%s → a warning on its line, not an error', (_, source, line, message) => {
    const df = parseDockerfile(source, 'Dockerfile');
    expect(df.warnings.some((w) => w.line === line && message.test(w.message))).toBe(true);
  });

  it.each([
    [
      'COPY --from a stage that does not exist',
      'FROM alpine\nCOPY --from=builder /x /x\n',
      /from the image builder: Nix cannot take files out of a registry image/,
    ],
    ['an unterminated heredoc', 'FROM alpine\nRUN <<EOF\necho hi\n', /.+/],
    ['COPY from outside the context', 'FROM alpine\nCOPY ../../etc/passwd /x\n', /outside the build context/],
    ['an absolute COPY source', 'FROM alpine\nCOPY /etc/passwd /x\n', /not in the build context/],
    ['a shell script that does not parse', 'FROM alpine\nRUN if then fi\n', /shell cannot parse/],
  ])('%s → converted, with the problem reported on its line', (_, source, message) => {
    const { plan } = convertDockerfile(source, memoryContext({}), loadRules(), {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: 'x',
      contextFromOutput: '..',
      outputInContext: 'nix',
    });
    const second = plan.instructions.find((i) => i.line === 2)!;
    expect(second.status).not.toBe('mapped');
    expect(second.message).toMatch(message);
  });
});
