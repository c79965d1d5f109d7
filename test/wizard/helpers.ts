/**
 * Drive the wizard's steps through the real inquirer prompts, rendered by @inquirer/testing: each question the
 * wizard asks is rendered, handed to the next step of the test's script (which reads the screen and presses
 * keys), and answered by the prompt itself, defaults and validation included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { confirm, input, search, select } from '@inquirer/prompts';
import { render } from '@inquirer/testing';
import { convertDockerfile } from '../../src/convert/convert.js';
import { memoryContext } from '../../src/convert/context.js';
import type { Decisions } from '../../src/convert/decisions.js';
import type { MigrationPlan, OutputFormat } from '../../src/convert/types.js';
import { loadRules } from '../../src/io/rules-files.js';
import { inquirerConfig, type Prompter, type SearchQuestion, type SelectQuestion } from '../../src/wizard/prompter.js';
import { shell } from '../helpers/shell.js';

export type Kind = 'select' | 'search' | 'input' | 'confirm';

export interface Screen {
  kind: Kind;
  message: string;
  why?: string;
  /** The rendered prompt, without colour. */
  screen: () => string;
  keypress: (key: string | { name?: string; ctrl?: boolean }) => void;
  type: (text: string) => void;
  nextRender: () => Promise<void>;
}

export type Step = (screen: Screen) => void | Promise<void>;

export interface ScriptedPrompter extends Prompter {
  /** Every question asked, in order. */
  asked: Array<{ kind: Kind; message: string; why?: string }>;
  /** The steps not used (a test checks it is empty). */
  remaining: () => number;
}

/** Press Enter: take the default. */
export const enter: Step = (s) => s.keypress('enter');

/** Type text, let the prompt render, then press Enter. */
export const typeThenEnter =
  (text: string): Step =>
  async (s) => {
    s.type(text);
    await s.nextRender();
    s.keypress('enter');
  };

/** Press a key `times` times, then Enter. */
export const moveThenEnter =
  (key: 'up' | 'down', times = 1): Step =>
  async (s) => {
    for (let i = 0; i < times; i++) {
      s.keypress(key);
      await s.nextRender();
    }
    s.keypress('enter');
  };

export function scriptedPrompter(steps: Step[]): ScriptedPrompter {
  const queue = [...steps];
  const asked: ScriptedPrompter['asked'] = [];
  interface Rendered<T> {
    answer: Promise<T>;
    getScreen: () => string;
    events: { keypress: Screen['keypress']; type: Screen['type'] };
    nextRender: () => Promise<void>;
  }
  async function ask<T>(kind: Kind, question: { message: string; why?: string }, run: () => Promise<Rendered<T>>): Promise<T> {
    asked.push({ kind, message: question.message, why: question.why });
    const step = queue.shift();
    if (!step) throw new Error(`unexpected question (the script has no step left): ${question.message}`);
    const rendered = await run();
    await step({
      kind,
      message: question.message,
      why: question.why,
      screen: () => rendered.getScreen(),
      keypress: (key) => rendered.events.keypress(key),
      type: (text) => rendered.events.type(text),
      nextRender: () => rendered.nextRender(),
    });
    return rendered.answer;
  }
  return {
    asked,
    remaining: () => queue.length,
    select: <T>(q: SelectQuestion<T>) => ask<T>('select', q, () => render(select<T>, inquirerConfig.select<T>(q))),
    search: <T>(q: SearchQuestion<T>) => ask<T>('search', q, () => render(search<T>, inquirerConfig.search<T>(q))),
    input: (q) => ask('input', q, () => render(input, inquirerConfig.input(q))),
    confirm: (q) => ask('confirm', q, () => render(confirm, inquirerConfig.confirm(q))),
  };
}

/** A plan maker over a Dockerfile and context files held in memory, as the CLI gives runWizard. */
export function planner(dockerfile: string, files: Record<string, string | null> = {}) {
  const context = memoryContext(files);
  const rules = loadRules();
  return (choices: { target?: string; format: OutputFormat; decisions: Decisions }): MigrationPlan =>
    convertDockerfile(dockerfile, context, rules, {
      shell,
      dockerfilePath: 'Dockerfile',
      format: choices.format,
      target: choices.target,
      decisions: choices.decisions,
      imageName: 'app',
      contextFromOutput: '..',
      outputInContext: 'nix',
      contextLabel: '.',
    }).plan;
}

/** Every file below a folder with its text, to compare a tree before and after. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const file = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(file);
      else out[file] = readFileSync(path.join(dir, file), 'utf8');
    }
  };
  walk('');
  return out;
}
