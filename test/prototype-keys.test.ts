/**
 * Names from a Dockerfile that are also names of JavaScript's Object.prototype (issue 19): every lookup keyed by
 * input treats them as unknown names, never as the object's own machinery.
 */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { lookupPackage } from '../src/rules/lookup.js';
import { loadRules } from '../src/io/rules-files.js';
import { shell } from './helpers/shell.js';

const KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__'];
/** `prototype` is also a real package: nixpkgs' prototypejs has that pname, and the nixpkgs index finds it. */
const REAL = new Map([['prototype', 'prototypejs']]);

function convert(dockerfile: string) {
  return convertDockerfile(dockerfile, memoryContext({}), loadRules(), {
    shell,
    dockerfilePath: 'Dockerfile',
    imageName: 'x',
    contextFromOutput: '.',
    outputInContext: null,
  });
}

describe('prototype keys as names', () => {
  it.each([
    ['apk add', `FROM alpine:3.20\nRUN apk add ${KEYS.join(' ')}\n`],
    ['apt-get install', `FROM debian:12\nRUN apt-get install -y ${KEYS.join(' ')}\n`],
    ['pip install', `FROM python:3.12\nRUN pip install ${KEYS.join(' ')}\n`],
    ['npm install -g', `FROM node:22\nRUN npm install -g ${KEYS.join(' ')}\n`],
    ['a program name', `FROM debian:12\n${KEYS.map((k) => `RUN ${k}`).join('\n')}\n`],
    ['FROM', KEYS.map((k) => `FROM ${k}\nCMD ["x"]`).join('\n') + '\n'],
    ['ARG and ENV', `ARG constructor=1\nFROM alpine:3.20\nARG __proto__\nENV toString=2\nRUN echo $constructor\n`],
    ['a stage reference', `FROM alpine:3.20 AS build\nFROM alpine:3.20\nCOPY --from=constructor /x /x\n`],
  ])('%s: converts, and says the names are unknown, without JavaScript internals', (_label, dockerfile) => {
    const { plan, files } = convert(dockerfile);
    const text = `${files['default.nix']}\n${JSON.stringify(plan)}`;
    expect(text).not.toMatch(/\[native code\]|\[object Object\]|function \w*\(|=> /);
    for (const pkg of plan.packages) if (KEYS.includes(pkg.name) && pkg.manager !== 'pip') expect(pkg.nix, pkg.name).toBe(REAL.get(pkg.name) ?? null);
    for (const pkg of plan.packages) if (KEYS.includes(pkg.name) && pkg.manager === 'pip') expect(pkg.nix, pkg.name).toBeNull();
  });

  it('the rules lookup knows none of them', () => {
    const rules = loadRules();
    for (const manager of ['apk', 'apt', 'pip', 'npm'] as const) {
      for (const key of KEYS) {
        const found = lookupPackage(rules, manager, key);
        if (REAL.has(key) && manager !== 'pip') expect(found?.entry.attrs, `${manager} ${key}`).toEqual([REAL.get(key)]);
        else expect(found, `${manager} ${key}`).toBeNull();
      }
    }
  });
});
