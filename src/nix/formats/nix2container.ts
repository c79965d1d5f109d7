/**
 * `--builder nix2container`: nix2container's buildImage (a JSON description whose layers are pushed straight to
 * a registry or the Docker daemon). It has no fake root, so modes go through `perms` and owners are not set, and
 * its config keeps only OCI fields (no Healthcheck).
 */
import { apply, attrs, binop, bind, id, indented, int, list, select, str, type Binding, type NixExpr } from '../ast.js';
import { pkgs } from '../pkgs.js';
import { defineFormat } from './define.js';
import { BASE_IMAGE_BINDING, PLACEHOLDER_DIGEST, passthruSet } from './docker-tools.js';
import { markerText } from '../markers.js';
import type { BaseImagePlan } from '../../convert/types.js';

export const nix2container = defineFormat({
  id: 'nix2container',
  label: 'nix2container',
  short: 'nix2container',
  description: 'pushes layers straight to a registry (skopeo); adds the nix2container flake input',
  loadHint: 'Build and load: nix run .#default.copyToDockerDaemon (with the flake)',
  dockerArchive: false,
  fakeRoot: false,
  keepsHealthcheck: false,
  healthcheckDropped: 'nix2container keeps only OCI config fields and drops Healthcheck; define the check in your orchestrator (Compose, Kubernetes probes)',
  flakeInputs: [
    {
      name: 'nix2container',
      url: 'github:nlewo/nix2container',
      followsNixpkgs: true,
      fromFlake: 'nix2container.packages.${system}.nix2container',
      // Without the flake, nix2container comes from its repository's default branch (the flake pins it).
      withoutFlake: '(import (builtins.fetchTarball "https://github.com/nlewo/nix2container/archive/master.tar.gz") { inherit pkgs; }).nix2container',
    },
  ],
  baseImage: {
    puller: 'nix2container.pullImage',
    prefetch: 'put its digest (skopeo inspect) in imageDigest, build once and paste the sha256 Nix reports',
    keepsEnv: false,
  },
  bindings: ['rootFiles', BASE_IMAGE_BINDING],
  imageExpr({ plan, contents, script, config, todo, passthru }) {
    const { image } = plan;
    const bindings: Binding[] = [];
    if (image.baseImage) bindings.push(pullImage(image.baseImage));
    if (script.length) {
      bindings.push(
        bind('rootFiles', apply(select(pkgs, 'runCommand'), str('image-files'), attrs([]), indented('mkdir -p $out\ncd $out\n', ...script)), [
          'Files, folders and links the Dockerfile puts in the image.',
        ]),
      );
    }
    const root: NixExpr[] = [];
    if (contents.length) {
      root.push(
        apply(
          select(pkgs, 'buildEnv'),
          attrs([
            bind('name', str('image-root')),
            bind('paths', list(contents)),
            bind('pathsToLink', list(['/bin', '/etc', '/lib', '/sbin', '/share', '/usr'].map((p) => str(p)))),
          ]),
        ),
      );
    }
    if (script.length) root.push(id('rootFiles'));
    // nix2container matches `regex` against each file's store path (nix/permmatch.go), so anchor it there.
    const perms: NixExpr[] = image.directories
      .filter((d) => d.mode)
      .map((d) =>
        attrs([
          bind('mode', str(d.mode!.padStart(4, '0'))),
          bind('path', id('rootFiles')),
          bind('regex', str('^', id('rootFiles'), `${escapeRegex(d.path)}$`)),
        ]),
      );
    const body = apply(
      select(id('nix2container'), 'buildImage'),
      attrs([
        bind('name', str(image.name)),
        bind('tag', str(image.tag)),
        ...(image.baseImage
          ? [bind('fromImage', id(BASE_IMAGE_BINDING), ["Only the base's layers: none of its config (Env, Entrypoint, User) is inherited."])]
          : []),
        bind('copyToRoot', list(root), [...todo.contents, ...todo.files]),
        ...(perms.length ? [bind('perms', list(perms))] : []),
        bind('maxLayers', int(100), ['One layer per popular store path, as buildLayeredImage does.']),
        bind('config', config, todo.config),
      ]),
    );
    // nix2container.buildImage takes no passthru: the derivations a generation step reaches are added to its value.
    return { bindings, body: passthru.length ? binop('//', body, passthruSet(passthru)) : body };
  },
});

/**
 * nix2container.pullImage (nix2container's default.nix): imageName, imageDigest and sha256 are required; the
 * sha256 is the NAR hash of a `skopeo copy … dir:` (not what nix-prefetch-docker prints), and there is no tag.
 */
function pullImage(base: BaseImagePlan): Binding {
  const reference = `${base.imageName}:${base.tag}`;
  const todo = base.digest
    ? markerText(
        base.line,
        'build once, then replace lib.fakeHash with the sha256 Nix reports (the hash of the pulled image directory, not what nix-prefetch-docker prints)',
      )
    : markerText(
        base.line,
        `put the digest of ${reference} (skopeo inspect docker://${reference}) in imageDigest, build once and paste the sha256 Nix reports`,
      );
  return bind(
    BASE_IMAGE_BINDING,
    apply(
      select(id('nix2container'), 'pullImage'),
      attrs([
        bind('imageName', str(base.imageName)),
        bind('imageDigest', str(base.digest ?? PLACEHOLDER_DIGEST)),
        bind('sha256', select(id('lib'), 'fakeHash')),
      ]),
    ),
    [`FROM ${reference} (line ${base.line}) stays Docker's: its layers are pulled.`, todo],
  );
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
