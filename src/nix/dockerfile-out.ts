/**
 * `convert --with-dockerfile`: a `Dockerfile.nix` beside default.nix that builds the same image with Docker (or Podman,
 * Buildah) alone, for a CI that cannot run nix-build. Its first stage, an official Nix image, builds default.nix's
 * `root` through the flake (so nixpkgs is the one flake.lock pins); its `FROM scratch` stage copies that root and
 * sets the image's config.
 *
 * The root is not a second description of the image: it is read from the image dockerTools builds. The image's
 * `conf` (streamLayeredImage's passthru, pkgs/build-support/docker/default.nix) names the customisation layer
 * (`customisation_layer`: a layer.tar of the files extraCommands and fakeRootCommands made, with their modes and
 * owners) and the store paths of the other layers (`store_layers`, a list of lists); `root` links the first and
 * lists the second. So the files `docker build -f Dockerfile.nix` gives are those `nix-build` packs.
 */
import type { ImageConfigPlan, MigrationPlan } from '../convert/types.js';
import { apply, attrs, bind, binop, commentText, id, indented, list, raw, select, str, type Binding, type NixExpr } from './ast.js';
import { PLACEHOLDER_DIGEST } from './formats/docker-tools.js';
import { formatOf } from './formats/index.js';
import { MARKER } from './markers.js';
import { pkgs } from './pkgs.js';

/** The names default.nix binds when it exposes the root. */
export const DOCKERFILE_OUT_BINDINGS = ['image', 'root'] as const;

/** The file written beside default.nix. */
export const DOCKERFILE_NAME = 'Dockerfile.nix';

/** The stage of Dockerfile.nix that builds the root with Nix, and the folder it exports the root to. */
export const BUILD_STAGE = 'nix-build';
export const ROOT_FOLDER = '/rootfs';
/** Where the first stage puts the build context. */
export const SOURCE_FOLDER = '/src';

/** The Nix image the first stage runs in: no digest is known to dock2nix, so the user pins one. */
export const NIX_IMAGE_ARG = 'NIX_IMAGE';
export const NIX_IMAGE_PLACEHOLDER = `nixos/nix@${PLACEHOLDER_DIGEST}`;

/** Why this plan cannot have a Dockerfile.nix, or null when it can. `outputInContext`: the output folder in the context. */
export function dockerfileProblem(plan: MigrationPlan, outputInContext: string | null): string | null {
  const format = formatOf(plan.format);
  if (!format.dockerArchive || !format.fakeRoot)
    return `--with-dockerfile reads the root dockerTools builds, and --builder ${plan.format} does not use dockerTools: use --builder layered or stream`;
  if (plan.image.baseImage)
    return `--with-dockerfile makes a FROM scratch image, and the base ${plan.image.baseImage.imageName} stays Docker's here (a kept base): convert without --keep-base, or without --with-dockerfile`;
  if (outputInContext === null)
    return '--with-dockerfile needs the output folder inside the build context (docker build sends only the context): use -o inside it';
  return null;
}

/** default.nix's end with the root exposed: `image` and `root` bound, the image returned with `root` beside it. */
export function withRoot(bindings: Binding[], image: NixExpr): { bindings: Binding[]; body: NixExpr } {
  const script = [
    'mkdir $out',
    '# The files extraCommands and fakeRootCommands made, with their modes and owners.',
    'ln -s "$(jq -r .customisation_layer "$conf")/layer.tar" $out/layer.tar',
    '# The store paths of the image (its other layers), one a line.',
    'jq -r \'.store_layers[][]\' "$conf" | sort > $out/store-paths',
    '',
  ].join('\n');
  const root = apply(
    select(pkgs, 'runCommand'),
    str('image-root'),
    attrs([bind('conf', select(id('image'), 'conf')), bind('nativeBuildInputs', list([select(pkgs, 'jq')]))]),
    indented(script),
  );
  return {
    bindings: [
      ...bindings,
      bind('image', image),
      bind('root', root, [`The image's root for ${DOCKERFILE_NAME} (nix-build -A root): read from the image itself (its conf), so the two cannot drift.`]),
    ],
    body: binop('//', id('image'), raw('{ inherit root; }')),
  };
}

/** A value for ENV or LABEL: double-quoted, with `\`, `"` and `$` escaped (Docker expands variables there). */
export function dockerfileQuote(value: string): string {
  if (/[\n\r]/.test(value)) throw new Error(`internal error: a newline in ${JSON.stringify(value)} cannot be written on a Dockerfile line`);
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** A word of WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL: `$` and `\` escaped; none has a space in the plan. */
function dockerfileWord(value: string): string {
  if (/\s/.test(value)) return dockerfileQuote(value);
  return value.replace(/[\\$]/g, (c) => `\\${c}`);
}

/** Nanoseconds (the image config's unit) as a Docker duration. */
function duration(ns: number): string {
  if (ns % 1_000_000_000 === 0) return `${ns / 1_000_000_000}s`;
  if (ns % 1_000_000 === 0) return `${ns / 1_000_000}ms`;
  return `${ns / 1000}us`;
}

/** The config instructions of the final stage, in the order the image config lists them. */
export function configInstructions(config: ImageConfigPlan, keepsHealthcheck: boolean): string[] {
  const lines: string[] = [];
  for (const [key, value] of config.Env) lines.push(`ENV ${key}=${dockerfileQuote(value)}`);
  for (const [key, value] of config.Labels) lines.push(`LABEL ${dockerfileQuote(key)}=${dockerfileQuote(value)}`);
  for (const port of config.ExposedPorts) lines.push(`EXPOSE ${dockerfileWord(port)}`);
  if (config.Volumes.length) lines.push(`VOLUME ${JSON.stringify(config.Volumes)}`);
  if (config.WorkingDir) lines.push(`WORKDIR ${dockerfileWord(config.WorkingDir)}`);
  if (config.User) lines.push(`USER ${dockerfileWord(config.User)}`);
  if (config.StopSignal) lines.push(`STOPSIGNAL ${dockerfileWord(config.StopSignal)}`);
  if (config.Healthcheck && keepsHealthcheck) {
    const h = config.Healthcheck;
    const [kind, ...rest] = h.Test;
    const options = [
      h.Interval !== undefined ? `--interval=${duration(h.Interval)}` : '',
      h.Timeout !== undefined ? `--timeout=${duration(h.Timeout)}` : '',
      h.StartPeriod !== undefined ? `--start-period=${duration(h.StartPeriod)}` : '',
      h.StartInterval !== undefined ? `--start-interval=${duration(h.StartInterval)}` : '',
      h.Retries !== undefined ? `--retries=${h.Retries}` : '',
    ].filter(Boolean);
    if (kind === 'NONE') lines.push('HEALTHCHECK NONE');
    // The shell form is CMD-SHELL (HEALTHCHECK expands no variables); the exec form is CMD.
    else if (kind === 'CMD-SHELL' && rest.length === 1 && !/[\n\r]/.test(rest[0]!)) lines.push(['HEALTHCHECK', ...options, 'CMD', rest[0]!.trim()].join(' '));
    else if (kind === 'CMD') lines.push(['HEALTHCHECK', ...options, 'CMD', JSON.stringify(rest)].join(' '));
    else lines.push(`# ${MARKER}: the image's Healthcheck ${commentText(JSON.stringify(h.Test))} has no HEALTHCHECK line here: write it by hand`);
  }
  // ENTRYPOINT before CMD: in a Dockerfile, ENTRYPOINT resets a CMD set before it.
  if (config.Entrypoint) lines.push(`ENTRYPOINT ${JSON.stringify(config.Entrypoint)}`);
  if (config.Cmd) lines.push(`CMD ${JSON.stringify(config.Cmd)}`);
  return lines;
}

/**
 * Dockerfile.nix. `outputInContext`: default.nix's folder, relative to the build context (`nix`); the image is
 * built from the context: `docker build -f <folder>/Dockerfile.nix <context>`.
 */
export function emitDockerfile(plan: MigrationPlan, outputInContext: string): string {
  const folder = outputInContext.split('/').filter(Boolean).join('/');
  const flake = `path:${SOURCE_FOLDER}${folder ? `?dir=${folder}` : ''}#default.root`;
  const comment = (text: string) => `# ${commentText(text)}`;
  const header = [
    `Generated by dock2nix ${plan.tool.version} from ${plan.dockerfile}${plan.target.name ? ` (stage "${plan.target.name}")` : ''}.`,
    `Builds the image default.nix describes with Docker alone: docker build -f ${folder ? `${folder}/` : ''}${DOCKERFILE_NAME} -t ${plan.image.name}:${plan.image.tag} .`,
    `(run from the build context). The first stage builds default.nix's root with Nix, through the flake, so nixpkgs is the revision flake.lock pins: run nix flake lock in ${folder || '.'} once and commit flake.lock (the build refuses to run without it).`,
    'The second stage is the image: the store paths and files nix-build packs, with the same config.',
  ];
  const lines = [
    ...header.map(comment),
    '',
    comment(
      `${MARKER}: pin the Nix image by its digest (docker buildx imagetools inspect nixos/nix:latest, or skopeo inspect docker://nixos/nix:latest), here or with --build-arg ${NIX_IMAGE_ARG}=nixos/nix@sha256:...; the digest below is a placeholder that pulls nothing.`,
    ),
    `ARG ${NIX_IMAGE_ARG}=${NIX_IMAGE_PLACEHOLDER}`,
    '',
    `FROM \${${NIX_IMAGE_ARG}} AS ${BUILD_STAGE}`,
    `WORKDIR ${SOURCE_FOLDER}`,
    'COPY . .',
    comment(
      `Build the root (default.nix's root: the image's customisation layer and its store paths), then export it to ${ROOT_FOLDER}: the closure of its store paths (nix-store -qR, copied with cp -a) and its files, unpacked with their modes and owners.`,
    ),
    `RUN set -eu; \\`,
    `    root="$(nix --extra-experimental-features 'nix-command flakes' build --option sandbox false --no-update-lock-file --no-link --print-out-paths '${flake}')"; \\`,
    `    mkdir -p ${ROOT_FOLDER}/nix/store; \\`,
    `    xargs -r nix-store -qR < "$root/store-paths" | sort -u | xargs -r cp -a -t ${ROOT_FOLDER}/nix/store/; \\`,
    `    tar -C ${ROOT_FOLDER} --numeric-owner -xpf "$root/layer.tar"`,
    '',
    'FROM scratch',
    `COPY --from=${BUILD_STAGE} ${ROOT_FOLDER}/ /`,
    ...configInstructions(plan.image.config, formatOf(plan.format).keepsHealthcheck),
    '',
  ];
  return lines.join('\n');
}
