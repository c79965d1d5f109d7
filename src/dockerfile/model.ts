/**
 * The Dockerfile model: stages and instructions with 1-based line ranges, variables substituted as Docker does.
 * Plain data, serialisable, independent of the parser library.
 */

export type Keyword =
  | 'FROM'
  | 'RUN'
  | 'CMD'
  | 'LABEL'
  | 'MAINTAINER'
  | 'EXPOSE'
  | 'ENV'
  | 'ADD'
  | 'COPY'
  | 'ENTRYPOINT'
  | 'VOLUME'
  | 'USER'
  | 'WORKDIR'
  | 'ARG'
  | 'ONBUILD'
  | 'STOPSIGNAL'
  | 'HEALTHCHECK'
  | 'SHELL';

export interface Location {
  /** 1-based first line of the instruction. */
  line: number;
  /** 1-based last line (continuations and heredocs included). */
  endLine: number;
  /** The instruction as written, continuation lines included. */
  text: string;
}

export interface Heredoc {
  name: string;
  content: string;
  /** For RUN: the command line that reads the heredoc (`bash`, `python3`, or empty for the default shell). */
  command: string;
  /** A quoted delimiter (`<<"EOF"`) turns variable expansion off. */
  quoted: boolean;
}

export interface Mount {
  type: string;
  target?: string;
  source?: string;
  from?: string;
  id?: string;
  raw: string;
}

/** A command in exec form (JSON array) or shell form (a string the image's shell runs). */
export type CommandForm = { form: 'exec'; argv: string[] } | { form: 'shell'; command: string };

export type Instruction = Location &
  (
    | { keyword: 'FROM'; image: string; stageName: string | null; platform: string | null }
    | { keyword: 'RUN'; run: CommandForm; heredocs: Heredoc[]; mounts: Mount[]; network: string | null; env: Record<string, string> }
    | { keyword: 'CMD' | 'ENTRYPOINT'; command: CommandForm }
    | { keyword: 'LABEL'; pairs: Array<[string, string]> }
    | { keyword: 'MAINTAINER'; maintainer: string }
    | { keyword: 'EXPOSE'; ports: string[] }
    | { keyword: 'ENV'; pairs: Array<[string, string]> }
    | {
        keyword: 'ADD' | 'COPY';
        sources: string[];
        dest: string;
        from: string | null;
        chown: string | null;
        chmod: string | null;
        link: boolean;
        heredocs: Heredoc[];
        /** Values of the working directory at this point (for relative destinations). */
        workdir: string;
        otherFlags: string[];
      }
    | { keyword: 'VOLUME'; paths: string[] }
    | { keyword: 'USER'; user: string; group: string | null }
    | { keyword: 'WORKDIR'; path: string }
    | { keyword: 'ARG'; args: Array<{ name: string; value: string | null }> }
    | { keyword: 'ONBUILD'; trigger: string }
    | { keyword: 'STOPSIGNAL'; signal: string }
    | {
        keyword: 'HEALTHCHECK';
        test: CommandForm | null;
        options: Record<string, string>;
      }
    | { keyword: 'SHELL'; argv: string[] }
  );

export interface Stage {
  index: number;
  name: string | null;
  /** The image reference after ARG substitution, e.g. `python:3.12-slim` or a previous stage's name. */
  from: string;
  /** Index of the stage this one starts from, when FROM names an earlier stage. */
  parentStage: number | null;
  platform: string | null;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** Path as given by the user, for messages. */
  path: string;
  escape: string;
  directives: Record<string, string>;
  /** ARG instructions before the first FROM. */
  globalArgs: Instruction[];
  stages: Stage[];
  /** Every instruction in source order (global ARGs and all stages). */
  all: Instruction[];
  /** Problems that do not stop conversion (an unknown variable, a JSON form that is not JSON). */
  warnings: Array<{ line: number; message: string }>;
}
