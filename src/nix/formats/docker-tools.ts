/** nixpkgs dockerTools' layered builders (buildLayeredImage, streamLayeredImage), which take the same arguments. */
import type { BaseImagePlan } from '../../convert/types.js';
import { apply, attrs, bind, id, indented, int, list, raw, select, str, type Binding, type NixExpr } from '../ast.js';
import { markerText } from '../markers.js';
import { pkgs } from '../pkgs.js';
import type { ImageParts } from './define.js';

/** The let binding that holds a kept base image. */
export const BASE_IMAGE_BINDING = 'baseImage';

/** A digest for an unpinned base: pullImage has no default for imageDigest, and the marker asks for the real one. */
export const PLACEHOLDER_DIGEST = `sha256:${'0'.repeat(64)}`;

export const dockerToolsBaseImage = {
  puller: 'dockerTools.pullImage',
  prefetch: 'run nix-prefetch-docker with its name and tag and paste the imageDigest and hash it prints',
  keepsEnv: true,
};

/**
 * dockerTools.pullImage (pkgs/build-support/docker/default.nix): imageName and imageDigest are required, the hash
 * (`hash`, what nix-prefetch-docker prints) is the flat hash of the docker-archive skopeo writes.
 */
export function dockerToolsPull(base: BaseImagePlan): Binding {
  const reference = `${base.imageName}:${base.tag}`;
  const todo = base.digest
    ? markerText(
        base.line,
        `build once, then replace lib.fakeHash with the hash Nix reports (or run nix-prefetch-docker --image-name ${base.imageName} --image-tag ${base.tag} --image-digest ${base.digest})`,
      )
    : markerText(base.line, `run nix-prefetch-docker --image-name ${base.imageName} --image-tag ${base.tag} and paste imageDigest and hash`);
  return bind(
    BASE_IMAGE_BINDING,
    apply(
      select(pkgs, 'dockerTools.pullImage'),
      attrs([
        bind('imageName', str(base.imageName)),
        bind('imageDigest', str(base.digest ?? PLACEHOLDER_DIGEST)),
        bind('hash', select(id('lib'), 'fakeHash')),
        bind('finalImageName', str(base.imageName)),
        bind('finalImageTag', str(base.tag)),
      ]),
    ),
    [
      `FROM ${reference} (line ${base.line}) stays Docker's: its layers are pulled, and only its Env is inherited (not its Entrypoint, Cmd, User or WorkingDir).`,
      todo,
    ],
  );
}

export function dockerToolsImage(builder: 'buildLayeredImage' | 'streamLayeredImage', parts: ImageParts): NixExpr {
  const { plan, contents, script, owners, config, todo } = parts;
  return apply(
    select(pkgs, `dockerTools.${builder}`),
    attrs([
      bind('name', str(plan.image.name)),
      bind('tag', str(plan.image.tag)),
      ...(plan.image.baseImage
        ? [bind('fromImage', id(BASE_IMAGE_BINDING), ["No fakeNss, /bin/sh or default PATH on top: the base's own /etc/passwd, shell and PATH stay visible."])]
        : []),
      bind('contents', list(contents), script.length ? todo.contents : [...todo.contents, ...todo.files]),
      ...(script.length
        ? [
            bind('extraCommands', indented(...script), [
              'Runs in the image root before it is packed: files, folders and links from the Dockerfile.',
              ...todo.files,
            ]),
          ]
        : []),
      ...(owners.length ? [bind('fakeRootCommands', indented(...owners), ['Ownership from --chown, chown and useradd -m.'])] : []),
      bind('config', config, todo.config),
      ...(plan.layering
        ? [bind('maxLayers', int(plan.layering.maxLayers), [`--max-layers ${plan.layering.maxLayers}: at most this many layers in all (the default is 100).`])]
        : []),
      ...(parts.passthru.length ? [bind('passthru', passthruSet(parts.passthru), ['For the generation steps marked above (nix-build -A <name>...).'])] : []),
    ]),
  );
}

/** `{ inherit a b; }`: the derivations a generation step reaches through the image. */
export function passthruSet(names: string[]): NixExpr {
  return raw(`{ inherit ${names.join(' ')}; }`);
}
