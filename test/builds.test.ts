/**
 * Build stages on real-project patterns (fixtures/<case>/, written after the corpus projects named in each test):
 * Rust git dependencies and missing lock files, cargo-chef and placeholder crates, `-p`/`--bin`, binaries copied
 * after the build, `make build` in Go stages, commands a language builder does not do itself, and stage names
 * that would collide with the names default.nix binds.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { fsContext, readDockerignore } from '../src/io/fs-context.js';
import { loadRules } from '../src/io/rules-files.js';
import { EMITTER_BINDINGS, NIX_GLOBALS, NIX_KEYWORDS, NameScope, derivationNames } from '../src/nix/scope.js';
import { makeRecipe } from '../src/ecosystems/go/make-recipe.js';
import { repoRoot } from './helpers/tools.js';
import { shell } from './helpers/shell.js';

function convertDir(dir: string, label: string) {
  const context = fsContext(dir);
  return convertDockerfile(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), context, loadRules(), {
    shell,
    dockerfilePath: `${label}/Dockerfile`,
    imageName: path.basename(dir),
    contextFromOutput: '..',
    outputInContext: 'expected',
    dockerignore: readDockerignore(context),
    contextLabel: label,
  });
}
const fixture = (name: string) => convertDir(path.join(repoRoot, 'fixtures', name), `fixtures/${name}`);
const status = (result: ReturnType<typeof fixture>, line: number) => result.plan.instructions.find((i) => i.line === line)!;

describe('Rust build stages', () => {
  it('git dependencies get one outputHashes entry per git source, with a marker (recipena pattern)', () => {
    const { files, plan } = fixture('rust-git-dep');
    const nix = files['default.nix'];
    // Two packages come from the same commit: one hash.
    expect(nix).toMatch(
      /cargoLock\.outputHashes = \{\n\s+# TODO\(dock2nix\): line 5: build once and paste the hash Nix prints for the git dependency https:\/\/example\.org\/chat-sdk\.git here\.\n\s+"chat-sdk-1\.2\.0" = lib\.fakeHash;\n\s+\};/,
    );
    expect(nix).not.toContain('chat-sdk-macros-1.2.0');
    expect(status({ files, plan } as never, 5).status).toBe('approximated');
  });

  it('a missing Cargo.lock is manual and never referenced; --bin and cp to /usr/local/bin are honoured', () => {
    const result = fixture('rust-no-lock');
    const nix = result.files['default.nix'];
    expect(nix).not.toMatch(/cargoLock\.lockFile =/);
    expect(nix).not.toContain('/Cargo.lock"');
    expect(nix).toMatch(/# TODO\(dock2nix\): line 6: there is no Cargo\.lock.*\n\s+cargoHash = lib\.fakeHash;/);
    expect(nix).toContain('cargoBuildFlags = [ "--bin" "greeter" ];');
    expect(nix).toContain("place \"${build}\"'/bin/greeter' 'usr/local/bin/greeter'");
    expect(status(result, 6).status).toBe('manual');
  });

  it('cargo-chef planner and cook stages are dependency caching; the binary copied to /out is placed (glitch-lambda pattern)', () => {
    const result = fixture('rust-chef-export');
    expect(result.plan.derivations.map((d) => d.name)).toEqual(['builder']);
    for (const line of [3, 8, 11, 12]) expect(status(result, line).status).toBe('ignored');
    expect(result.plan.stages.find((s) => s.name === 'planner')!.role).toBe('merged');
    expect(result.files['default.nix']).toContain("place \"${builder}\"'/bin/bootstrap' 'bootstrap'");
    expect(result.files['default.nix']).toContain('cargoBuildFlags = [ "--bin" "bootstrap" ];');
  });

  it('a workspace built with --package after a placeholder crate: one derivation of the member (noxious pattern)', () => {
    const result = fixture('rust-workspace-dummy');
    expect(result.plan.derivations).toHaveLength(1);
    const [derivation] = result.plan.derivations;
    expect(derivation).toMatchObject({
      name: 'build',
      pname: 'proxy-server',
      version: '0.4.1',
      src: { root: '', include: ['Cargo.lock', 'Cargo.toml', 'core', 'server'] },
    });
    expect(result.files['default.nix']).toContain('cargoBuildFlags = [ "-p" "proxy-server" ];');
    expect(result.plan.instructions.filter((i) => i.status === 'manual')).toEqual([]);
    expect(status(result, 8).rule).toBe('run.cargo.dummy');
    expect(status(result, 11).rule).toBe('run.cargo.dummy');
    expect(status(result, 18).rule).toBe('copy.from-stage.cache');
  });
});

describe('Go build stages', () => {
  it('make build with a Makefile recipe dock2nix cannot read: buildGoModule runs the target, marked (go-park deploy pattern)', () => {
    const result = fixture('go-make-cgo');
    const nix = result.files['default.nix'];
    expect(nix).toMatch(
      /# TODO\(dock2nix\): line 6: the Makefile target runs as written.*\n\s+buildPhase = ''\n\s+runHook preBuild\n\s+# Dockerfile line 6\n\s+make build\n/,
    );
    expect(nix).toContain('CGO_ENABLED = 1;');
    expect(nix).toContain("cp -r 'bin/app' $out/'bin/app'");
    expect(nix).toMatch(/pkgs\.buildGo\d+Module \{/);
    expect(status(result, 6).status).toBe('manual');
  });

  it('make build whose recipe is a plain go build becomes buildGoModule flags; go generate is replayed before the build', () => {
    const result = fixture('go-make-recipe');
    const nix = result.files['default.nix'];
    expect(nix).not.toContain('buildPhase');
    expect(nix).toContain('subPackages = [ "cmd/server" ];');
    expect(nix).toContain('ldflags = [ "-s" "-w" ];');
    expect(nix).toContain('tags = [ "netgo" ];');
    expect(nix).toMatch(/postConfigure = ''\n\s+# Dockerfile line 7\n\s+go generate \.\/\.\.\.\n/);
    expect(nix).toContain("place \"${builder}\"'/bin/server' 'server'");
    expect(status(result, 7).status).toBe('approximated');
  });

  it('reads Makefile recipes with variables and prerequisites, and refuses what needs make itself', () => {
    expect(makeRecipe('GO ?= go\nOUT = bin/x\nall: gen build\ngen:\n\t@$(GO) generate ./...\nbuild:\n\t$(GO) build -o $(OUT) .\n', null, {})).toEqual({
      target: 'all',
      commands: ['go generate ./...', 'go build -o bin/x .'],
    });
    expect(makeRecipe('build:\n\tgo build -o $@ .\n', 'build', {})).toBeNull();
    expect(makeRecipe('V := $(shell git describe)\nbuild:\n\tgo build -ldflags "-X main.v=$(V)" .\n', 'build', {})).toBeNull();
    expect(makeRecipe('', 'build', {})).toBeNull();
  });
});

describe('commands a language builder does not do itself', () => {
  it('are replayed in order, with a marker when not converted, and the stage still installs what is copied', () => {
    const result = fixture('node-npx-vite');
    const nix = result.files['default.nix'];
    expect(nix).toMatch(
      /buildPhase = ''\n\s+runHook preBuild\n\s+# Dockerfile line 7\n\s+npx vite build\n\s+# TODO\(dock2nix\): line 7: not converted; replayed as written.*\n\s+npx prettier --check src\n\s+runHook postBuild\n/,
    );
    expect(nix).not.toContain('dontNpmBuild');
    expect(nix).toContain("cp -r 'dist' $out/'dist'");
    expect(status(result, 7).status).toBe('manual');
    expect(result.plan.derivations[0]!.lines).toContain(7);
  });
});

describe('the naming scope', () => {
  const taken = new Set<string>([...EMITTER_BINDINGS, ...NIX_GLOBALS, ...NIX_KEYWORDS]);

  it('gives every stage a name no helper, global or other stage has', () => {
    const result = fixture('stage-names');
    const names = result.plan.derivations.map((d) => d.name);
    expect(names).toHaveLength(11);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(taken.has(name)).toBe(false);
      expect(name).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    }
    // The let block binds each name once.
    const bound = [...result.files['default.nix'].matchAll(/^ {2}([A-Za-z_][A-Za-z0-9_'-]*) =/gm)].map((m) => m[1]);
    expect(new Set(bound).size).toBe(bound.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'appStage',
        'stage1',
        'stage1Stage',
        'contextFilterStage',
        'toStringStage',
        'aB',
        'aBStage',
        'nullStage',
        'trueStage',
        'libStage',
        'fromContextStage',
      ]),
    );
  });

  it.each([
    'app',
    'context-filter',
    'to-string',
    'a.b',
    'null',
    'true',
    'false',
    'lib',
    'pkgs',
    'python',
    'toString',
    'builtins',
    'import',
    'src',
    'let',
    'or',
    '123',
  ])('claims a free name for a stage named %s', (name) => {
    const names = derivationNames(
      [
        { index: 0, name },
        { index: 1, name: null },
        { index: 2, name: null },
      ],
      2,
    );
    expect(taken.has(names.get(0)!)).toBe(false);
    expect(names.get(0)).not.toBe(names.get(2));
    expect(names.get(2)).toBe('app');
  });

  it('never hands out a name twice', () => {
    const scope = new NameScope();
    const claimed = ['a-b', 'a.b', 'a_b', 'aB', 'aBStage', 'a b'].map((n) => scope.claim(n));
    expect(new Set(claimed).size).toBe(claimed.length);
  });
});

describe('corpus build stages', () => {
  const corpus = path.resolve(repoRoot, '../shared/corpus/projects');
  const has = existsSync(corpus);
  if (!has) console.log(`corpus build-stage checks skipped: ${corpus} is not here`);
  const project = (name: string) => convertDir(path.join(corpus, name), name);

  it.skipIf(!has)('shusann01116__recipena: the git dependency has its outputHashes entry', () => {
    expect(project('shusann01116__recipena').files['default.nix']).toMatch(
      /cargoLock\.outputHashes = \{\n\s+# TODO\(dock2nix\): line 6: [^\n]*\n\s+"line-bot-sdk-rust-1\.0\.2" = lib\.fakeHash;/,
    );
  });
  it.skipIf(!has)('jlkiri__glitch-lambda: no planner derivation, the cook step is ignored', () => {
    const result = project('jlkiri__glitch-lambda');
    expect(result.plan.derivations.map((d) => d.build.kind)).toEqual(['rust']);
    expect(result.plan.instructions.find((i) => i.line === 11)!.status).toBe('ignored');
  });
  it.skipIf(!has)('oguzbilgener__noxious: the server package of the workspace', () => {
    const result = project('oguzbilgener__noxious');
    expect(result.plan.derivations).toHaveLength(1);
    expect(result.files['default.nix']).toContain('cargoBuildFlags = [ "-p" "noxious-server" ];');
  });
  it.skipIf(!has)('go-park-mail-ru__deploy: make build runs with Go and cgo', () => {
    const nix = project('go-park-mail-ru__deploy').files['default.nix'];
    expect(nix).toMatch(/buildGo\d+Module/);
    expect(nix).toContain('make build');
    expect(nix).toContain('CGO_ENABLED = 1;');
  });
});
