/**
 * `--format nixos`: nixos.nix (a NixOS module with the image's command as a systemd service) and the flake's
 * nixosConfigurations. Three levels:
 * - what the module and the reports say for Dockerfiles that exercise each difference between a container and a service;
 * - the golden fixture's nixos.nix evaluated against the nixpkgs stub: the module function is called directly with
 *   the stub's pkgs (there is no NixOS module system in the stub), and its value is checked;
 * - where the real nixpkgs tree is at hand, the fixture's flake evaluates
 *   `nixosConfigurations.<name>.config.system.build.toplevel.drvPath` (and the build-vm variant) with real-eval's Nix.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryContext } from '../../src/convert/context.js';
import { convertDockerfile } from '../../src/convert/convert.js';
import { loadRules } from '../../src/io/rules-files.js';
import { shell } from '../helpers/shell.js';
import { currentNix, nixEvalJson, nixString, repoRoot, requireTool, stubNixpkgs } from '../helpers/tools.js';

function convert(dockerfile: string, files: Record<string, string> = {}) {
  return convertDockerfile(dockerfile, memoryContext(files), loadRules(), {
    shell,
    format: 'nixos',
    dockerfilePath: 'Dockerfile',
    imageName: 'svc',
    contextFromOutput: '..',
    outputInContext: 'nix',
  });
}

const report = (plan: ReturnType<typeof convert>['plan'], keyword: string) => plan.instructions.find((i) => i.keyword === keyword)!;

describe('--format nixos: the module and the reports', () => {
  it('runs the command as a service with its environment, working directory and user, and opens the exposed ports', () => {
    const { plan, files } = convert(
      'FROM alpine:3.20\nRUN adduser -D -u 1001 web\nWORKDIR /srv\nCOPY app.sh .\nENV MODE=prod\nUSER web\nEXPOSE 8080\nCMD ["sh", "app.sh"]\n',
      { 'app.sh': 'echo hi\n' },
    );
    const nixos = files.formatFiles['nixos.nix']!;
    expect(nixos).toContain('systemd.services.svc = {');
    expect(nixos).toContain("exec 'sh' 'app.sh'");
    expect(nixos).toContain('WorkingDirectory = "/srv";');
    expect(nixos).toContain('MODE = "prod";');
    expect(nixos).toContain('User = "web";');
    expect(nixos).toMatch(/users\.users\.web = \{\n\s+isSystemUser = true;\n\s+group = "web";\n\s+uid = 1001;/);
    expect(nixos).toContain('"${app}/srv/app.sh:/srv/app.sh"');
    expect(nixos).toContain('networking.firewall.allowedTCPPorts = [ 8080 ];');
    expect(files['flake.nix']).toContain('nixosConfigurations.svc = nixpkgs.lib.nixosSystem {');
    expect(files['flake.nix']).toContain('host.port = 8080; guest.port = 8080;');
    // The image's PATH points into its own root: the service's PATH is its packages' bin folders.
    expect(nixos).not.toMatch(/PATH = /);
    expect(report(plan, 'EXPOSE').status).toBe('approximated');
    expect(report(plan, 'CMD').message).toContain('not as PID 1 of a container');
    expect(report(plan, 'CMD').message).not.toContain("host's root");
  });

  it('reports a root service, a numeric USER, a VOLUME and a STOPSIGNAL for what they are', () => {
    const root = convert('FROM alpine:3.20\nCMD ["sleep", "1000"]\n');
    expect(report(root.plan, 'CMD').message).toContain("it runs as the host's root");
    expect(root.files.formatFiles['nixos.nix']).not.toContain('users.users');

    const { plan, files } = convert('FROM alpine:3.20\nUSER 1234\nVOLUME /data\nSTOPSIGNAL QUIT\nCMD ["sleep", "1000"]\n');
    const nixos = files.formatFiles['nixos.nix']!;
    expect(nixos).toMatch(/users\.users\.svc = \{\n\s+isSystemUser = true;\n\s+group = "svc";\n\s+uid = 1234;/);
    expect(nixos).toContain('gid = 1234;');
    expect(report(plan, 'USER')).toMatchObject({ status: 'approximated' });
    expect(report(plan, 'USER').message).toContain('uid 1234 has no name in the image');
    expect(nixos).toContain('"d /data - - - -"');
    expect(report(plan, 'VOLUME').status).toBe('approximated');
    expect(report(plan, 'VOLUME').message).toContain('a service has no volumes');
    expect(nixos).toContain('KillSignal = "SIGQUIT";');
    expect(report(plan, 'STOPSIGNAL').status).toBe('approximated');
  });

  it("runs as NixOS's own nobody without declaring it, and takes a named group's own gid", () => {
    const nobody = convert('FROM alpine:3.20\nUSER nobody\nCMD ["sleep", "1000"]\n');
    expect(nobody.files.formatFiles['nixos.nix']).toContain('Group = "nogroup";');
    expect(nobody.files.formatFiles['nixos.nix']).not.toContain('users.users');
    const grouped = convert('FROM alpine:3.20\nRUN addgroup -g 2000 staff2 && adduser -D -u 1001 web\nUSER web:staff2\nCMD ["sleep", "1000"]\n');
    const nixos = grouped.files.formatFiles['nixos.nix']!;
    expect(nixos).toContain('Group = "staff2";');
    expect(nixos).toMatch(/users\.groups\.staff2 = \{\n\s+gid = 2000;/);
  });

  it('leaves a HEALTHCHECK as manual work, marked in nixos.nix', () => {
    const { plan, files } = convert('FROM alpine:3.20\nHEALTHCHECK CMD ["/bin/true"]\nCMD ["sleep", "1000"]\n');
    expect(report(plan, 'HEALTHCHECK').status).toBe('manual');
    expect(files.formatFiles['nixos.nix']).toMatch(/# TODO\(dock2nix\): line 2: HEALTHCHECK: a systemd service has no health check/);
    expect(files['default.nix']).toContain('see TODO(dock2nix) in default.nix and nixos.nix');
  });

  it('runs a program the packages put at a bin folder by name, as the image found it on its PATH', () => {
    const { plan, files } = convert('FROM node:20-alpine\nWORKDIR /app\nCOPY server.js .\nCMD ["/usr/local/bin/node", "server.js"]\n', { 'server.js': '' });
    expect(files.formatFiles['nixos.nix']).toContain("exec 'node' 'server.js'");
    expect(report(plan, 'CMD').message).toContain('/usr/local/bin/node comes from the image');
    // A program the Dockerfile placed itself keeps its path (it is bound there).
    const placed = convert('FROM alpine:3.20\nCOPY tool /usr/local/bin/tool\nCMD ["/usr/local/bin/tool"]\n', { tool: '#!/bin/sh\n' });
    expect(placed.files.formatFiles['nixos.nix']).toContain("exec '/usr/local/bin/tool'");
    expect(placed.files.formatFiles['nixos.nix']).toContain('"${app}/usr/local/bin/tool:/usr/local/bin/tool"');
  });

  it('writes `%` as `%%` where systemd expands specifiers, and leaves a path a unit line would split for manual work', () => {
    const { plan, files } = convert('FROM alpine:3.20\nENV LOG_FORMAT="%(asctime)s"\nWORKDIR "/srv/my app"\nVOLUME ["/data 1"]\nCMD ["sleep", "1000"]\n');
    const nixos = files.formatFiles['nixos.nix']!;
    expect(nixos).toContain('LOG_FORMAT = "%%(asctime)s";');
    expect(nixos).toContain('WorkingDirectory = "/srv/my app";');
    expect(nixos).not.toContain('d /srv/my app');
    expect(nixos).not.toContain('d /data 1');
    expect(report(plan, 'WORKDIR').status).toBe('manual');
    expect(report(plan, 'VOLUME').status).toBe('manual');
    expect(nixos).toMatch(/# TODO\(dock2nix\): line 3: WORKDIR/);
    expect(nixos).toMatch(/# TODO\(dock2nix\): line 4: VOLUME/);
  });

  it('cannot keep a base image: the FROM line is manual, and no layers are pulled', () => {
    const { plan, files } = convert('FROM example.com/private/runtime:1.0\nCMD ["run"]\n');
    expect(report(plan, 'FROM').status).toBe('manual');
    expect(report(plan, 'FROM').message).toContain('cannot run on a base image');
    expect(files['default.nix']).not.toContain('pullImage');
    expect(files['default.nix']).toMatch(/# TODO\(dock2nix\): line 1: FROM/);
  });
});

const fixture = path.join(repoRoot, 'fixtures/nixos-service/expected');

describe('--format nixos: the golden nixos.nix against the nixpkgs stub', () => {
  it('is a module whose service runs the command with the packages of default.nix', () => {
    if (!requireTool('nix-instantiate', 'evaluating nixos.nix against the stub')) return;
    // The module function called directly with the stub's pkgs (the stub has no NixOS module system).
    const value = nixEvalJson(
      `let pkgs = import ${nixString(stubNixpkgs)} { }; m = import ${nixString(path.join(fixture, 'nixos.nix'))} { inherit pkgs; config = { }; lib = pkgs.lib; }; s = m.systemd.services.nixos-service; in { path = map (p: p.name) s.path; inherit (s) script environment wantedBy; serviceConfig = s.serviceConfig; users = m.users; ports = m.networking.firewall.allowedTCPPorts; }`,
    ) as {
      path: string[];
      script: string;
      environment: Record<string, string>;
      wantedBy: string[];
      serviceConfig: Record<string, unknown>;
      users: { users: Record<string, { uid: number; isSystemUser: boolean; group: string }>; groups: Record<string, { gid: number }> };
      ports: number[];
    };
    expect(value.path).toEqual(expect.arrayContaining([expect.stringMatching(/^curl/), 'python312-env']));
    expect(value.script.trim()).toBe("exec 'gunicorn' '--bind' '0.0.0.0:8000' 'app:app'");
    expect(value.environment).toMatchObject({ PORT: '8000', APP_ENV: 'production' });
    expect(value.wantedBy).toEqual(['multi-user.target']);
    expect(value.serviceConfig).toMatchObject({ User: 'appuser', Group: 'appuser', WorkingDirectory: '/app', KillSignal: 'SIGINT' });
    expect(value.serviceConfig.BindReadOnlyPaths).toEqual(
      ['app/app.py', 'app/requirements.txt', 'app/static'].map((p) => expect.stringMatching(new RegExp(`^/nix/store/0+\\d+-nixos-service-root/${p}:/${p}$`))),
    );
    expect(value.users.users.appuser).toEqual({ isSystemUser: true, group: 'appuser', uid: 1000, home: '/home/appuser' });
    expect(value.users.groups.appuser).toEqual({ gid: 1000 });
    expect(value.ports).toEqual([8000]);
  });
});

// --- real nixpkgs -----------------------------------------------------------------------------------------
const tree = process.env.DOCK2NIX_REAL_NIXPKGS ?? '/tmp/real-eval-cache/nixpkgs-7beb50e7ff79da548c79762c9130477208787e96';
const problem = !existsSync(path.join(tree, 'nixos/modules/module-list.nix'))
  ? `no nixpkgs tree with nixos/modules at ${tree} (run ../shared/tools/real-eval.sh once, or set DOCK2NIX_REAL_NIXPKGS)`
  : !existsSync(currentNix)
    ? `no current Nix at ${currentNix}`
    : null;
if (problem) console.warn(`SKIP: --format nixos against real nixpkgs: ${problem}`);

const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-nixos-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * The tree real-eval.sh extracts (neg-serg/nixpkgs-slim) comments most modules out of module-list.nix (every file
 * is still there), and lacks Haskell's package set (hackage-packages.nix, too large for the snapshot), which
 * writeShellApplication's shellcheck needs. The test restores the full module list (baseModules) and stands in for
 * shellcheck-minimal; the generated flake is evaluated as it is. Under a complete nixpkgs both are no-ops.
 */
function environmentFixes(): { baseModules: string; standIn: string } {
  const modules = path.join(tree, 'nixos/modules');
  const listed = readFileSync(path.join(modules, 'module-list.nix'), 'utf8')
    .split('\n')
    .map((line) => /^\s*#?\s*(\.\/\S+)\s*$/.exec(line)?.[1])
    .filter((p): p is string => Boolean(p) && existsSync(path.join(modules, p!)));
  const file = path.join(work, 'module-list.nix');
  writeFileSync(file, `[\n${listed.map((p) => `  ${nixString(path.join(modules, p))}`).join('\n')}\n]\n`);
  return {
    baseModules: `map (p: /. + p) (import ${nixString(file)})`,
    standIn: '{ nixpkgs.overlays = [ (final: prev: { shellcheck-minimal = prev.emptyDirectory // { compiler.bootstrapAvailable = false; }; }) ]; }',
  };
}

describe.skipIf(problem !== null)('--format nixos: the flake against real nixpkgs', () => {
  // Asynchronously (a minute or more): the test worker keeps answering vitest meanwhile.
  it('evaluates nixosConfigurations.<name>.config.system.build.toplevel.drvPath and the build-vm and qemu (qcow2) image variants', async () => {
    const { baseModules, standIn } = environmentFixes();
    const expression = `
      let
        fakeFlake = src: outputs: let self = outputs // { outPath = src; lastModified = 0; lastModifiedDate = "19700101000000"; }; in self;
        real = let f = import ${nixString(path.join(tree, 'flake.nix'))}; self = fakeFlake ${nixString(tree)} (f.outputs { inherit self; }); in self;
        nixpkgs = real // { lib = real.lib // { nixosSystem = args: real.lib.nixosSystem (args // { baseModules = ${baseModules}; modules = args.modules ++ [ ${standIn} ]; }); }; };
        flake = import ${nixString(path.join(fixture, 'flake.nix'))};
        self = fakeFlake ${nixString(fixture)} (flake.outputs { inherit self nixpkgs; });
        config = self.nixosConfigurations.nixos-service.config;
      in {
        toplevel = config.system.build.toplevel.drvPath;
        vm = config.virtualisation.vmVariant.system.build.vm.drvPath;
        # nixos-rebuild build-image --image-variant qemu: the qcow2 disk image (its own disk and boot loader win).
        image = config.system.build.images.qemu.drvPath;
        unit = config.systemd.units."nixos-service.service".text;
        users = { inherit (config.users.users.appuser) uid isSystemUser group; };
        ports = config.networking.firewall.allowedTCPPorts;
      }`;
    const result = await execa(currentNix, ['--store', path.join(work, 'store'), '--eval', '--strict', '--json', '-E', expression], {
      reject: false,
      stdin: 'ignore',
      env: { HOME: work, NIX_PATH: '', NIX_CONFIG: 'build-users-group =\nexperimental-features = nix-command flakes' },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(result.exitCode, result.stderr.slice(-4000)).toBe(0);
    const value = JSON.parse(result.stdout) as { toplevel: string; vm: string; image: string; unit: string; users: Record<string, unknown>; ports: number[] };
    expect(value.toplevel).toMatch(/^\/nix\/store\/[a-z0-9]{32}-nixos-system-.*\.drv$/);
    expect(value.vm).toMatch(/-nixos-vm\.drv$/);
    expect(value.image).toMatch(/-nixos-disk-image\.drv$/);
    expect(value.unit).toMatch(/^User=appuser$/m);
    expect(value.unit).toMatch(/^WorkingDirectory=\/app$/m);
    expect(value.unit).toMatch(/^KillSignal=SIGINT$/m);
    expect(value.unit).toMatch(/^BindReadOnlyPaths=\/nix\/store\/[a-z0-9]{32}-nixos-service-root\/app\/app\.py:\/app\/app\.py$/m);
    expect(value.unit).toMatch(/^Environment="PATH=\/nix\/store\/[a-z0-9]{32}-curl-[^:]*\/bin:\/nix\/store\/[a-z0-9]{32}-python3-[^:]*-env\/bin:/m);
    expect(value.users).toEqual({ uid: 1000, isSystemUser: true, group: 'appuser' });
    expect(value.ports).toEqual(expect.arrayContaining([8000]));
  }, 900_000);
});
