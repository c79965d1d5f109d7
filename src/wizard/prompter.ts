/**
 * The questions the wizard asks, behind a small interface: the CLI answers them with @inquirer/prompts in the
 * terminal, the unit tests drive the same inquirer prompts through @inquirer/testing. Steps never import a
 * prompt library themselves.
 */
import { emitKeypressEvents } from 'node:readline';
import { styleText } from 'node:util';
import { confirm, input, search, select } from '@inquirer/prompts';
import { wrap } from './summary.js';

export interface Choice<T> {
  value: T;
  name: string;
  /** Shown under the list while the choice is highlighted: why pick it. */
  description?: string;
  /** What stays on screen once chosen (default: name). */
  short?: string;
}

interface Question {
  message: string;
  /** One line: why this question matters. Printed above the prompt. */
  why?: string;
}

export interface SelectQuestion<T> extends Question {
  choices: Array<Choice<T>>;
  default?: T;
}

export interface SearchQuestion<T> extends Question {
  /** The choices for what the person typed so far ('' before typing). */
  source: (term: string) => Array<Choice<T>>;
  default?: T;
}

export interface InputQuestion extends Question {
  default?: string;
  validate?: (value: string) => true | string;
}

export interface ConfirmQuestion extends Question {
  default: boolean;
}

export interface Prompter {
  select<T>(question: SelectQuestion<T>): Promise<T>;
  search<T>(question: SearchQuestion<T>): Promise<T>;
  input(question: InputQuestion): Promise<string>;
  confirm(question: ConfirmQuestion): Promise<boolean>;
}

const PAGE_SIZE = 8;

/** The inquirer configuration for each kind of question; shared by the terminal and the tests. */
export const inquirerConfig = {
  select<T>(question: SelectQuestion<T>) {
    return { message: question.message, choices: question.choices, default: question.default, pageSize: PAGE_SIZE, loop: false };
  },
  search<T>(question: SearchQuestion<T>) {
    return { message: question.message, source: (term: string | undefined) => question.source(term ?? ''), default: question.default, pageSize: PAGE_SIZE };
  },
  input(question: InputQuestion) {
    return { message: question.message, default: question.default, validate: question.validate };
  },
  confirm(question: ConfirmQuestion) {
    return { message: question.message, default: question.default };
  },
};

/** The why line above a question, wrapped to the terminal's width. */
export function whyLine(why: string, width: number): string {
  return `${wrap(why, Math.max(40, Math.min(width, 100)), '  ', '  ')
    .map((line) => styleText('dim', line))
    .join('\n')}\n`;
}

export interface TerminalContext {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Aborting it rejects the current prompt (Escape). */
  signal?: AbortSignal;
}

/** Questions asked in the terminal with @inquirer/prompts. */
export function inquirerPrompter(context: TerminalContext = {}): Prompter {
  const out = context.output ?? process.stdout;
  const ctx = { input: context.input, output: context.output, signal: context.signal };
  const why = (question: Question) => {
    if (question.why) out.write(whyLine(question.why, (out as { columns?: number }).columns ?? 80));
  };
  return {
    async select<T>(question: SelectQuestion<T>) {
      why(question);
      return select<T>(inquirerConfig.select(question), ctx);
    },
    async search<T>(question: SearchQuestion<T>) {
      why(question);
      return search<T>(inquirerConfig.search(question), ctx);
    },
    async input(question: InputQuestion) {
      why(question);
      return input(inquirerConfig.input(question), ctx);
    },
    async confirm(question: ConfirmQuestion) {
      why(question);
      return confirm(inquirerConfig.confirm(question), ctx);
    },
  };
}

/** Escape cancels the wizard as Ctrl-C does: the returned controller's signal aborts the current prompt. */
export function cancelOnEscape(stream: NodeJS.ReadableStream): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  emitKeypressEvents(stream);
  const onKey = (_text: string | undefined, key: { name?: string; ctrl?: boolean; meta?: boolean } | undefined) => {
    if (key?.name === 'escape') controller.abort(new Error('escape'));
  };
  stream.on('keypress', onKey);
  return { signal: controller.signal, dispose: () => stream.removeListener('keypress', onKey) };
}

/** True for the errors inquirer raises when the person leaves: Ctrl-C (ExitPromptError) or an abort (Escape). */
export function isCancel(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError' || error.name === 'CancelPromptError');
}
