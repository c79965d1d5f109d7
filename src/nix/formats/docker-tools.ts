/** nixpkgs dockerTools' layered builders (buildLayeredImage, streamLayeredImage), which take the same arguments. */
import { apply, attrs, bind, indented, list, raw, select, str, type NixExpr } from '../ast.js';
import { pkgs } from '../pkgs.js';
import type { ImageParts } from './define.js';

export function dockerToolsImage(builder: 'buildLayeredImage' | 'streamLayeredImage', parts: ImageParts): NixExpr {
  const { plan, contents, script, owners, config, todo } = parts;
  return apply(select(pkgs, `dockerTools.${builder}`), attrs([
    bind('name', str(plan.image.name)),
    bind('tag', str(plan.image.tag)),
    bind('contents', list(contents), script.length ? todo.contents : [...todo.contents, ...todo.files]),
    ...(script.length ? [bind('extraCommands', indented(...script), ['Runs in the image root before it is packed: files, folders and links from the Dockerfile.', ...todo.files])] : []),
    ...(owners.length ? [bind('fakeRootCommands', indented(...owners), ['Ownership from --chown, chown and useradd -m.'])] : []),
    bind('config', config, todo.config),
    ...(parts.passthru.length ? [bind('passthru', passthruSet(parts.passthru), ['For the generation steps marked above: nix-build -A <name>.fetch-deps.'])] : []),
  ]));
}

/** `{ inherit a b; }`: the derivations a generation step reaches through the image. */
export function passthruSet(names: string[]): NixExpr {
  return raw(`{ inherit ${names.join(' ')}; }`);
}
