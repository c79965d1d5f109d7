import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    env: {
      // The audit tests build images with Debian's nix-bin and a stand-in nixpkgs whose builders are the host's
      // /bin/sh and busybox: as root, without build users (the package makes none) and without a sandbox.
      // A NIX_CONFIG of the developer's own wins.
      NIX_CONFIG: process.env.NIX_CONFIG ?? 'build-users-group =\nsandbox = false',
    },
  },
});
