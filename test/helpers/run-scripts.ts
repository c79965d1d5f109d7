/**
 * Every RUN script of the fixtures and, when ../shared/corpus is beside the project, of the corpus: the shell
 * readers are held to each other on all of them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDockerfile } from '../../src/dockerfile/parse.js';
import { corpusDir } from './tools.js';

export interface RunScript {
  /** file:line of the RUN instruction */
  where: string;
  source: string;
  /** a here-document's body rather than the RUN line itself */
  heredoc: boolean;
}

/** Every Dockerfile of the fixtures and, when ../shared/corpus is beside the project, of the corpus. */
export function fixtureAndCorpusDockerfiles(): { files: string[]; corpus: boolean } {
  const files = readdirSync('fixtures', { recursive: true, encoding: 'utf8' })
    .filter((name) => /(^|\/)(Dockerfile[^/]*|[^/]*\.Dockerfile)$/.test(name))
    .map((name) => path.join('fixtures', name));
  const corpus = existsSync(corpusDir) ? path.join(corpusDir, 'dockerfiles') : null;
  if (corpus)
    files.push(
      ...readdirSync(corpus)
        .filter((f) => f !== 'INDEX.tsv')
        .map((f) => path.join(corpus, f)),
    );
  else console.log('corpus not found (../shared/corpus): only the fixtures are compared');
  return { files, corpus: corpus !== null };
}

export function fixtureAndCorpusRunScripts(): { scripts: RunScript[]; corpus: boolean } {
  const { files, corpus } = fixtureAndCorpusDockerfiles();
  const scripts: RunScript[] = [];
  for (const file of files) {
    let model;
    try {
      model = parseDockerfile(readFileSync(file, 'utf8'), file, {});
    } catch {
      continue; // rejected Dockerfiles have no RUN to read
    }
    for (const stage of model.stages) {
      for (const instruction of stage.instructions) {
        if (instruction.keyword !== 'RUN') continue;
        const where = `${file}:${instruction.line}`;
        if (instruction.heredocs.length) for (const heredoc of instruction.heredocs) scripts.push({ where, source: heredoc.content, heredoc: true });
        else if (instruction.run.form === 'shell') scripts.push({ where, source: instruction.run.command, heredoc: false });
      }
    }
  }
  return { scripts, corpus };
}
