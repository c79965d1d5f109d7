/** `--format stream`: dockerTools.streamLayeredImage, a script that writes the image archive to stdout. */
import { defineFormat } from './define.js';
import { dockerToolsImage } from './docker-tools.js';

export const stream = defineFormat({
  id: 'stream',
  label: 'dockerTools.streamLayeredImage',
  short: 'streamLayeredImage',
  description: 'a script that writes the image to stdout: `./result | docker load`; nothing big in the store',
  loadHint: 'Build and load: "$(nix-build --no-out-link)" | docker load',
  dockerArchive: true,
  fakeRoot: true,
  keepsHealthcheck: true,
  flakeInputs: [],
  bindings: [],
  imageExpr: (parts) => ({ bindings: [], body: dockerToolsImage('streamLayeredImage', parts) }),
});
