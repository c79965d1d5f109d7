/**
 * Reading an answers file (`dock2nix.answers.json`): `convert --answers` and the wizard's search for saved answers
 * check it alike and say what is wrong in the same words.
 */
import { answersSchema, type Answers } from '../convert/answers.js';
import { Dock2nixError } from '../errors.js';
import { readTextFile } from './read.js';

/** An answers file's text checked: its answers, or what is wrong with it. */
export function checkAnswers(text: string): { answers: Answers } | { problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { problem: `not a JSON answers file (${(error as Error).message})` };
  }
  const result = answersSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return { problem: `bad answers file at ${issue.path.join('.') || '(top level)'}: ${issue.message}` };
  }
  return { answers: result.data };
}

/** The answers file's text, or what is wrong: missing (`E_NOT_FOUND`), or not a readable regular file. */
export function readAnswersText(file: string): { text: string } | { problem: string; code: 'E_NOT_FOUND' | 'E_INPUT' } {
  try {
    return { text: readTextFile(file) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? { problem: 'no such answers file', code: 'E_NOT_FOUND' }
      : { problem: `not a JSON answers file (${(error as Error).message})`, code: 'E_INPUT' };
  }
}

/** Read and check an answers file; a bad one is a one-line error with its file. */
export function readAnswers(file: string): Answers {
  const read = readAnswersText(file);
  if ('problem' in read) throw new Dock2nixError(read.code, read.problem, { file });
  const checked = checkAnswers(read.text);
  if ('problem' in checked) throw new Dock2nixError('E_INPUT', checked.problem, { file });
  return checked.answers;
}
