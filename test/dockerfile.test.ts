/** The Dockerfile model: Docker's own rules for variables, quotes, continuations, heredocs and stages. */
import { describe, expect, it } from 'vitest';
import { MAX_ERRORS, parseDockerfile } from '../src/dockerfile/parse.js';
import { DockerfileErrors } from '../src/errors.js';
import { expandWord, splitWords } from '../src/dockerfile/words.js';

const parse = (text: string, buildArgs?: Record<string, string>) => parseDockerfile(text, 'Dockerfile', { buildArgs });

describe('word expansion as Docker does it', () => {
  const env = new Map([
    ['A', 'one'],
    ['EMPTY', ''],
  ]);
  it.each([
    ['$A', 'one'],
    ['${A}', 'one'],
    ["'$A'", '$A'],
    ['"$A"', 'one'],
    ['\\$A', '$A'],
    ['${B:-dflt}', 'dflt'],
    ['${EMPTY:-dflt}', 'dflt'],
    ['${EMPTY-dflt}', ''],
    ['${A:+alt}', 'alt'],
    ['${B:+alt}', ''],
    ['a\\ b', 'a b'],
    ['"x\\"y"', 'x"y'],
  ])('%s → %s', (input, output) => {
    expect(expandWord(input, env).text).toBe(output);
  });
  it('reports unknown variables', () => {
    expect(expandWord('$NOPE', env).unknown).toEqual(['NOPE']);
  });
  it('splits words on unquoted whitespace only', () => {
    expect(splitWords('a "b c" d\\ e', env).words).toEqual(['a', 'b c', 'd e']);
  });
  it('uses the escape directive character', () => {
    expect(expandWord('a`$b', env, '`').text).toBe('a$b');
  });
});

describe('parseDockerfile', () => {
  it('scopes ARG as Docker does: global ARGs in FROM, re-declared inside a stage', () => {
    const df = parse('ARG V=3.12\nFROM python:${V}\nRUN echo $V\nARG V\nENV X=${V}\n');
    expect(df.stages[0]!.from).toBe('python:3.12');
    const env = df.all.find((i) => i.keyword === 'ENV');
    expect(env && env.keyword === 'ENV' && env.pairs).toEqual([['X', '3.12']]);
  });
  it('lets --build-arg override a default', () => {
    expect(parse('ARG V=3.12\nFROM python:${V}\n', { V: '3.13' }).stages[0]!.from).toBe('python:3.13');
  });
  it('joins continuation lines and drops comment lines inside them', () => {
    const df = parse('FROM alpine\nRUN apk add \\\n  # a comment\n  curl \\\n\n  jq\n');
    const run = df.all[1]!;
    expect(run.keyword).toBe('RUN');
    expect(run.line).toBe(2);
    expect(run.endLine).toBe(6);
    expect(run.keyword === 'RUN' && run.run).toEqual({ form: 'shell', command: 'apk add   curl   jq' });
  });
  it('reads heredocs with their command and strips tabs for <<-', () => {
    const df = parse('FROM debian\nRUN <<-EOT bash\n\tset -e\n\techo hi\nEOT\nCOPY <<"EOF" /x\n$NOT_EXPANDED\nEOF\n');
    const run = df.all[1]!;
    expect(run.keyword === 'RUN' && run.heredocs).toEqual([{ name: 'EOT', content: 'set -e\necho hi\n', command: 'bash', quoted: false }]);
    const copy = df.all[2]!;
    expect(copy.keyword === 'COPY' && copy.heredocs[0]!.content).toBe('$NOT_EXPANDED\n');
  });
  it('expands variables in unquoted COPY heredocs', () => {
    const df = parse('FROM debian\nARG WHO=you\nCOPY <<EOF /x\n{"who": "$WHO"}\nEOF\n');
    const copy = df.all[2]!;
    expect(copy.keyword === 'COPY' && copy.heredocs[0]!.content).toBe('{"who": "you"}\n');
  });
  it('keeps exec and shell forms apart, and falls back to the shell for broken JSON', () => {
    const df = parse('FROM alpine\nCMD ["a", "b c"]\nENTRYPOINT [not json]\n');
    expect(df.all[1]!.keyword === 'CMD' && df.all[1]!.command).toEqual({ form: 'exec', argv: ['a', 'b c'] });
    expect(df.all[2]!.keyword === 'ENTRYPOINT' && df.all[2]!.command).toEqual({ form: 'shell', command: '[not json]' });
    expect(df.warnings.map((w) => w.line)).toContain(3);
  });
  it('reads COPY flags, --platform and mounts', () => {
    const df = parse(
      'FROM --platform=$BUILDPLATFORM golang:1.25 AS b\nRUN --mount=type=cache,target=/root/.cache go build\nFROM scratch\nCOPY --from=b --chown=1:2 --chmod=600 --link /x /y\n',
    );
    expect(df.stages[0]!.platform).toBe('linux/amd64');
    const run = df.all[1]!;
    expect(run.keyword === 'RUN' && run.mounts[0]).toMatchObject({ type: 'cache', target: '/root/.cache' });
    const copy = df.all[3]!;
    expect(copy.keyword === 'COPY' && [copy.from, copy.chown, copy.chmod, copy.link]).toEqual(['b', '1:2', '600', true]);
  });
  it('accepts CRLF line endings and a byte order mark', () => {
    const df = parse('\ufeffFROM alpine\r\nRUN echo hi\r\n');
    expect(df.all.map((i) => [i.line, i.keyword])).toEqual([
      [1, 'FROM'],
      [2, 'RUN'],
    ]);
  });
  it('resolves WORKDIR against the previous one', () => {
    const df = parse('FROM alpine\nWORKDIR /a\nWORKDIR b\nWORKDIR ../c\n');
    expect(df.all.filter((i) => i.keyword === 'WORKDIR').map((i) => i.keyword === 'WORKDIR' && i.path)).toEqual(['/a', '/a/b', '/a/c']);
  });
  it('links stages that start FROM an earlier stage', () => {
    const df = parse('FROM node:22 AS base\nFROM base AS build\nFROM base\n');
    expect(df.stages.map((s) => s.parentStage)).toEqual([null, 0, 0]);
  });
});

describe('every error of a Dockerfile at once', () => {
  const errorsOf = (source: string) => {
    try {
      parseDockerfile(source, 'Dockerfile');
    } catch (error) {
      if (error instanceof DockerfileErrors) return error.lines();
      throw error;
    }
    return [];
  };

  it('reports each bad instruction with its line, and checks the instructions after one that failed', () => {
    expect(errorsOf('FROM alpine\nNOPE x\nCOPY onlyone\nARG 9bad=1\nRUN echo ok\nFROM a b c d\nRUN echo fine\nHEALTHCHECK WHAT\n')).toEqual([
      'Dockerfile:2: unknown instruction: NOPE',
      'Dockerfile:3: COPY needs at least one source and a destination',
      'Dockerfile:4: invalid ARG name "9bad"',
      'Dockerfile:6: FROM takes an image and an optional "AS name"',
      'Dockerfile:8: HEALTHCHECK needs CMD <command> or NONE',
    ]);
    // A first FROM that fails: what follows is not "before the first FROM", but still checked.
    expect(errorsOf('FROM a b\nRUN x\nENV\n')).toEqual([
      'Dockerfile:1: FROM takes an image and an optional "AS name"',
      'Dockerfile:3: ENV needs at least one name',
    ]);
  });

  it(`stops after ${MAX_ERRORS} errors and says so; one line for callers that show one`, () => {
    const source = `FROM alpine\n${Array.from({ length: 30 }, (_, i) => `BOGUS${i} x\n`).join('')}`;
    const lines = errorsOf(source);
    expect(lines).toHaveLength(MAX_ERRORS + 1);
    expect(lines[0]).toBe('Dockerfile:2: unknown instruction: BOGUS0');
    expect(lines.at(-1)).toBe(`Dockerfile: stopped after ${MAX_ERRORS} errors`);
    expect(() => parseDockerfile(source, 'Dockerfile')).toThrow(DockerfileErrors);
    const two = (() => {
      try {
        parseDockerfile('FROM alpine\nNOPE\nCOPY x\n', 'Dockerfile');
      } catch (error) {
        return error as DockerfileErrors;
      }
      throw new Error('no error');
    })();
    expect(two.oneLine()).toBe('Dockerfile:2: unknown instruction: NOPE (and 1 more error)');
    expect(two.line).toBe(2);
    // One error alone reads as before.
    expect(() => parseDockerfile('FROM alpine\nNOPE x\n', 'Dockerfile')).toThrow(/^unknown instruction: NOPE$/);
  });
});
