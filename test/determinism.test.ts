/** Generated files depend on the Dockerfile only: not on the machine's locale, nor on the order of work. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/tools.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-determinism-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const DOCKERFILE = `FROM alpine:3.20
ENV b=1 B=2 _a=3 a=4 Ä=5 z=6
LABEL org.b=1 Org.a=2 org.A=3
EXPOSE 80 8080 443
RUN mkdir -p /srv/b /srv/B /srv/_a /srv/a && ln -s /srv/b /opt/b && ln -s /srv/B /opt/B
CMD ["sh"]
`;

function convertWithLocale(locale: string): string {
  // The same folder name each time: the image is named after it.
  const dir = path.join(work, locale.replace(/\W/g, '_'), 'app');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'Dockerfile'), DOCKERFILE);
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'bin/dock2nix.js'), 'convert', 'Dockerfile'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, LANG: locale, LC_ALL: locale },
  });
  expect(result.status, result.stderr).toBe(0);
  return readFileSync(path.join(dir, 'nix/default.nix'), 'utf8');
}

describe('ordering in generated Nix', () => {
  it('is by code units, whatever the locale', () => {
    const outputs = ['C', 'en_US.UTF-8', 'sv_SE.UTF-8', 'tr_TR.UTF-8'].map(convertWithLocale);
    for (const output of outputs.slice(1)) expect(output).toEqual(outputs[0]);
    const env = [...outputs[0]!.matchAll(/"([^"=]+)=\d"/g)].map((m) => m[1]);
    expect(env).toEqual(['B', '_a', 'a', 'b', 'z', 'Ä']);
  });
});
