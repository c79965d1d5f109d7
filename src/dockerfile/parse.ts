/**
 * Dockerfile text → model. dockerfile-ast finds the instructions, flags and heredocs; this module applies
 * Docker's semantics on top: line continuations and comments inside them, the escape directive, ARG/ENV scoping
 * and substitution, `--build-arg` overrides, exec versus shell forms.
 */
import type { Instruction as AstInstruction, Flag } from 'dockerfile-ast';
import { Dock2nixError, DockerfileErrors } from '../errors.js';
import { parseRemembering } from './ast-arguments.js';
import type { CommandForm, Dockerfile, Heredoc, Instruction, Keyword, Location, Mount, Stage } from './model.js';
import { expandVariables, expandWord, splitWords, type Env } from './words.js';
import { resolvePath } from '../container-path.js';

/** The PATH Docker gives a container whose image sets none; official base images set this or extend it. */
export const DOCKER_DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The longest value variable substitution may produce (docs/security.md); real values are far shorter. */
export const MAX_EXPANDED_LENGTH = 65_536;

/** At most this many errors of one Dockerfile are reported (then: "stopped after"). */
export const MAX_ERRORS = 20;

const KEYWORDS = new Set<Keyword>([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'MAINTAINER',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

/** Build arguments BuildKit defines for every build (values for a linux/amd64 build). */
const AUTOMATIC_ARGS: Record<string, string> = {
  TARGETPLATFORM: 'linux/amd64',
  TARGETOS: 'linux',
  TARGETARCH: 'amd64',
  TARGETVARIANT: '',
  BUILDPLATFORM: 'linux/amd64',
  BUILDOS: 'linux',
  BUILDARCH: 'amd64',
  BUILDVARIANT: '',
};

export interface ParseOptions {
  /** `--build-arg NAME=VALUE` values. */
  buildArgs?: Record<string, string>;
  /**
   * What a base image's own ENV sets, as far as the tables know it (`USER $APP_UID` of the .NET images): Docker
   * substitutes those variables too. PATH stays as below.
   */
  baseEnv?: (image: string) => Record<string, string> | undefined;
}

export function parseDockerfile(source: string, path: string, options: ParseOptions = {}): Dockerfile {
  const text = normaliseSource(source, path);
  const lines = text.split('\n');
  const ast = parseRemembering(text);
  const escape = ast.getEscapeCharacter();
  const directives: Record<string, string> = {};
  for (const directive of ast.getDirectives()) {
    const name = directive.getName().toLowerCase();
    const value = directive.getValue();
    if (name === 'escape' && value !== '\\' && value !== '`') {
      throw new Dock2nixError('E_INPUT', `invalid escape directive "${value}": it must be \\ or \``, { file: path, line: directive.getRange().start.line + 1 });
    }
    directives[name] = value;
  }

  const buildArgs = options.buildArgs ?? {};
  const warnings: Dockerfile['warnings'] = [];
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  const all: Instruction[] = [];
  /** Global scope: ARGs before the first FROM. */
  const globalScope = new Map<string, string>(Object.entries(AUTOMATIC_ARGS));
  /** Values of global ARGs as declared (a stage must re-declare `ARG NAME` to see them). */
  const declaredGlobals = new Map<string, string>();

  let stage: Stage | null = null;
  let stageArgs = new Map<string, string>();
  let stageEnv = new Map<string, string>();
  let workdir = '/';
  const stageEnvs: Array<Map<string, string>> = [];
  const stageWorkdirs: string[] = [];

  const scope = (): Env => new Map([...stageArgs, ...stageEnv]);
  const warnUnknown = (line: number, unknown: string[]) => {
    for (const name of unknown) warnings.push({ line, message: `variable $${name} is not defined here; Docker substitutes an empty string` });
  };
  /** Expansion is bounded: `ENV A=$A$A` repeated would otherwise double the value (and the output) every line. */
  const bounded = <T extends string>(text: T, line: number): T => {
    if (text.length > MAX_EXPANDED_LENGTH) {
      throw fatal(
        new Dock2nixError(
          'E_INPUT',
          `a value here expands to more than ${MAX_EXPANDED_LENGTH} characters after variable substitution; dock2nix refuses values this large`,
          { file: path, line },
        ),
      );
    }
    return text;
  };
  const expand = (value: string, line: number, env: Env = scope()) => {
    const result = expandWord(value, env, escape);
    warnUnknown(line, result.unknown);
    return bounded(result.text, line);
  };
  const words = (value: string, line: number, env: Env = scope()) => {
    const result = splitWords(value, env, escape);
    warnUnknown(line, result.unknown);
    for (const word of result.words) bounded(word, line);
    return result.words;
  };

  /** Errors after which reading on would only repeat them (a value past the size bound): the last one reported. */
  const fatalErrors = new WeakSet<Dock2nixError>();
  function fatal(error: Dock2nixError): Dock2nixError {
    fatalErrors.add(error);
    return error;
  }
  /** Every error of the file, each with its line, up to MAX_ERRORS: one run shows them all, as hadolint does. */
  const errors: Dock2nixError[] = [];
  /** A FROM that failed: the instructions of its stage are not reported again as coming before any FROM. */
  let fromFailed = false;
  const handle = (node: ReturnType<typeof ast.getInstructions>[number]): void => {
    const keyword = node.getKeyword().toUpperCase();
    const range = node.getRange();
    const location: Location = {
      line: range.start.line + 1,
      endLine: range.end.line + 1,
      text: lines.slice(range.start.line, range.end.line + 1).join('\n'),
    };
    if (!KEYWORDS.has(keyword as Keyword)) {
      throw new Dock2nixError('E_INPUT', `unknown instruction: ${node.getKeyword()}`, { file: path, line: location.line });
    }
    const raw = argumentText(node, escape);

    if (keyword === 'FROM') {
      const args = words(raw, location.line, globalScope);
      const platformFlag = flagValue(node, 'platform');
      let stageName: string | null = null;
      if (args.length === 3 && args[1]!.toUpperCase() === 'AS') stageName = args[2]!.toLowerCase();
      else if (args.length !== 1) {
        throw new Dock2nixError('E_INPUT', 'FROM takes an image and an optional "AS name"', { file: path, line: location.line });
      }
      const image = args[0]!;
      if (!image) throw new Dock2nixError('E_INPUT', 'FROM names no image', { file: path, line: location.line });
      if (stageName && stages.some((s) => s.name === stageName)) {
        throw new Dock2nixError('E_INPUT', `duplicate stage name "${stageName}"`, { file: path, line: location.line });
      }
      const parentIndex = stages.findIndex((s) => s.name !== null && s.name === image.toLowerCase());
      const instruction: Instruction = {
        ...location,
        keyword: 'FROM',
        image,
        stageName,
        platform: platformFlag === null ? null : expand(platformFlag, location.line, globalScope),
      };
      stage = {
        index: stages.length,
        name: stageName,
        from: image,
        parentStage: parentIndex >= 0 ? parentIndex : null,
        platform: instruction.platform,
        instructions: [instruction],
      };
      stages.push(stage);
      stageArgs = new Map();
      // A base image's own PATH is what `ENV PATH=/x:$PATH` extends. The parser cannot read the base image; every
      // common base sets PATH to Docker's default or a longer one ending in it, and /bin, where a Nix image's
      // packages are linked, is in it. FROM scratch has no PATH.
      stageEnv = parentIndex >= 0 ? new Map(stageEnvs[parentIndex]) : image.toLowerCase() === 'scratch' ? new Map() : new Map([['PATH', DOCKER_DEFAULT_PATH]]);
      if (parentIndex < 0) for (const [name, value] of Object.entries(options.baseEnv?.(image) ?? {})) if (name !== 'PATH') stageEnv.set(name, value);
      workdir = parentIndex >= 0 ? stageWorkdirs[parentIndex]! : '/';
      stageEnvs.push(stageEnv);
      stageWorkdirs.push(workdir);
      all.push(instruction);
      return;
    }

    if (keyword === 'ARG') {
      const args = parseArgs(raw, location.line, stage ? scope() : globalScope);
      const instruction: Instruction = { ...location, keyword: 'ARG', args };
      for (const arg of args) {
        const override = buildArgs[arg.name];
        if (!stage) {
          const value = override ?? arg.value ?? undefined;
          if (value !== undefined) {
            globalScope.set(arg.name, value);
            declaredGlobals.set(arg.name, value);
          } else if (!globalScope.has(arg.name)) {
            declaredGlobals.set(arg.name, '');
          }
        } else {
          const value = override ?? arg.value ?? declaredGlobals.get(arg.name) ?? AUTOMATIC_ARGS[arg.name];
          if (value !== undefined) stageArgs.set(arg.name, value);
          else stageArgs.set(arg.name, '');
        }
      }
      if (!stage) globalArgs.push(instruction);
      else stage.instructions.push(instruction);
      all.push(instruction);
      return;
    }

    if (!stage) {
      if (!fromFailed)
        throw new Dock2nixError('E_INPUT', `${keyword} before the first FROM: only ARG may come before FROM`, { file: path, line: location.line });
      // Its FROM failed (and was reported): still check the instruction itself.
      buildInstruction(keyword as Exclude<Keyword, 'FROM' | 'ARG'>, node, raw, location);
      return;
    }

    const instruction = buildInstruction(keyword as Exclude<Keyword, 'FROM' | 'ARG'>, node, raw, location);
    if (instruction.keyword === 'ENV') {
      for (const [name, value] of instruction.pairs) stageEnv.set(name, value);
    }
    if (instruction.keyword === 'WORKDIR') {
      workdir = instruction.path;
      stageWorkdirs[stage.index] = workdir;
    }
    stage.instructions.push(instruction);
    all.push(instruction);
  };
  for (const node of ast.getInstructions()) {
    try {
      handle(node);
    } catch (error) {
      if (!(error instanceof Dock2nixError) || error.line === undefined) throw error;
      if (node.getKeyword().toUpperCase() === 'FROM') fromFailed = true;
      errors.push(error);
      if (errors.length > MAX_ERRORS || fatalErrors.has(error)) break;
    }
  }
  if (errors.length) throw new DockerfileErrors(errors.slice(0, MAX_ERRORS), errors.length > MAX_ERRORS);

  if (stages.length === 0) {
    throw new Dock2nixError('E_INPUT', 'no FROM instruction: this is not a usable Dockerfile', { file: path, line: 1 });
  }
  return { path, escape, directives, globalArgs, stages, all, warnings };

  function parseArgs(rawArgs: string, line: number, env: Env): Array<{ name: string; value: string | null }> {
    const out: Array<{ name: string; value: string | null }> = [];
    for (const word of rawWords(rawArgs)) {
      const eq = word.indexOf('=');
      const name = eq === -1 ? word : word.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new Dock2nixError('E_INPUT', `invalid ARG name "${name}"`, { file: path, line });
      }
      const rawValue = eq === -1 ? null : word.slice(eq + 1);
      if (rawValue !== null && new RegExp(`\\$\\{?${name}\\b`).test(rawValue)) {
        warnings.push({ line, message: `ARG ${name} refers to itself; Docker uses its earlier value (empty when there is none)` });
      }
      const value = rawValue === null ? null : expand(rawValue, line, env);
      out.push({ name, value });
    }
    return out;
  }

  /** Split on unquoted whitespace but keep quotes and `$` for later expansion. */
  function rawWords(value: string): string[] {
    const out: string[] = [];
    let current = '';
    let quote: string | null = null;
    for (let i = 0; i < value.length; i++) {
      const ch = value[i]!;
      if (quote) {
        current += ch;
        if (ch === escape && quote === '"' && i + 1 < value.length) current += value[++i];
        else if (ch === quote) quote = null;
      } else if (ch === escape && i + 1 < value.length) {
        current += ch + value[++i];
      } else if (ch === '"' || ch === "'") {
        quote = ch;
        current += ch;
      } else if (/\s/.test(ch)) {
        if (current) out.push(current);
        current = '';
      } else current += ch;
    }
    if (current) out.push(current);
    return out;
  }

  function pairsOf(rawArgs: string, line: number, keywordName: string): Array<[string, string]> {
    const items = rawWords(rawArgs);
    if (items.length === 0) throw new Dock2nixError('E_INPUT', `${keywordName} needs at least one name`, { file: path, line });
    // Legacy form: `ENV NAME value with spaces`.
    if (!items[0]!.includes('=')) {
      const name = items[0]!;
      const rest = rawArgs.slice(rawArgs.indexOf(name) + name.length).trim();
      return [[name, expand(rest, line)]];
    }
    const env = new Map(scope());
    const pairs: Array<[string, string]> = [];
    for (const item of items) {
      const eq = item.indexOf('=');
      if (eq <= 0) throw new Dock2nixError('E_INPUT', `${keywordName} expects NAME=value, found "${item}"`, { file: path, line });
      const name = expand(item.slice(0, eq), line, env);
      // All values of one instruction see the variables as they were before it (Docker semantics).
      const value = expand(item.slice(eq + 1), line, scope());
      pairs.push([name, value]);
    }
    return pairs;
  }

  function buildInstruction(keyword: Exclude<Keyword, 'FROM' | 'ARG'>, node: AstInstruction, rawArgs: string, location: Location): Instruction {
    const line = location.line;
    switch (keyword) {
      case 'RUN': {
        const heredocs = heredocsOf(node, lines);
        const mounts = flagValues(node, 'mount').map(parseMount);
        const run: CommandForm = heredocs.length ? { form: 'shell', command: heredocs.map((h) => h.command).join(' ') } : commandForm(rawArgs, line, 'RUN');
        return {
          ...location,
          keyword,
          run,
          heredocs,
          mounts,
          network: flagValue(node, 'network'),
          env: Object.fromEntries(scope()),
        };
      }
      case 'CMD':
      case 'ENTRYPOINT':
        return { ...location, keyword, command: commandForm(rawArgs, line, keyword) };
      case 'SHELL': {
        const form = commandForm(rawArgs, line, 'SHELL');
        if (form.form !== 'exec')
          throw new Dock2nixError('E_INPUT', 'SHELL must be written in JSON form, e.g. SHELL ["/bin/bash", "-c"]', { file: path, line });
        return { ...location, keyword, argv: form.argv };
      }
      case 'ENV':
        return { ...location, keyword, pairs: pairsOf(rawArgs, line, 'ENV') };
      case 'LABEL':
        return { ...location, keyword, pairs: pairsOf(rawArgs, line, 'LABEL') };
      case 'MAINTAINER':
        return { ...location, keyword, maintainer: rawArgs.trim() };
      case 'EXPOSE':
        return { ...location, keyword, ports: words(rawArgs, line) };
      case 'VOLUME': {
        const trimmed = rawArgs.trim();
        const json = trimmed.startsWith('[') ? tryJsonArray(trimmed) : null;
        return { ...location, keyword, paths: json ? json.map((p) => expand(p, line)) : words(rawArgs, line) };
      }
      case 'USER': {
        const value = expand(rawArgs.trim(), line);
        const [user, group] = value.split(':');
        return { ...location, keyword, user: user ?? '', group: group ?? null };
      }
      case 'WORKDIR': {
        const value = expand(rawArgs.trim(), line);
        const current = stageWorkdirs[stage!.index] ?? '/';
        return { ...location, keyword, path: resolvePath(current, value) };
      }
      case 'ONBUILD':
        return { ...location, keyword, trigger: rawArgs.trim() };
      case 'STOPSIGNAL':
        return { ...location, keyword, signal: expand(rawArgs.trim(), line) };
      case 'HEALTHCHECK': {
        const options: Record<string, string> = {};
        for (const flag of flagsOf(node)) options[flag.getName()] = flag.getValue() ?? '';
        const trimmed = rawArgs.trim();
        if (/^NONE$/i.test(trimmed)) return { ...location, keyword, test: null, options };
        const match = /^CMD\s+([\s\S]*)$/i.exec(trimmed);
        if (!match) throw new Dock2nixError('E_INPUT', 'HEALTHCHECK needs CMD <command> or NONE', { file: path, line });
        return { ...location, keyword, test: commandForm(match[1]!, line, 'HEALTHCHECK'), options };
      }
      case 'ADD':
      case 'COPY': {
        // Docker expands variables in COPY heredocs unless the delimiter is quoted.
        const heredocs = heredocsOf(node, lines).map((h) => (h.quoted ? h : { ...h, content: bounded(expandVariables(h.content, scope()), line) }));
        const firstLine = heredocs.length ? rawArgs.split('\n')[0]! : rawArgs;
        const trimmed = firstLine.trim();
        const json = trimmed.startsWith('[') ? tryJsonArray(trimmed) : null;
        let items = json ? json.map((p) => expand(p, line)) : words(firstLine, line);
        if (heredocs.length) items = items.filter((item) => !item.startsWith('<<'));
        if (items.length < (heredocs.length ? 1 : 2)) {
          throw new Dock2nixError('E_INPUT', `${keyword} needs at least one source and a destination`, { file: path, line });
        }
        const dest = items[items.length - 1]!;
        const known = new Set(['from', 'chown', 'chmod', 'link']);
        const flags = flagsOf(node);
        const flagText = (name: string) => {
          const value = flags.find((f) => f.getName() === name)?.getValue();
          return value === undefined || value === null ? null : expand(value, line);
        };
        return {
          ...location,
          keyword,
          sources: items.slice(0, -1),
          dest,
          from: flagText('from'),
          chown: flagText('chown'),
          chmod: flagText('chmod'),
          link: flags.some((f) => f.getName() === 'link' && f.getValue() !== 'false'),
          heredocs,
          workdir: stageWorkdirs[stage!.index] ?? '/',
          otherFlags: flags.filter((f) => !known.has(f.getName())).map((f) => f.toString()),
        };
      }
    }
  }

  function commandForm(rawArgs: string, line: number, keywordName: string): CommandForm {
    const trimmed = rawArgs.trim();
    if (trimmed.startsWith('[')) {
      const json = tryJsonArray(trimmed);
      if (json) return { form: 'exec', argv: json };
      warnings.push({ line, message: `${keywordName} looks like JSON but is not a valid JSON array of strings, so Docker runs it through the shell` });
    }
    if (!trimmed && keywordName !== 'CMD') {
      throw new Dock2nixError('E_INPUT', `${keywordName} has no command`, { file: path, line });
    }
    return { form: 'shell', command: trimmed };
  }
}

/** Strip a BOM and turn CRLF into LF; reject binary input. */
function normaliseSource(source: string, path: string): string {
  let text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  if (text.includes('\u0000')) {
    throw new Dock2nixError('E_INPUT', 'this is a binary file, not a Dockerfile', { file: path, line: 1 });
  }
  text = text.replace(/\r\n?/g, '\n');
  return text;
}

const flagCache = new WeakMap<AstInstruction, Flag[]>();

/** dockerfile-ast parses an instruction's arguments again on every getFlags() call, so each node's flags are read once. */
function flagsOf(node: AstInstruction): Flag[] {
  let flags = flagCache.get(node);
  if (!flags) {
    const withFlags = node as unknown as { getFlags?: () => Flag[] };
    flags = typeof withFlags.getFlags === 'function' ? withFlags.getFlags() : [];
    flagCache.set(node, flags);
  }
  return flags;
}

function flagValue(node: AstInstruction, name: string): string | null {
  return (
    flagsOf(node)
      .find((f) => f.getName() === name)
      ?.getValue() ?? null
  );
}

function flagValues(node: AstInstruction, name: string): string[] {
  return flagsOf(node)
    .filter((f) => f.getName() === name)
    .map((f) => f.getValue() ?? '');
}

function parseMount(raw: string): Mount {
  const fields = Object.fromEntries(
    raw.split(',').map((part) => {
      const eq = part.indexOf('=');
      return eq === -1 ? [part, 'true'] : [part.slice(0, eq), part.slice(eq + 1)];
    }),
  ) as Record<string, string>;
  return {
    type: fields.type ?? 'bind',
    target: fields.target ?? fields.dst ?? fields.destination,
    source: fields.source ?? fields.src,
    from: fields.from,
    id: fields.id,
    raw,
  };
}

/**
 * The instruction's arguments with flags removed, line continuations joined and comment lines inside
 * continuations dropped, as Docker reads them. Heredoc bodies are kept on their own lines.
 */
function argumentText(node: AstInstruction, escape: string): string {
  const raw = rawArgumentsOf(node);
  const flags = flagsOf(node);
  let text = raw;
  // getRawArgumentsContent starts after the keyword; drop the flags dockerfile-ast recognised.
  for (const flag of flags) {
    const flagText = `--${flag.toString().replace(/^--/, '')}`;
    const at = text.indexOf(flagText);
    if (at !== -1) text = text.slice(0, at) + text.slice(at + flagText.length);
  }
  const heredocs = astHeredocs(node);
  const physical = text.split('\n');
  if (heredocs.length) {
    // Only the first (command) line carries continuations; the rest are heredoc bodies.
    return physical.join('\n').replace(/^\s+/, '');
  }
  const out: string[] = [];
  let continuing = true;
  for (let i = 0; i < physical.length; i++) {
    let lineText = physical[i]!;
    if (i > 0 && continuing && (/^\s*#/.test(lineText) || lineText.trim() === '')) continue;
    const continuation = new RegExp(`${escapeRegExp(escape)}[ \\t]*$`);
    if (continuation.test(lineText)) {
      lineText = lineText.replace(continuation, '');
      continuing = true;
    } else continuing = i < physical.length - 1;
    out.push(lineText);
  }
  return out.join('').trim();
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const rawArgumentsCache = new WeakMap<AstInstruction, string>();

/** getRawArgumentsContent(), read once per instruction (see astHeredocs). */
function rawArgumentsOf(node: AstInstruction): string {
  let raw = rawArgumentsCache.get(node);
  if (raw === undefined) {
    raw = node.getRawArgumentsContent() ?? '';
    rawArgumentsCache.set(node, raw);
  }
  return raw;
}

const heredocCache = new WeakMap<AstInstruction, import('dockerfile-ast').Heredoc[]>();

/**
 * dockerfile-ast's heredocs of an instruction, read once: getHeredocs() tokenises the whole instruction again on
 * every call, which costs milliseconds on the long RUN scripts of official images. No `<<`, no heredoc.
 */
function astHeredocs(node: AstInstruction): import('dockerfile-ast').Heredoc[] {
  let heredocs = heredocCache.get(node);
  if (!heredocs) {
    const withHeredocs = node as unknown as { getHeredocs?: () => Array<import('dockerfile-ast').Heredoc> };
    heredocs = rawArgumentsOf(node).includes('<<') ? (withHeredocs.getHeredocs?.() ?? []) : [];
    heredocCache.set(node, heredocs);
  }
  return heredocs;
}

function heredocsOf(node: AstInstruction, lines: string[]): Heredoc[] {
  const heredocs = astHeredocs(node);
  if (!heredocs.length) return [];
  const firstLine = lines[node.getRange().start.line] ?? '';
  const afterKeyword = firstLine.replace(/^\s*\S+\s*/, '').replace(/--\S+\s*/g, '');
  const command = afterKeyword.replace(/<<-?(["']?)[A-Za-z0-9_]+\1/g, '').trim();
  return heredocs.map((heredoc) => {
    const range = heredoc.getContentRange();
    let content = '';
    if (range) {
      const body = lines.slice(range.start.line, range.end.line + 1);
      content = body.join('\n') + '\n';
    }
    const startText = firstLine.slice(heredoc.getStartRange().start.character, heredoc.getStartRange().end.character);
    if (startText.startsWith('<<-')) content = content.replace(/^\t+/gm, '');
    return { name: heredoc.getName(), content, command, quoted: /^<<-?["']/.test(startText) };
  });
}

function tryJsonArray(text: string): string[] | null {
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  } catch {
    // Not JSON: Docker falls back to the shell form.
  }
  return null;
}
