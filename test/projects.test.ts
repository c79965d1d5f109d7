/**
 * The 24 real projects of ../shared/corpus/projects, converted with their build contexts as a user would:
 * every instruction is reported, every manual one has its TODO(dock2nix) marker, the Nix parses and evaluates
 * against the nixpkgs stand-in (which refuses what nixpkgs refuses), and the report's claims hold for the classes
 * issue 13 names. Skips with a message when the corpus is not there.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { fsContext, readDockerignore } from '../src/io/fs-context.js';
import { loadRules } from '../src/rules/load.js';
import { expectMarkers } from './helpers/markers.js';
import { corpusDir, nixEvalJson, nixParse, nixString, requireTool, stubNixpkgs } from './helpers/tools.js';

const projectsDir = path.join(corpusDir, 'projects');
const present = existsSync(projectsDir);
if (!present) console.warn(`SKIP: the corpus projects are not at ${projectsDir}; real-project tests do not run`);
const projects = present ? readdirSync(projectsDir).filter((name) => existsSync(path.join(projectsDir, name, 'Dockerfile'))).sort() : [];
const out = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-projects-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function convertProject(name: string) {
  const contextDir = path.join(projectsDir, name);
  const outputDir = path.join(out, name);
  mkdirSync(outputDir, { recursive: true });
  const context = fsContext(contextDir);
  const result = convertDockerfile(readFileSync(path.join(contextDir, 'Dockerfile'), 'utf8'), context, loadRules(), {
    dockerfilePath: `${name}/Dockerfile`,
    imageName: name.toLowerCase(),
    contextFromOutput: path.relative(outputDir, contextDir),
    outputInContext: null,
    dockerignore: readDockerignore(context),
    contextLabel: name,
  });
  writeFileSync(path.join(outputDir, 'default.nix'), result.files['default.nix']);
  writeFileSync(path.join(outputDir, 'flake.nix'), result.files['flake.nix']);
  return { ...result, outputDir };
}

describe.skipIf(!present)('real projects (../shared/corpus/projects)', () => {
  it('has the projects', () => {
    expect(projects.length).toBeGreaterThanOrEqual(24);
  });

  for (const name of projects) {
    it(`converts ${name}: every instruction reported, every manual one marked, the Nix parses and evaluates`, () => {
      const { plan, files, outputDir } = convertProject(name);
      const lines = plan.instructions.map((i) => i.line);
      expect(new Set(lines).size).toBe(lines.length);
      expectMarkers(plan, files['default.nix'], name);
      if (!requireTool('nix-instantiate', `Nix checks of project ${name}`)) return;
      nixParse(path.join(outputDir, 'default.nix'));
      nixParse(path.join(outputDir, 'flake.nix'));
      const image = nixEvalJson(
        `let pkgs = import ${nixString(stubNixpkgs)} { }; image = import ${nixString(path.join(outputDir, 'default.nix'))} { inherit pkgs; }; in { checked = builtins.deepSeq image.imageArgs true; }`,
      ) as { checked: boolean };
      expect(image.checked).toBe(true);
    });
  }
});
