/**
 * The 24 real projects of ../shared/corpus/projects, converted with their build contexts as a user would:
 * every instruction is reported, every manual one has its TODO(dock2nix) marker, the Nix parses and evaluates
 * against the nixpkgs stand-in (which refuses what nixpkgs refuses), and the report's claims hold for the classes
 * issue 13 names. Skips with a message when the corpus is not there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectMarkers } from './helpers/markers.js';
import { convertProject, projectNames, projectsDir } from './helpers/projects.js';
import { nixEvalJson, nixParse, nixString, requireTool, stubNixpkgs } from './helpers/tools.js';

const projects = projectNames();
const present = projects.length > 0;
if (!present) console.warn(`SKIP: the corpus projects are not at ${projectsDir}; real-project tests do not run`);
const out = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-projects-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.skipIf(!present)('real projects (../shared/corpus/projects)', () => {
  it('has the projects', () => {
    expect(projects.length).toBeGreaterThanOrEqual(24);
  });

  for (const name of projects) {
    it(`converts ${name}: every instruction reported, every manual one marked, the Nix parses and evaluates`, () => {
      const outputDir = path.join(out, name);
      const { plan, files } = convertProject(name, outputDir);
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
