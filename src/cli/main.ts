/**
 * The command line. This is the only place that decides the exit status; commands return a number or throw.
 * Commands are loaded lazily so `convert` does not pay for the wizard, the archive reader or the engines.
 */
import { Command, CommanderError, Option } from 'commander';
import { Dock2nixError, DockerfileErrors, isDock2nixError } from '../errors.js';
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

/**
 * An option's old spelling, kept working: hidden from --help, its value moved to the new option with a one-line
 * notice on stderr. Both spellings at once is a usage error.
 */
function renamedOption(command: Command, options: Record<string, unknown>, old: { flag: string; key: string }, now: { flag: string; key: string }, io: CliIo) {
  if (command.getOptionValueSource(old.key) !== 'cli') return;
  if (command.getOptionValueSource(now.key) === 'cli') throw new Dock2nixError('E_USAGE', `${old.flag} is the old name of ${now.flag}: give only ${now.flag}`);
  io.stderr(`dock2nix: ${old.flag} is now ${now.flag} (the old name still works)\n`);
  options[now.key] = options[old.key];
  command.setOptionValueWithSource(now.key, options[old.key], 'cli');
  delete options[old.key];
}

/** Help text after the options: examples and what each exit status means, wrapped to 80 columns. */
function helpAfter(examples: Array<[string, string]>, exits: Array<[number, string]>): string {
  return [
    '',
    'Examples:',
    ...examples.flatMap(([line, what]) => [...(what ? fold(`# ${what}`, 76).map((l, i) => `  ${i ? '# ' : ''}${l}`) : []), `  ${line}`]),
    '',
    'Exit status:',
    ...exits.flatMap(([code, what]) => fold(what, 74).map((l, i) => `  ${i ? '    ' : String(code).padEnd(4)}${l}`)),
    '',
  ].join('\n');
}

/** Words into lines of at most `width` characters (a longer word stays whole). */
function fold(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/** audit --report's choices (commands/audit.ts's ReportFormat; listed here so that main does not load the audit). */
const REPORT_FORMATS = ['text', 'json', 'markdown', 'html'];

const BAD_INPUT = 'bad input: one line `file:line: message` on stderr (a missing file, a parse error, an existing file without --force)';
const USAGE = 'usage error: an unknown option or a value it does not take';
const INTERNAL = 'internal error (a bug; --debug prints the stack trace)';

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
    .addOption(new Option('--builder <builder>', 'the Nix image builder').choices(FORMAT_IDS).default(DEFAULT_FORMAT))
    .addOption(new Option('--format <builder>', 'old name of --builder').choices(FORMAT_IDS).hideHelp())
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
    .addHelpText(
      'after',
      helpAfter(
        [
          ['dock2nix convert Dockerfile', 'writes nix/default.nix and nix/flake.nix, prints the report'],
          ['dock2nix convert app/Dockerfile -o app/nix --builder stream', 'streamLayeredImage instead of buildLayeredImage'],
          ["dock2nix convert '**/Dockerfile*' --jobs 4", 'every Dockerfile below this folder, each into its own nix folder'],
          ['dock2nix convert Dockerfile --answers nix/dock2nix.answers.json --force', "the wizard's decisions, without prompts"],
          ['dock2nix convert Dockerfile --json --fail-on manual > report.json', 'CI: exit 3 when an instruction is left for manual work'],
        ],
        [
          [0, 'the files were written (instructions left for manual work included: see the report)'],
          [1, `${BAD_INPUT}; one of several Dockerfiles failed; --check found a missing attribute`],
          [2, USAGE],
          [3, '--fail-on: an instruction is manual (or approximated); the files are written all the same'],
          [70, INTERNAL],
        ],
      ),
    )
    .action(async (dockerfiles: string[], options, command: Command) => {
      renamedOption(command, options, { flag: '--format', key: 'format' }, { flag: '--builder', key: 'builder' }, io);
      const { runConvertMany } = await import('./commands/convert.js');
      const { builder, ...rest } = options;
      exitCode = await runConvertMany(dockerfiles, { ...rest, format: builder, formatFromFlag: command.getOptionValueSource('builder') === 'cli' }, io);
    });

  program
    .command('inspect')
    .description('report on one image archive: layers, sizes, files and wasted space')
    .argument('<archive>', 'a docker-archive (.tar, .tar.gz, .tar.zst) or an OCI image layout (directory or tar)')
    .option('--json', 'print the report as JSON on stdout')
    .option('--verify', 'hash every layer and check its digests against the manifest and config (reads every byte)')
    .addHelpText(
      'after',
      helpAfter(
        [
          ['docker save myapp:latest -o myapp.tar && dock2nix inspect myapp.tar', ''],
          ['dock2nix inspect result --json', 'the image dockerTools.buildLayeredImage built (nix-build)'],
          ['dock2nix inspect oci-layout/ --verify', 'an OCI layout folder, every digest checked'],
        ],
        [
          [0, 'the report was printed'],
          [1, 'the archive cannot be read, or (--verify) a digest does not match; one line on stderr'],
          [2, USAGE],
          [70, INTERNAL],
        ],
      ),
    )
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
    .addHelpText(
      'after',
      helpAfter(
        [
          ['dock2nix diff build1.tar build2.tar', 'is the build reproducible?'],
          ['dock2nix diff docker.tar nix.tar --ignore-timestamps --json', ''],
        ],
        [
          [0, 'the images are identical (ignoring time stamps with --ignore-timestamps)'],
          [1, 'they differ (the report says where), or an archive cannot be read (one line on stderr)'],
          [2, USAGE],
          [70, INTERNAL],
        ],
      ),
    )
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
      new Option('--builder <builder>', 'the Nix image builder for the conversion (one whose result docker load takes)')
        .choices(ARCHIVE_FORMAT_IDS)
        .default(DEFAULT_FORMAT),
    )
    .addOption(new Option('--nix-format <builder>', 'old name of --builder').choices(ARCHIVE_FORMAT_IDS).hideHelp())
    .option('--save-nix [dir]', 'keep the converted Nix in DIR (default: <context>/nix) instead of a temporary folder')
    .option('--builders <spec>', 'Nix remote builders (nix-build --builders)')
    .option('--nix-option <NAME=VALUE>', 'pass --option NAME VALUE to Nix (repeatable)', collect, [])
    .option('--docker-archive <file>', 'use this image archive for the Dockerfile side instead of building it')
    .option('--nix-archive <file>', 'use this image archive for the Nix side instead of building it')
    .option('--repro', 'build each image a second time, without cache, and compare the two builds')
    .option('--ignore-timestamps', 'leave time-stamp differences out of the reproducibility lists and gates')
    .addOption(new Option('--report <format>', 'report format (default: from the -o extension, else text)').choices(REPORT_FORMATS))
    .addOption(new Option('--format <format>', 'old name of --report').choices(REPORT_FORMATS).hideHelp())
    .option('--json', 'same as --report json')
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
    .addHelpText(
      'after',
      helpAfter(
        [
          ['dock2nix audit Dockerfile', 'build both images, compare them side by side'],
          ['dock2nix audit Dockerfile --repro --engine podman -o audit.html', 'also rebuild each without cache; an HTML report'],
          ['dock2nix audit Dockerfile --nix nix/ --report markdown >> "$GITHUB_STEP_SUMMARY"', 'your own Nix instead of a fresh conversion'],
          ['dock2nix audit --docker-archive a.tar --nix-archive b.tar --fail-on nix-not-smaller', 'two archives built elsewhere; a CI gate'],
        ],
        [
          [0, 'the report was written, and no --fail-on rule holds'],
          [1, `${BAD_INPUT}; a build failed (its last lines on stderr)`],
          [2, USAGE],
          [3, 'a --fail-on rule holds (the report is written all the same)'],
          [70, INTERNAL],
          [130, 'interrupted (Ctrl-C): the builds were stopped, no report written'],
        ],
      ),
    )
    .action(async (dockerfile: string | undefined, options, command: Command) => {
      renamedOption(command, options, { flag: '--format', key: 'format' }, { flag: '--report', key: 'report' }, io);
      renamedOption(command, options, { flag: '--nix-format', key: 'nixFormat' }, { flag: '--builder', key: 'builder' }, io);
      const { runAuditCommand } = await import('./commands/audit.js');
      const { report, builder, ...rest } = options;
      exitCode = await runAuditCommand({ dockerfile, ...rest, format: report, nixFormat: builder }, io);
    });
  program
    .command('wizard')
    .description('convert a Dockerfile step by step: explains what it found, asks each decision, saves the answers for `convert --answers`')
    .argument('[dockerfile]', 'the Dockerfile (default: ask among Dockerfile, *.Dockerfile and Dockerfile.* in this folder and below)')
    .option('--context <dir>', "build context (default: the Dockerfile's folder); saved in the answers file")
    .option('--build-arg <NAME=VALUE>', 'set a build argument (repeatable); saved in the answers file unless it looks like a credential', collect, [])
    .addHelpText(
      'after',
      helpAfter(
        [
          ['dock2nix wizard', 'asks which Dockerfile when there are several'],
          ['dock2nix wizard services/api/Dockerfile --build-arg VERSION=1.2', ''],
        ],
        [
          [0, 'the files and dock2nix.answers.json were written (or you chose to write nothing)'],
          [1, BAD_INPUT],
          [2, `${USAGE}; not a terminal (use convert --answers there)`],
          [70, INTERNAL],
          [130, 'cancelled (Ctrl-C or Escape): nothing was written'],
        ],
      ),
    )
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
    .addHelpText(
      'after',
      helpAfter(
        [
          ['dock2nix rules', 'every table, entry by entry'],
          ['dock2nix rules apk py3-pip', 'what an apk name maps to, and why'],
          ['dock2nix rules check --nixpkgs ~/src/nixpkgs', 'evaluate every table attribute against that nixpkgs'],
          ['dock2nix rules index --nixpkgs ~/src/nixpkgs -o my-index', 'then DOCK2NIX_NIXPKGS_INDEX=my-index dock2nix convert ...'],
        ],
        [
          [0, 'the answer was printed; "check": every attribute evaluates'],
          [1, `no table maps the name; "check": an attribute is missing or names another version; ${BAD_INPUT}`],
          [2, USAGE],
          [4, '"check": nothing was checked, since nix-instantiate or nixpkgs is not there (the line on stderr says which)'],
          [70, INTERNAL],
        ],
      ),
    )
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
    for (const line of error instanceof DockerfileErrors ? error.lines() : [error.oneLine()]) io.stderr(`dock2nix: ${line}\n`);
    if (error.details) io.stderr(error.details.map((line) => `  ${line}\n`).join(''));
    if (debug && error.stack) io.stderr(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`dock2nix: internal error: ${message}${debug ? '' : ' (rerun with --debug for details)'}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return 70;
}
