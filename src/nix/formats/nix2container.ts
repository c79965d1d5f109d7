/**
 * `--builder nix2container`: nix2container's buildImage (a JSON description whose layers are pushed straight to
 * a registry or the Docker daemon). It has no fake root, so owners and modes go through `perms`
 * (./nix2container-perms.ts), the packages go in a layer of their own (`layers`, so a change of the application
 * pushes one small layer), and its config keeps only OCI fields (no Healthcheck).
 */
import { apply, attrs, binop, bind, id, indented, int, list, select, str, type Binding, type NixExpr } from '../ast.js';
import { pkgs } from '../pkgs.js';
import { defineFormat } from './define.js';
import { BASE_IMAGE_BINDING, PLACEHOLDER_DIGEST, passthruSet } from './docker-tools.js';
import { markerText } from '../markers.js';
import { permsEntries } from './nix2container-perms.js';
import type { BaseImagePlan } from '../../convert/types.js';

export const nix2container = defineFormat({
  id: 'nix2container',
  label: 'nix2container',
  short: 'nix2container',
  description: 'pushes layers straight to a registry (skopeo); adds the nix2container flake input',
  loadHint:
    'Build and load: nix run .#default.copyToDockerDaemon (with the flake); .#default.copyToPodman loads it into Podman, .#default.copyToRegistry pushes it',
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
  bindings: ['rootFiles', 'imagePackages', BASE_IMAGE_BINDING],
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
    if (contents.length) {
      bindings.push(
        bind('imagePackages', list(contents), [
          "The image's packages: they also go in a layer of their own (layers below), which a change of the application leaves as it is.",
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
            bind('paths', id('imagePackages')),
            bind('pathsToLink', list(['/bin', '/etc', '/lib', '/sbin', '/share', '/usr'].map((p) => str(p)))),
          ]),
        ),
      );
    }
    if (script.length) root.push(id('rootFiles'));
    // nix2container matches `regex` against each file's store path (nix/tar.go), so anchor it there.
    const { entries, unresolved } = script.length ? permsEntries(plan) : { entries: [], unresolved: [] };
    const perms: NixExpr[] = entries.map((entry) => {
      const fields: Binding[] = [];
      if (entry.owner) {
        fields.push(bind('gid', int(entry.owner.gid)));
        if (entry.owner.gname) fields.push(bind('gname', str(entry.owner.gname)));
      }
      if (entry.mode) fields.push(bind('mode', str(entry.mode)));
      fields.push(bind('path', id('rootFiles')));
      fields.push(bind('regex', str('^', id('rootFiles'), `${escapeRegex(entry.path)}${entry.subtree ? '(/|$)' : '$'}`)));
      if (entry.owner) {
        fields.push(bind('uid', int(entry.owner.uid)));
        if (entry.owner.uname) fields.push(bind('uname', str(entry.owner.uname)));
      }
      return attrs(fields);
    });
    const permsComments = [
      'Modes first (owner root), then owners (mode kept): nix2container applies every matching entry in order.',
      "What no entry names keeps the store's read-only mode (0444, 0555): the files of a copied folder, and a copied file.",
      ...unresolved.map(
        (u) => `Not carried: chmod ${u.mode} of ${u.path}${u.line ? ` (Dockerfile line ${u.line})` : ''}, whose result depends on the file's own mode.`,
      ),
    ];
    const body = apply(
      select(id('nix2container'), 'buildImage'),
      attrs([
        bind('name', str(image.name)),
        bind('tag', str(image.tag)),
        ...(image.baseImage
          ? [bind('fromImage', id(BASE_IMAGE_BINDING), ["Only the base's layers: none of its config (Env, Entrypoint, User) is inherited."])]
          : []),
        bind('copyToRoot', list(root), [...todo.contents, ...todo.files]),
        ...(perms.length ? [bind('perms', list(perms), permsComments)] : []),
        ...(contents.length
          ? [
              bind(
                'layers',
                list([
                  apply(
                    select(id('nix2container'), 'buildLayer'),
                    attrs([
                      bind('deps', id('imagePackages')),
                      bind(
                        'maxLayers',
                        int((plan.layering?.maxLayers ?? 100) - 1),
                        plan.layering
                          ? [
                              `--max-layers ${plan.layering.maxLayers}: the packages go into at most one fewer layers, by popularity (the image's own layer is the last; the base's layers come on top).`,
                            ]
                          : ['One layer per popular store path, as buildLayeredImage does.'],
                      ),
                    ]),
                  ),
                ]),
                ["The packages' layers; the image's own layer holds the rest: the files and what they need besides the packages."],
              ),
            ]
          : [
              bind(
                'maxLayers',
                int(plan.layering?.maxLayers ?? 100),
                plan.layering
                  ? [
                      `--max-layers ${plan.layering.maxLayers}: the store paths go into at most this many layers, by popularity (the base's layers come on top).`,
                    ]
                  : ['One layer per popular store path, as buildLayeredImage does.'],
              ),
            ]),
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
