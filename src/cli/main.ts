/**
 * The command line. This is the only place that decides the exit status; commands return a number or throw.
 * Commands are loaded lazily so `convert` does not pay for the wizard, the archive reader or the engines.
 */
import { Command, CommanderError, Option } from 'commander';
import { Dock2nixError, isDock2nixError } from '../errors.js';
import { toolVersion } from '../version.js';
import { ARCHIVE_FORMAT_IDS, DEFAULT_FORMAT, FORMAT_IDS } from '../nix/formats/index.js';
import { MAX_MAX_LAYERS, MIN_MAX_LAYERS } from '../convert/types.js';
import { defaultIo, type CliIo } from './io.js';

/** A parser for a numeric option: a whole number in [min, max], else a usage error naming the option. */
function wholeNumber(option: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
    if (!(n >= min && n <= max)) throw new Dock2nixError('E_USAGE', `${option} ${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`);
    return n;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const debug = argv.includes('--debug');
  // The command line runs bundled (scripts/bundle.mjs): stack traces name the source files through its source maps.
  if (debug) process.setSourceMapsEnabled(true);
  let exitCode = 0;
  const program = new Command();
  program
    .name('dock2nix')
    .description('Move container images from Dockerfiles to Nix: convert, compare and explain.')
    .version(toolVersion, '-V, --version')
    .option('--debug', 'print stack traces for unexpected errors')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false);

  program
    .command('convert')
    .description('convert a Dockerfile into Nix (default.nix and flake.nix) and report on every instruction')
    .argument('<dockerfile...>', "the Dockerfile(s) to convert; a quoted glob such as '**/Dockerfile*' converts every match")
    .option('-o, --output <dir>', 'output folder (default: <context>/nix)')
    .option('--context <dir>', "build context (default: the Dockerfile's folder)")
    .option('--target <stage>', 'the stage to build (default: the last one)')
    .addOption(new Option('--format <format>', 'image builder').choices(FORMAT_IDS).default(DEFAULT_FORMAT))
    .option('--with-dockerfile', 'also write Dockerfile.nix: builds the same image with Docker alone (a Nix image builds the root, FROM scratch copies it)')
    .option('--keep-base', "keep the image's base as a pulled image (pullImage) even when dock2nix could map it; only the Dockerfile's own layers move to Nix")
    .option('--build-arg <NAME=VALUE>', 'set a build argument, as docker build does (repeatable)', collect, [])
    .option(
      '--max-layers <n>',
      "the image's layer limit: maxLayers of buildLayeredImage/streamLayeredImage (default 100), of nix2container.buildImage (default here 100); 2 to 125",
      wholeNumber('--max-layers', MIN_MAX_LAYERS, MAX_MAX_LAYERS),
    )
    .option('--name <name>', 'image name (default: from the context folder)')
    .option('--json', 'print the migration report as JSON on stdout')
    .option('--force', 'overwrite existing output files')
    .option('--answers <file>', 'apply the decisions saved by `dock2nix wizard` (dock2nix.answers.json)')
    .option('--check', 'evaluate every attribute the output uses against your nixpkgs (needs nix-instantiate)')
    .option('--nixpkgs <path>', 'the nixpkgs to check against (default: <nixpkgs> from NIX_PATH)')
    .option('--jobs <n>', 'threads for converting several Dockerfiles (default: one fewer than the cores)', wholeNumber('--jobs', 1, 16))
    .addOption(
      new Option('--fail-on <status>', 'exit 3 (files still written) when an instruction is manual, or approximated or manual').choices([
        'manual',
        'approximated',
      ]),
    )
    .action(async (dockerfiles: string[], options, command: Command) => {
      const { runConvertMany } = await import('./commands/convert.js');
      exitCode = await runConvertMany(dockerfiles, { ...options, formatFromFlag: command.getOptionValueSource('format') === 'cli' }, io);
    });

  program
    .command('inspect')
    .description('report on one image archive: layers, sizes, files and wasted space')
    .argument('<archive>', 'a docker-archive (.tar, .tar.gz, .tar.zst) or an OCI image layout (directory or tar)')
    .option('--json', 'print the report as JSON on stdout')
    .option('--verify', 'hash every layer and check its digests against the manifest and config (reads every byte)')
    .action(async (archive: string, options) => {
      const { runInspect } = await import('./commands/inspect.js');
      exitCode = await runInspect({ archive, ...options }, io);
    });

  program
    .command('diff')
    .description('compare two image archives layer by layer and file by file (exit 0 when identical, 1 when not)')
    .argument('<archiveA>', 'first image archive')
    .argument('<archiveB>', 'second image archive')
    .option('--json', 'print the reproducibility report as JSON on stdout')
    .option('--ignore-timestamps', 'ignore differences in modification times and creation dates')
    .action(async (archiveA: string, archiveB: string, options) => {
      const { runDiff } = await import('./commands/diff.js');
      exitCode = await runDiff({ archiveA, archiveB, ...options }, io);
    });

  program
    .command('audit')
    .description('build the Dockerfile image and its Nix conversion, then report size, layers, wasted space and reproducibility side by side')
    .argument('[dockerfile]', 'the Dockerfile to build (and convert to Nix, unless --nix or --nix-archive is given)')
    .addOption(
      new Option('--engine <engine>', 'container engine for the Dockerfile').choices(['auto', 'docker', 'podman', 'buildah', 'buildkit']).default('auto'),
    )
    .option('--context <dir>', "build context (default: the Dockerfile's folder)")
    .option('--target <stage>', 'the stage to build (default: the last one)')
    .option('--build-arg <NAME=VALUE>', 'build argument for the engine and the conversion (repeatable)', collect, [])
    .option('--platform <os/arch>', 'build for this platform (engine --platform; Nix system)')
    .option('--timestamp <seconds>', 'clamp time stamps: buildah/podman --timestamp, SOURCE_DATE_EPOCH for Docker and BuildKit')
    .option('--storage-driver <driver>', 'podman/buildah storage driver (e.g. vfs)')
    .option('--isolation <type>', 'podman/buildah isolation for RUN (oci, chroot, rootless)')
    .addOption(new Option('--pull <policy>', 'when the engine pulls base images').choices(['always', 'missing', 'never', 'newer']))
    .option('--nix <path>', 'build this Nix file, flake or folder instead of converting the Dockerfile')
    .option('--nix-attr <attr>', 'attribute to build (nix-build -A, or the flake output)')
    .addOption(
      new Option('--nix-format <format>', 'image builder for the converted Nix (one whose result docker load takes)')
        .choices(ARCHIVE_FORMAT_IDS)
        .default(DEFAULT_FORMAT),
    )
    .option('--save-nix [dir]', 'keep the converted Nix in DIR (default: <context>/nix) instead of a temporary folder')
    .option('--builders <spec>', 'Nix remote builders (nix-build --builders)')
    .option('--nix-option <NAME=VALUE>', 'pass --option NAME VALUE to Nix (repeatable)', collect, [])
    .option('--docker-archive <file>', 'use this image archive for the Dockerfile side instead of building it')
    .option('--nix-archive <file>', 'use this image archive for the Nix side instead of building it')
    .option('--repro', 'build each image a second time, without cache, and compare the two builds')
    .option('--ignore-timestamps', 'leave time-stamp differences out of the reproducibility lists and gates')
    .addOption(new Option('--format <format>', 'report format (default: from the -o extension, else text)').choices(['text', 'json', 'markdown', 'html']))
    .option('--json', 'same as --format json')
    .option('-o, --output <file>', 'write the report to FILE (atomically) instead of stdout')
    .option('--force', 'overwrite existing files (report, --save-nix, --keep-archives)')
    .option(
      '--fail-on <rule>',
      'exit 3 when a rule holds: not-equivalent, nix-not-smaller, not-reproducible, efficiency<0.9, nix.wasted>20MB... (repeatable)',
      collect,
      [],
    )
    .option('--keep-archives <dir>', 'keep the built image archives in DIR')
    .option('--all-files', 'list every file difference, not only those under what the Dockerfile put in the image')
    .option('--sbom-dir <dir>', "write each image's packages as CycloneDX 1.6 and SPDX 2.3 JSON into DIR")
    .option('--smoke [command]', "start both images with podman/docker, no network (each image's own command, or COMMAND), and compare")
    .option('--smoke-seconds <n>', 'how long each image runs in the smoke run (default 5, at most 300)')
    .addOption(
      new Option('--progress <mode>', 'live build output on stderr (auto: when stdout is a terminal and not --json)')
        .choices(['auto', 'plain', 'none'])
        .default('auto'),
    )
    .action(async (dockerfile: string | undefined, options) => {
      const { runAuditCommand } = await import('./commands/audit.js');
      exitCode = await runAuditCommand({ dockerfile, ...options }, io);
    });
  program
    .command('wizard')
    .description('convert a Dockerfile step by step: explains what it found, asks each decision, saves the answers for `convert --answers`')
    .argument('[dockerfile]', 'the Dockerfile (default: ask among Dockerfile, *.Dockerfile and Dockerfile.* in this folder and below)')
    .option('--context <dir>', "build context (default: the Dockerfile's folder); saved in the answers file")
    .option('--build-arg <NAME=VALUE>', 'set a build argument (repeatable); saved in the answers file unless it looks like a credential', collect, [])
    .action(async (dockerfile: string | undefined, options: { context?: string; buildArg: string[] }) => {
      const { runWizardCommand } = await import('./commands/wizard.js');
      exitCode = await runWizardCommand({ dockerfile, ...options }, io);
    });
  program
    .command('rules')
    .description(
      'show what a package name maps to in nixpkgs (confidence, note, evidence), or a whole table; "rules check" evaluates every table attribute against your nixpkgs; "rules index --nixpkgs PATH" rebuilds the nixpkgs index lookups fall back on from your nixpkgs',
    )
    .argument('[manager]', 'a package manager with a table (`dock2nix rules` lists them: apk, apt, dnf, …); or "check", or "index"')
    .argument('[name]', 'a package name as the Dockerfile writes it')
    .option('--json', 'print JSON on stdout')
    .option('--nixpkgs <path>', 'with "check": the nixpkgs to check against (default: <nixpkgs> from NIX_PATH); with "index": the nixpkgs tree to index')
    .option('-o, --output <dir>', 'with "index": where to write the index (default: the rules/nixpkgs-index dock2nix reads)')
    .option('--sets <list>', 'with "index": top-level and/or Python interpreters (python313), comma-separated (default: all)')
    .option('--only <names>', 'with "index": evaluate only these attribute names, comma-separated')
    .action(async (manager: string | undefined, name: string | undefined, options) => {
      if (manager === 'index') {
        if (name !== undefined) throw new Dock2nixError('E_USAGE', `"rules index" takes no name (got "${name}")`);
        const { runRulesIndex } = await import('./commands/rules-index.js');
        exitCode = await runRulesIndex(options, io);
        return;
      }
      if (options.output !== undefined || options.sets !== undefined || options.only !== undefined)
        throw new Dock2nixError('E_USAGE', '--output, --sets and --only only apply to "dock2nix rules index"');
      const { runRules } = await import('./commands/rules.js');
      exitCode = await runRules({ manager, name, ...options }, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, debug, io);
  }
}

function reportError(error: unknown, debug: boolean, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help text).
    return error.exitCode === 0 ? 0 : 2;
  }
  if (isDock2nixError(error)) {
    io.stderr(`dock2nix: ${error.oneLine()}\n`);
    if (error.details) io.stderr(error.details.map((line) => `  ${line}\n`).join(''));
    if (debug && error.stack) io.stderr(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`dock2nix: internal error: ${message}${debug ? '' : ' (rerun with --debug for details)'}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return 70;
}
