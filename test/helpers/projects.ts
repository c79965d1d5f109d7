/** The real projects of ../shared/corpus/projects, converted with their build contexts as a user would. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { convertDockerfile } from '../../src/convert/convert.js';
import { fsContext, readDockerignore } from '../../src/io/fs-context.js';
import { loadRules } from '../../src/io/rules-files.js';
import { corpusDir } from './tools.js';
import { shell } from './shell.js';

export const projectsDir = path.join(corpusDir, 'projects');

/** The projects' folder names, sorted; none when the corpus is not there. */
export function projectNames(): string[] {
  if (!existsSync(projectsDir)) return [];
  return readdirSync(projectsDir)
    .filter((name) => existsSync(path.join(projectsDir, name, 'Dockerfile')))
    .sort();
}

/** Convert one project into `outputDir` (outside its context, as `-o` would) and write both files there. */
export function convertProject(name: string, outputDir: string) {
  const contextDir = path.join(projectsDir, name);
  mkdirSync(outputDir, { recursive: true });
  const context = fsContext(contextDir);
  const result = convertDockerfile(readFileSync(path.join(contextDir, 'Dockerfile'), 'utf8'), context, loadRules(), {
    shell,
    dockerfilePath: `${name}/Dockerfile`,
    imageName: name.toLowerCase(),
    contextFromOutput: path.relative(outputDir, contextDir),
    outputInContext: null,
    dockerignore: readDockerignore(context),
    contextLabel: name,
  });
  writeFileSync(path.join(outputDir, 'default.nix'), result.files['default.nix']);
  writeFileSync(path.join(outputDir, 'flake.nix'), result.files['flake.nix']);
  for (const [name, content] of Object.entries(result.files.extra)) writeFileSync(path.join(outputDir, name), content);
  return result;
}
