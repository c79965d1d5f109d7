/**
 * The naming scope of default.nix: every name the emitter binds is declared by the file that binds it (so the
 * reserved set is their union), and a build stage named like any of them, or like a Nix global, gets a
 * derivation name that neither collides with a helper binding nor shadows a name the file reads.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDockerfile } from '../../src/convert/convert.js';
import type { MigrationPlan } from '../../src/convert/types.js';
import { fsContext, readDockerignore } from '../../src/io/fs-context.js';
import { raw } from '../../src/nix/ast.js';
import { defaultExpression } from '../../src/nix/emit.js';
import { FORMATS, formatOf, type OutputFormat } from '../../src/nix/formats/index.js';
import { EMITTER_BINDINGS, NIX_GLOBALS, NIX_KEYWORDS } from '../../src/nix/scope.js';
import { loadRules } from '../../src/io/rules-files.js';
import { namesOf, rawNames, type Names } from '../helpers/nix-names.js';
import { flakeInputStub, nixEvalJson, nixParse, nixString, repoRoot, requireTool, stubNixpkgs } from '../helpers/tools.js';
import { shell } from '../helpers/shell.js';

const rules = loadRules();
const reserved = new Set<string>([...EMITTER_BINDINGS, ...NIX_GLOBALS, ...NIX_KEYWORDS]);

/** Names default.nix binds and reads, its arguments (and their defaults) included. */
function fileNames(plan: MigrationPlan): Names {
  const names = namesOf(defaultExpression(plan));
  names.bound.add('pkgs');
  namesOf(raw('import <nixpkgs> { }'), names);
  for (const input of formatOf(plan.format).flakeInputs) {
    names.bound.add(input.name);
    rawNames(input.withoutFlake, names);
  }
  return names;
}

/** Every bound name is a declared helper name or a derivation; every read name is bound or a Nix global. */
function expectDeclared(plan: MigrationPlan, label: string): void {
  const derivations = new Set(plan.derivations.map((d) => d.name));
  const { bound, read } = fileNames(plan);
  const undeclared = [...bound].filter((n) => !derivations.has(n) && !EMITTER_BINDINGS.includes(n));
  expect(undeclared, `${label}: bound but not declared by the helper that binds it`).toEqual([]);
  const unknown = [...read].filter((n) => !bound.has(n) && !(NIX_GLOBALS as readonly string[]).includes(n));
  expect(unknown, `${label}: read but neither bound nor a Nix global`).toEqual([]);
  for (const name of derivations) expect(reserved.has(name), `${label}: derivation ${name}`).toBe(false);
}

describe('the names default.nix binds', () => {
  const fixtures = path.join(repoRoot, 'fixtures');
  const cases = readdirSync(fixtures).filter((name) => existsSync(path.join(fixtures, name, 'Dockerfile')));
  it.each(cases)('are all declared, in fixture %s', (name) => {
    const dir = path.join(fixtures, name);
    const options = existsSync(path.join(dir, 'case.json'))
      ? (JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8')) as { format?: OutputFormat; target?: string; buildArgs?: Record<string, string> })
      : {};
    const context = fsContext(dir);
    const { plan } = convertDockerfile(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), context, rules, {
      shell,
      format: options.format,
      target: options.target,
      buildArgs: options.buildArgs,
      imageName: name,
      dockerfilePath: `fixtures/${name}/Dockerfile`,
      contextFromOutput: '..',
      outputInContext: 'expected',
      dockerignore: readDockerignore(context),
    });
    expectDeclared(plan, name);
  });
});

/** `contextFilter` → `context-filter`: the spelling a Dockerfile stage name can have. */
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

describe('stages named like a helper binding or a Nix global', () => {
  const names = [...new Set([...EMITTER_BINDINGS, ...NIX_GLOBALS, 'app'].flatMap((n) => [n, kebab(n)]))].filter((n) => /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(n));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-scope-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'site'));
  writeFileSync(path.join(dir, 'site', 'index.html'), 'hi\n');
  writeFileSync(path.join(dir, 'site', 'keep.log'), 'kept\n');
  writeFileSync(path.join(dir, 'data.txt'), 'data\n');
  writeFileSync(path.join(dir, 'requirements.txt'), 'flask\n');
  // Wildcards and an exception: default.nix binds dockerignored and its rules.
  writeFileSync(path.join(dir, '.dockerignore'), '*.log\n!site/keep.log\n');
  const stages = names.map((name) => `FROM busybox AS ${name}\nWORKDIR /w\nCOPY data.txt .\nRUN gzip -k data.txt\n`);
  const copies = names.map((name, i) => `COPY --from=${name} /w/data.txt.gz /out/${i}.gz`);
  const dockerfile = [
    ...stages,
    'FROM python:3.12-slim',
    'RUN pip install flask',
    'RUN mkdir -p /srv/cache && chmod 0700 /srv/cache',
    'COPY site/ /srv/site/',
    ...copies,
    'CMD ["python", "-m", "http.server"]',
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);

  it('tries every reserved name and its kebab-case spelling', () => {
    for (const n of [
      'contextFilter',
      'context-filter',
      'fromContext',
      'from-context',
      'rootFiles',
      'root-files',
      'dockerignored',
      'toString',
      'to-string',
      'builtins',
      'import',
      'app',
      'lib',
      'pkgs',
      'python',
      'src',
      'nix2container',
    ]) {
      expect(names).toContain(n);
    }
  });

  for (const format of FORMATS.map((f) => f.id)) {
    it(`neither collide nor shadow (${format})`, () => {
      const context = fsContext(dir);
      // --keep-base, so the pulled base's binding (baseImage) is there too.
      const result = convertDockerfile(dockerfile, context, rules, {
        shell,
        format,
        imageName: 'stage-names',
        dockerfilePath: 'Dockerfile',
        contextFromOutput: '.',
        outputInContext: '.',
        dockerignore: readDockerignore(context),
        keepBase: true,
      });
      const { plan } = result;
      // One derivation per named stage, each bound once.
      expect(plan.derivations).toHaveLength(names.length);
      const derivations = plan.derivations.map((d) => d.name);
      expect(new Set(derivations).size).toBe(derivations.length);
      expectDeclared(plan, format);
      // The helpers the stage names imitate are really there (the test would prove nothing otherwise).
      const { bound } = fileNames(plan);
      for (const helper of ['contextFilter', 'fromContext', 'dockerignored', 'python', ...formatOf(format).bindings]) expect(bound).toContain(helper);
      const top = [...result.files['default.nix'].matchAll(/^ {2}([A-Za-z_][A-Za-z0-9_'-]*) =/gm)].map((m) => m[1]);
      expect(new Set(top).size).toBe(top.length);
      if (!requireTool('nix-instantiate', 'parsing and evaluating the stage-names output')) return;
      const file = path.join(dir, `${format}.nix`);
      writeFileSync(file, result.files['default.nix']);
      nixParse(file);
      const inputs = formatOf(format)
        .flakeInputs.map((input) => ` ${input.name} = import ${nixString(flakeInputStub(input.name))};`)
        .join('');
      const value = nixEvalJson(
        `let pkgs = import ${nixString(stubNixpkgs)} { }; image = import ${nixString(file)} { inherit pkgs;${inputs} }; in builtins.deepSeq (image.imageArgs or image) image.name`, // --format nixos: the service root, its packages passed through
      );
      expect(value).toContain(plan.image.name);
    });
  }
});
