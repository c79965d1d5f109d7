/**
 * src/dockerfile/ast-arguments.ts keeps each instruction's argument tokens instead of letting dockerfile-ast
 * tokenise them again on every call. What dockerfile-ast answers must not change: every instruction of the
 * fixtures, the corpus and some awkward Dockerfiles is read by a child `node` with the library as published, and
 * here through parseRemembering, and the two readings are compared. The library itself must be left unchanged.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DockerfileParser, Instruction } from 'dockerfile-ast';
import { parseRemembering } from '../src/dockerfile/ast-arguments.js';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { astReadings } from './helpers/ast-readings.mjs';
import { fixtureAndCorpusDockerfiles } from './helpers/run-scripts.js';
import { repoRoot } from './helpers/tools.js';

const AWKWARD = [
  'FROM alpine AS base\nRUN --mount=type=cache,target=/root/.cache --network=none \\\n  apk add \\\n    # a comment inside\n    curl\n',
  '# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir `\n  c:\\\nCOPY --chown=1:1 --chmod=644 a b /c/\n',
  'FROM x\nCOPY --from=base <<EOF /a\nline\nEOF\nRUN <<-A cat\n\tx\n\tA\n',
  'FROM x\nONBUILD RUN ["a", "b"]\nONBUILD COPY --from=y a b\nCMD ["a",\n  "b"]\nENTRYPOINT []\nSHELL ["/bin/sh", "-c"]\n',
  'FROM x\nENV A=1 B="two words" C=${A}\nLABEL "a b"="c d" e=f\nARG V=1\nHEALTHCHECK --interval=5s CMD curl -f x || exit 1\n',
  'FROM x\nRUN echo \\\n\n  a\\ b "c \\" d" \\\\ \nEXPOSE 80/tcp 443\nUSER 1:1\nWORKDIR /a b\nVOLUME ["/v"]\n',
  'FROM registry.example.com:5000/team/app:1.2 AS build\nFROM localhost/x@sha256:abc\nFROM --platform=$BUILDPLATFORM build AS final\n',
];

describe('dockerfile-ast with instruction arguments remembered', () => {
  it('reads every instruction as the unchanged library does', () => {
    const { files } = fixtureAndCorpusDockerfiles();
    const texts = [...files.map((file) => readFileSync(file, 'utf8')), ...AWKWARD];
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { astReadings } from ${JSON.stringify(path.join(repoRoot, 'test/helpers/ast-readings.mjs'))}; import { readFileSync } from 'node:fs'; process.stdout.write(JSON.stringify(JSON.parse(readFileSync(0, 'utf8')).map((text) => astReadings(text))));`,
      ],
      { input: JSON.stringify(texts), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, cwd: repoRoot },
    );
    expect(child.status, child.stderr).toBe(0);
    const unchanged = JSON.parse(child.stdout) as unknown[];
    const remembered = texts.map((text) => astReadings(text, parseRemembering));
    expect(remembered.length).toBe(texts.length);
    texts.forEach((_, i) => expect(remembered[i], i < files.length ? files[i] : `awkward Dockerfile ${i - files.length}`).toStrictEqual(unchanged[i]));
  });

  type RawArguments = (this: unknown) => unknown[];
  const prototype = Instruction.prototype as unknown as { getRawArguments: RawArguments };

  it("tokenises an instruction once, however often it is asked, the library's own calls included", () => {
    const library = prototype.getRawArguments;
    const calls: unknown[] = [];
    prototype.getRawArguments = function counted(this: unknown) {
      calls.push(this);
      return library.call(this);
    };
    let run: Instruction;
    try {
      [, run] = parseRemembering('FROM x\nRUN --mount=type=cache,target=/x make all\nCMD ["a", "b"]\n').getInstructions() as [Instruction, Instruction];
    } finally {
      prototype.getRawArguments = library;
    }
    const afterParse = calls.length;
    // Once per instruction object (the library asks thrice while constructing a RUN or CMD, and makes a throwaway
    // copy of each instruction while looking for heredocs).
    expect(afterParse).toBeGreaterThan(0);
    expect(new Set(calls).size).toBe(afterParse);
    const tokenise = (run as unknown as { getRawArguments: RawArguments }).getRawArguments;
    const first = tokenise.call(run);
    const second = tokenise.call(run);
    (run as unknown as { getFlags(): unknown }).getFlags();
    run.getArguments();
    run.getArgumentsRange();
    expect(calls.length).toBe(afterParse);
    expect(second).not.toBe(first); // a fresh array each time: callers shift flags off it
    expect(second).toStrictEqual(first);
    expect((first as Array<{ getValue(): string }>).map((a) => a.getValue())).toEqual(['--mount=type=cache,target=/x', 'make', 'all']);
    // The same tokens: no instruction but FROM changes them.
    expect(second[1]).toBe(first[1]);
    // FROM's are fresh, each with a range of its own (getImageNameRange moves the first token's start and end).
    const [from] = parseRemembering('FROM registry.example/app:1.0 AS build\n').getInstructions();
    const fromTokens = (from as unknown as { getRawArguments: RawArguments }).getRawArguments;
    const image = fromTokens.call(from) as Array<{ getRange(): unknown }>;
    const again = fromTokens.call(from) as Array<{ getRange(): unknown }>;
    expect(again[0]).not.toBe(image[0]);
    expect(again[0]!.getRange()).not.toBe(image[0]!.getRange());
    expect(again[0]).toStrictEqual(image[0]);
    const imageName = (from as unknown as { getImageNameRange(): unknown; getImageName(): string }).getImageName();
    expect(imageName).toBe('app');
    expect((from as unknown as { getImageName(): string }).getImageName()).toBe(imageName);
    expect((from as unknown as { getRegistry(): string }).getRegistry()).toBe('registry.example');
  });

  it('leaves dockerfile-ast unchanged for everyone else, even when the library throws', () => {
    const library = prototype.getRawArguments;
    parseDockerfile('FROM x\nRUN --mount=type=cache,target=/x make all\n', 'Dockerfile');
    expect(prototype.getRawArguments).toBe(library);
    const [, run] = DockerfileParser.parse('FROM x\nRUN a b\n').getInstructions();
    expect(Object.prototype.hasOwnProperty.call(run, 'getRawArguments')).toBe(false);
    const failing: RawArguments = () => {
      throw new Error('tokeniser failed');
    };
    prototype.getRawArguments = failing;
    try {
      expect(() => parseRemembering('FROM x\nRUN a\n')).toThrow('tokeniser failed');
      expect(prototype.getRawArguments).toBe(failing);
    } finally {
      prototype.getRawArguments = library;
    }
  });
});
