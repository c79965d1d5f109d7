/**
 * src/dockerfile/ast-arguments.ts keeps each instruction's argument tokens instead of letting dockerfile-ast
 * tokenise them again on every call. What dockerfile-ast answers must not change: every instruction of the
 * fixtures, the corpus and some awkward Dockerfiles is read by a child `node` with the library as published, and
 * here with the memory on, and the two readings are compared.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rememberInstructionArguments } from '../src/dockerfile/ast-arguments.js';
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
      ['--input-type=module', '-e', `import { astReadings } from ${JSON.stringify(path.join(repoRoot, 'test/helpers/ast-readings.mjs'))}; import { readFileSync } from 'node:fs'; process.stdout.write(JSON.stringify(JSON.parse(readFileSync(0, 'utf8')).map(astReadings)));`],
      { input: JSON.stringify(texts), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, cwd: repoRoot },
    );
    expect(child.status, child.stderr).toBe(0);
    const unchanged = JSON.parse(child.stdout) as unknown[];
    expect(rememberInstructionArguments()).toBe(true);
    const remembered = texts.map((text) => astReadings(text));
    expect(remembered.length).toBe(texts.length);
    texts.forEach((_, i) => expect(remembered[i], i < files.length ? files[i] : `awkward Dockerfile ${i - files.length}`).toStrictEqual(unchanged[i]));
  });

  it('tokenises an instruction once, however often it is asked', async () => {
    const { DockerfileParser, Instruction } = await import('dockerfile-ast');
    expect(rememberInstructionArguments()).toBe(true);
    const tokenise = (Instruction.prototype as unknown as { getRawArguments: () => unknown[] }).getRawArguments;
    const [run] = DockerfileParser.parse('FROM x\nRUN --mount=type=cache,target=/x make all\n').getInstructions().slice(1);
    const first = tokenise.call(run);
    const second = tokenise.call(run);
    expect(second).not.toBe(first); // a fresh array each time: callers shift flags off it
    expect(second).toStrictEqual(first);
    expect((first as Array<{ getValue(): string }>).map((a) => a.getValue())).toEqual(['--mount=type=cache,target=/x', 'make', 'all']);
    // The same tokens: no instruction but FROM changes them.
    expect(second[1]).toBe(first[1]);
    // FROM's are fresh, each with a range of its own (getImageNameRange moves the first token's start and end).
    const [from] = DockerfileParser.parse('FROM registry.example/app:1.0 AS build\n').getInstructions();
    const image = tokenise.call(from) as Array<{ getRange(): unknown }>;
    const again = tokenise.call(from) as Array<{ getRange(): unknown }>;
    expect(again[0]).not.toBe(image[0]);
    expect(again[0]!.getRange()).not.toBe(image[0]!.getRange());
    expect(again[0]).toStrictEqual(image[0]);
    const imageName = (from as unknown as { getImageNameRange(): unknown; getImageName(): string }).getImageName();
    expect(imageName).toBe('app');
    expect((from as unknown as { getImageName(): string }).getImageName()).toBe(imageName);
    expect((from as unknown as { getRegistry(): string }).getRegistry()).toBe('registry.example');
  });
});
