/**
 * Each wizard step, driven through the real inquirer prompts (@inquirer/testing renders them): what is asked,
 * what the default is, and which decision comes back.
 */
import { PassThrough } from 'node:stream';
import { select } from '@inquirer/prompts';
import { render } from '@inquirer/testing';
import { describe, expect, it } from 'vitest';
import type { Answers } from '../../src/convert/answers.js';
import { noDecisions } from '../../src/convert/decisions.js';
import { rulesIndex } from '../../src/rules/lookup.js';
import { loadRules } from '../../src/io/rules-files.js';
import { checkTypedAttribute, findCandidates, similarity } from '../../src/wizard/candidates.js';
import { cancelOnEscape, isCancel } from '../../src/wizard/prompter.js';
import { fitDecisions, fitTarget } from '../../src/wizard/saved.js';
import { askBuilds, askFiles, askFormat, askOutput, askPackage, askTarget, packageQuestions } from '../../src/wizard/steps.js';
import { summarize } from '../../src/wizard/summary.js';
import { answersFor, runWizard } from '../../src/wizard/wizard.js';
import { enter, moveThenEnter, planner, scriptedPrompter, typeThenEnter, type Step } from './helpers.js';

const rules = loadRules();

const ALPINE = `FROM alpine:3.19
RUN apk add --no-cache curl vips-tools font-noto-emoji py2-pip
RUN pip install flask fancylib
CMD ["sh"]
`;

const MULTI = `FROM node:20 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM nginx:alpine AS web
COPY --from=build /app/dist /usr/share/nginx/html

FROM alpine:3.19 AS debug
RUN apk add --no-cache vips-tools
`;
const NPM_FILES = {
  'package.json': '{"name":"site","version":"1.0.0","scripts":{"build":"node build.mjs"}}',
  'package-lock.json': '{"lockfileVersion":3}',
  'build.mjs': '',
};

const alpinePlan = () => planner(ALPINE)({ format: 'layered', decisions: noDecisions });
const question = (key: string) => {
  const found = packageQuestions(alpinePlan(), {}).find((q) => q.key === key);
  if (!found) throw new Error(`no question for ${key}`);
  return found;
};

describe('candidates', () => {
  it('ranks the same name first, then containment, shared prefix and small edit distance', () => {
    expect(similarity('curl', 'curl')).toBe(100);
    expect(similarity('vips-tools', 'vips')).toBeGreaterThan(similarity('vips-tools', 'vim'));
    expect(similarity('imagemagik', 'imagemagick')).toBeGreaterThan(0);
    expect(similarity('zzz', 'curl')).toBe(0);
    expect(findCandidates(rules, 'apk', 'imagemagik')[0]?.attr).toBe('imagemagick');
    expect(findCandidates(rules, 'apk', 'vips-tools')[0]?.attr).toBe('vips');
  });

  it('offers names inside the Python package set for pip, never distribution attributes', () => {
    const candidates = findCandidates(rules, 'pip', 'flask-login');
    expect(candidates.map((c) => c.attr)).toContain('flask');
    expect(candidates.every((c) => c.from.manager === 'pip' || c.from.manager === 'index')).toBe(true);
    // Index candidates are names of the Python set, usable with the default interpreter.
    const index = rulesIndex(rules)!;
    for (const c of candidates.filter((c) => c.from.manager === 'index')) expect(index.python(c.attr)?.status[index.interpreter('python3')]).toBe('usable');
  });

  it('offers attributes of the nixpkgs index for names no table knows, and checks a typed attribute there', () => {
    const candidates = findCandidates(rules, 'apt', 'mercurial-common');
    expect(candidates.map((c) => c.attr)).toContain('mercurial');
    expect(candidates.find((c) => c.attr === 'mercurial')).toMatchObject({ from: { manager: 'index' }, index: { version: expect.stringMatching(/\d/) } });
    expect(findCandidates(rules, 'apt', 'nodejs-20').map((c) => c.attr)).not.toContain('nodejs_20');
    expect(checkTypedAttribute(rules, 'apt', 'zsh')).toBeNull();
    expect(checkTypedAttribute(rules, 'apt', 'openssl.dev')).toBeNull();
    expect(checkTypedAttribute(rules, 'apt', 'nodejs_20')).toMatch(/insecure/);
    expect(checkTypedAttribute(rules, 'apt', 'no-such-attribute-xyz')).toMatch(/is not in the nixpkgs index/);
    expect(checkTypedAttribute(rules, 'pip', 'django', 'python311')).toMatch(/not usable/);
    expect(checkTypedAttribute(rules, 'pip', 'django', 'python312')).toBeNull();
  });
});

describe('summary', () => {
  it('shows stages, base images, packages with confidence and manual lines with their text, within 80 columns', () => {
    const text = summarize(
      planner(`${ALPINE}RUN curl -fsSL https://example.com/tool.tar.gz -o /tmp/tool.tar.gz && tar -xzf /tmp/tool.tar.gz -C /usr/local/bin\n`)({
        format: 'layered',
        decisions: noDecisions,
      }),
      `${ALPINE}RUN curl -fsSL https://example.com/tool.tar.gz -o /tmp/tool.tar.gz && tar -xzf /tmp/tool.tar.gz -C /usr/local/bin\n`,
      80,
    );
    expect(text).toMatch(/0 FROM alpine:3\.19: the image/);
    expect(text).toMatch(/alpine:3\.19 → busybox/);
    expect(text).toMatch(/line 2 +apk +vips-tools +→ nothing +not mapped \(asked below\)/);
    expect(text).toMatch(/line 2 +apk +py2-pip +→ python3 +low \(asked below\)/);
    expect(text).toMatch(/line 3 +pip +flask +→ python312Packages\.flask|line 3 +pip +flask +→ python3\d*Packages\.flask/);
    expect(text).toMatch(/line 5 +RUN curl -fsSL https:\/\/example\.com/);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    // Not a terminal here, so no colour codes (the same holds under NO_COLOR).
    expect(text).not.toMatch(/\x1b\[/);
  });
});

describe('target stage', () => {
  const plan = planner(MULTI, NPM_FILES)({ format: 'layered', decisions: noDecisions });

  it('defaults to the last stage and returns its name', async () => {
    const prompter = scriptedPrompter([
      (s) => {
        expect(s.why).toMatch(/multi-stage/);
        expect(s.screen()).toMatch(/❯ 2 "debug" +FROM alpine:3\.19 +\(last stage\)/);
        s.keypress('enter');
      },
    ]);
    expect(await askTarget(prompter, plan, undefined)).toBe('debug');
  });

  it('takes the saved target as the default, and another by arrow keys', async () => {
    expect(await askTarget(scriptedPrompter([enter]), plan, 'web')).toBe('web');
    expect(await askTarget(scriptedPrompter([moveThenEnter('up', 2)]), plan, undefined)).toBe('build');
  });

  it('is not asked for a single stage', async () => {
    const prompter = scriptedPrompter([]);
    expect(await askTarget(prompter, alpinePlan(), undefined)).toBeUndefined();
    expect(prompter.asked).toEqual([]);
  });
});

describe('package questions', () => {
  it('asks about low and unmapped packages only, once each', () => {
    expect(packageQuestions(alpinePlan(), {}).map((q) => [q.key, q.confidence])).toEqual([
      ['apk:vips-tools', 'none'],
      ['apk:font-noto-emoji', 'none'],
      ['apk:py2-pip', 'low'],
      ['pip:fancylib', 'none'],
    ]);
  });

  it('also asks about a package answered before, even when the tables map it', () => {
    expect(packageQuestions(alpinePlan(), { 'apk:curl': 'curlFull' }).map((q) => q.key)).toContain('apk:curl');
  });

  it('picks a candidate found by typing', async () => {
    const prompter = scriptedPrompter([
      async (s) => {
        expect(s.why).toMatch(/line 2: no nixpkgs attribute is known for apk package "vips-tools"/);
        s.type('vips');
        await s.nextRender();
        expect(s.screen()).toMatch(/❯ vips\n/);
        expect(s.screen()).toMatch(/from the apk table: "vips"/);
        s.keypress('enter');
      },
    ]);
    expect(await askPackage(prompter, rules, question('apk:vips-tools'), 'python3Packages')).toEqual({ kind: 'set', attr: 'vips' });
  });

  it('defaults to "decide later" for an unmapped package without a close candidate, which saves nothing', async () => {
    const prompter = scriptedPrompter([
      (s) => {
        expect(s.screen()).toMatch(/❯ Decide later/);
        s.keypress('enter');
      },
    ]);
    expect(await askPackage(prompter, rules, question('apk:font-noto-emoji'), 'python3Packages')).toEqual({ kind: 'none' });
  });

  it('leaves a package out', async () => {
    const prompter = scriptedPrompter([moveThenEnter('up')]);
    expect(await askPackage(prompter, rules, question('apk:font-noto-emoji'), 'python3Packages')).toEqual({ kind: 'set', attr: null });
  });

  it('takes a typed attribute path, as typed in the list or through the input with validation', async () => {
    expect(await askPackage(scriptedPrompter([typeThenEnter('noto-fonts-color-emoji')]), rules, question('apk:font-noto-emoji'), 'python3Packages')).toEqual({
      kind: 'set',
      attr: 'noto-fonts-color-emoji',
    });
    const prompter = scriptedPrompter([
      moveThenEnter('up', 2),
      async (s) => {
        expect(s.kind).toBe('input');
        s.type('not valid!');
        s.keypress('enter');
        await s.nextRender();
        expect(s.screen()).toMatch(/an attribute path/);
        for (let i = 0; i < 'not valid!'.length; i++) s.keypress('backspace');
        s.type('noto-fonts-color-emoji');
        s.keypress('enter');
      },
    ]);
    expect(await askPackage(prompter, rules, question('apk:font-noto-emoji'), 'python3Packages')).toEqual({ kind: 'set', attr: 'noto-fonts-color-emoji' });
  });

  it('keeps a low-confidence guess by default, saving nothing', async () => {
    const prompter = scriptedPrompter([
      (s) => {
        expect(s.why).toMatch(/guessed python3 \(low confidence\): Python 2/);
        expect(s.screen()).toMatch(/❯ Keep the guess: python3/);
        expect(s.screen()).not.toMatch(/Decide later/);
        s.keypress('enter');
      },
    ]);
    expect(await askPackage(prompter, rules, question('apk:py2-pip'), 'python3Packages')).toEqual({ kind: 'none' });
  });

  it('for pip shows the package set but answers the name inside it', async () => {
    const prompter = scriptedPrompter([
      async (s) => {
        s.type('requests');
        await s.nextRender();
        expect(s.screen()).toMatch(/❯ python312Packages\.requests/);
        s.keypress('enter');
      },
    ]);
    expect(await askPackage(prompter, rules, question('pip:fancylib'), 'python312Packages')).toEqual({ kind: 'set', attr: 'requests' });
  });

  it('offers the saved answer first and as the default', async () => {
    const saved = { ...question('apk:font-noto-emoji'), saved: 'noto-fonts-color-emoji' };
    const prompter = scriptedPrompter([
      (s) => {
        expect(s.screen()).toMatch(/❯ noto-fonts-color-emoji \(your saved answer\)/);
        s.keypress('enter');
      },
    ]);
    expect(await askPackage(prompter, rules, saved, 'python3Packages')).toEqual({ kind: 'set', attr: 'noto-fonts-color-emoji' });
    const left = { ...question('apk:font-noto-emoji'), saved: null };
    expect(await askPackage(scriptedPrompter([enter]), rules, left, 'python3Packages')).toEqual({ kind: 'set', attr: null });
  });
});

describe('build stages', () => {
  it('asks how an npm stage with a lock file is built, importNpmLock by default', async () => {
    const plan = planner(MULTI, NPM_FILES)({ target: 'web', format: 'layered', decisions: noDecisions });
    const prompter = scriptedPrompter([
      (s) => {
        expect(s.message).toMatch(/stage "build" \(npm\)/);
        expect(s.why).toMatch(/package-lock\.json pins them/);
        expect(s.screen()).toMatch(/❯ buildNpmPackage with importNpmLock/);
        s.keypress('enter');
      },
    ]);
    expect(await askBuilds(prompter, plan, {})).toEqual({ build: 'importNpmLock' });
    expect(await askBuilds(scriptedPrompter([moveThenEnter('down')]), plan, {})).toEqual({ build: 'npmDepsHash' });
  });

  it('without a lock file offers npmDepsHash (default) or a generic derivation', async () => {
    const files = { 'package.json': NPM_FILES['package.json'], 'build.mjs': '' };
    const plan = planner(MULTI.replace(' package-lock.json', ''), files)({ target: 'web', format: 'layered', decisions: noDecisions });
    const prompter = scriptedPrompter([
      (s) => {
        expect(s.why).toMatch(/no package-lock\.json/);
        expect(s.screen()).not.toMatch(/importNpmLock/);
        s.keypress('enter');
      },
    ]);
    expect(await askBuilds(prompter, plan, { build: 'importNpmLock' })).toEqual({ build: 'npmDepsHash' });
  });

  it('asks nothing when no stage builds with npm', async () => {
    const prompter = scriptedPrompter([]);
    expect(await askBuilds(prompter, alpinePlan(), {})).toEqual({});
  });
});

describe('output', () => {
  it('format and files default to buildLayeredImage and both files, or to the saved answers', async () => {
    expect(await askFormat(scriptedPrompter([enter]), undefined)).toBe('layered');
    expect(await askFormat(scriptedPrompter([moveThenEnter('down', 2)]), undefined)).toBe('nix2container');
    expect(await askFormat(scriptedPrompter([enter]), 'stream')).toBe('stream');
    expect(await askFiles(scriptedPrompter([enter]), undefined)).toEqual(['default.nix', 'flake.nix']);
    expect(await askFiles(scriptedPrompter([moveThenEnter('down')]), undefined)).toEqual(['default.nix']);
    expect(await askFiles(scriptedPrompter([enter]), ['default.nix'])).toEqual(['default.nix']);
  });

  it('never overwrites without a yes: "no" (the default) asks for another folder', async () => {
    const existing = (dir: string) => (dir === 'nix' ? ['nix/default.nix'] : []);
    const prompter = scriptedPrompter([
      enter,
      (s) => {
        expect(s.message).toBe('Replace nix/default.nix?');
        expect(s.screen()).toMatch(/\(y\/N\)/);
        s.keypress('enter');
      },
      (s) => {
        expect(s.screen()).toMatch(/\(nix-new\)/);
        s.keypress('enter');
      },
    ]);
    expect(await askOutput(prompter, 'nix', { problem: () => null, existing })).toEqual({ dir: 'nix-new', overwrite: false });
    const yes = scriptedPrompter([enter, typeThenEnter('y')]);
    expect(await askOutput(yes, 'nix', { problem: () => null, existing })).toEqual({ dir: 'nix', overwrite: true });
  });

  it('refuses a folder that is a file', async () => {
    const prompter = scriptedPrompter([
      async (s) => {
        s.keypress('enter');
        await s.nextRender();
        expect(s.screen()).toMatch(/is a file/);
        for (let i = 0; i < 5; i++) s.keypress('backspace');
        s.type('out');
        s.keypress('enter');
      },
    ]);
    const result = await askOutput(prompter, 'Dockerfile', {
      problem: (dir) => (dir === 'Dockerfile' ? 'Dockerfile is a file, not a folder' : null),
      existing: () => [],
    });
    expect(result).toEqual({ dir: 'out', overwrite: false });
  });
});

describe('saved answers', () => {
  const saved: Answers = {
    version: 1,
    dockerfile: '../Dockerfile',
    target: 'gone',
    format: 'stream',
    files: ['default.nix'],
    decisions: { packages: { 'apk:vips-tools': 'vips', 'apk:removed-one': 'x' }, builds: { build: 'npmDepsHash', old: 'generic' } },
  };

  it('reports the answers that no longer fit and keeps the rest', () => {
    const plan = planner(MULTI.replace('vips-tools', 'vips-tools removed-two'), NPM_FILES)({ target: 'debug', format: 'layered', decisions: noDecisions });
    expect(fitTarget(saved, plan)).toEqual({ value: undefined, problems: ['target "gone": there is no such stage any more'] });
    expect(fitTarget({ ...saved, target: 'web' }, plan).value).toBe('web');
    const fitted = fitDecisions(saved, plan);
    expect(fitted.value.packages).toEqual({ 'apk:vips-tools': 'vips' });
    expect(fitted.problems).toEqual([
      'apk:removed-one: no longer installed by the stages the image needs',
      'build "build": that stage is no longer an npm build',
      'build "old": there is no such stage any more',
    ]);
    const web = planner(MULTI, NPM_FILES)({ target: 'web', format: 'layered', decisions: noDecisions });
    expect(fitDecisions(saved, web).value.builds).toEqual({ build: 'npmDepsHash' });
  });
});

describe('the whole wizard', () => {
  function setup(dockerfile: string, files: Record<string, string | null>, steps: Step[], saved: Answers | null = null) {
    const printed: string[] = [];
    const prompter = scriptedPrompter(steps);
    return {
      printed,
      prompter,
      run: () =>
        runWizard({
          dockerfile: 'Dockerfile',
          source: dockerfile,
          rules,
          plan: planner(dockerfile, files),
          saved,
          savedFrom: saved ? 'nix/dock2nix.answers.json' : undefined,
          defaultOutput: 'nix',
          output: { problem: () => null, existing: () => [] },
          prompter,
          print: (text) => printed.push(text),
          width: 80,
        }),
    };
  }

  it('gathers every decision of a multi-stage build, asking only about the stages the target needs', async () => {
    const wizard = setup(MULTI, NPM_FILES, [
      moveThenEnter('up'), // target: web
      moveThenEnter('down'), // build: npmDepsHash
      moveThenEnter('down'), // format: stream
      enter, // files: both
      typeThenEnter('nix-web'), // output
    ]);
    const result = await wizard.run();
    expect(result).toEqual({
      target: 'web',
      format: 'stream',
      files: ['default.nix', 'flake.nix'],
      decisions: { packages: {}, builds: { build: 'npmDepsHash' } },
      output: { dir: 'nix-web', overwrite: false },
    });
    // vips-tools is only in the debug stage, so it is not asked about for the web image.
    expect(wizard.prompter.asked.map((a) => a.kind)).toEqual(['select', 'select', 'select', 'select', 'input']);
    expect(wizard.prompter.remaining()).toBe(0);
    expect(wizard.printed.join('')).toMatch(/3 stages/);
    expect(answersFor(result, '../Dockerfile')).toEqual({
      version: 1,
      dockerfile: '../Dockerfile',
      target: 'web',
      format: 'stream',
      files: ['default.nix', 'flake.nix'],
      decisions: { packages: {}, builds: { build: 'npmDepsHash' } },
    });
  });

  it('offers saved answers as defaults, and reports the ones that no longer fit', async () => {
    const saved: Answers = {
      version: 1,
      dockerfile: '../Dockerfile',
      format: 'nix2container',
      files: ['default.nix'],
      decisions: { packages: { 'apk:vips-tools': 'vips', 'pip:fancylib': null, 'apk:libfoo': 'foo' } },
    };
    // Enter everywhere: the saved answers come back (py2-pip keeps its guess, font-noto-emoji is decided later).
    const wizard = setup(ALPINE, {}, [enter, enter, enter, enter, enter, enter, enter], saved);
    const result = await wizard.run();
    expect(result.decisions).toEqual({ packages: { 'apk:vips-tools': 'vips', 'pip:fancylib': null } });
    expect(result.format).toBe('nix2container');
    expect(result.files).toEqual(['default.nix']);
    const printed = wizard.printed.join('');
    expect(printed).toMatch(/answers saved in nix\/dock2nix\.answers\.json are the defaults/);
    expect(printed).toMatch(/no longer fit this Dockerfile \(not used\):\n {2}- apk:libfoo: no longer installed/);
  });
});

describe('leaving', () => {
  it('Escape aborts the prompt in progress, as a cancel', async () => {
    const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
    const escape = cancelOnEscape(stream);
    const rendered = await render(select, { message: 'Which?', choices: [{ value: 'a', name: 'a' }] }, { signal: escape.signal });
    stream.write('\x1b');
    const error = await rendered.answer.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isCancel(error)).toBe(true);
    expect(escape.signal.aborted).toBe(true);
    escape.dispose();
  });

  it('other keys do not cancel', async () => {
    const stream = new PassThrough();
    const escape = cancelOnEscape(stream);
    stream.write('abc\r');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(escape.signal.aborted).toBe(false);
    escape.dispose();
  });
});
