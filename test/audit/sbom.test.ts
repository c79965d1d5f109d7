/**
 * The SBOM files: CycloneDX 1.6 and SPDX 2.3 JSON, validated against the official JSON schemas (CycloneDX's from
 * the @cyclonedx/cyclonedx-library package, SPDX's vendored in test/audit/schemas), offline, with ajv.
 */
import { describe, expect, it } from 'vitest';
import { cycloneDx, purlOf, sbomFiles, spdx, type SbomInput } from '../../src/audit/sbom.js';
import type { PackageInfo } from '../../src/audit/types.js';
import { cycloneDxValidator, spdxValidator } from './sbom-schemas.js';

const PACKAGES: PackageInfo[] = [
  { name: 'libc6', version: '2.36-9+deb12u7', ecosystem: 'deb', location: '/var/lib/dpkg/status' },
  { name: 'sensible-utils', version: '1:0.0.17+nmu1', ecosystem: 'deb', location: '/var/lib/dpkg/status' },
  { name: 'musl', version: '1.2.5-r0', ecosystem: 'apk', location: '/lib/apk/db/installed' },
  { name: 'Flask_Login', version: '0.6.3', ecosystem: 'pypi', location: '/usr/lib/python3/site-packages/Flask_Login-0.6.3.dist-info' },
  { name: '@scope/tool', version: '1.2.0', ecosystem: 'npm', location: '/app/node_modules/@scope/tool/package.json' },
  { name: 'glibc', version: '2.40-66', ecosystem: 'nix', location: '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-glibc-2.40-66' },
  { name: 'etc', version: '', ecosystem: 'nix', location: '/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-etc' },
];
const INPUT: SbomInput = {
  label: 'demo "image" <1>',
  packages: PACKAGES,
  tool: { name: 'dock2nix', version: '0.1.0' },
  created: new Date('2026-01-02T03:04:05.678Z'),
};

describe('SBOM export', () => {
  it('CycloneDX 1.6 JSON is valid against the official schema', () => {
    const validate = cycloneDxValidator();
    const bom = cycloneDx(INPUT);
    expect(validate(bom), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect((bom.components as unknown[]).length).toBe(PACKAGES.length);
    // The schema does check: a broken document fails.
    expect(validate({ ...bom, serialNumber: 'not-a-urn' })).toBe(false);
  });

  it('SPDX 2.3 JSON is valid against the official schema', () => {
    const validate = spdxValidator();
    const doc = spdx(INPUT);
    expect(validate(doc), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect((doc.packages as unknown[]).length).toBe(PACKAGES.length + 1);
    expect((doc.creationInfo as { created: string }).created).toBe('2026-01-02T03:04:05Z');
    expect(validate({ ...doc, packages: [{ SPDXID: 'bad id', name: 'x' }] })).toBe(false);
  });

  it('names packages with purls where the ecosystem has one, and is the same for the same image', () => {
    expect(PACKAGES.map(purlOf)).toEqual([
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u7',
      'pkg:deb/debian/sensible-utils@1%3A0.0.17%2Bnmu1',
      'pkg:apk/alpine/musl@1.2.5-r0',
      'pkg:pypi/flask-login@0.6.3',
      'pkg:npm/%40scope/tool@1.2.0',
      null,
      null,
    ]);
    const again = sbomFiles([{ side: 'nix', input: { ...INPUT, created: INPUT.created } }]);
    expect(again.map((file) => file.name)).toEqual(['nix.cdx.json', 'nix.spdx.json']);
    expect(again[0]!.content).toBe(sbomFiles([{ side: 'nix', input: INPUT }])[0]!.content);
    expect(cycloneDx({ ...INPUT, packages: [] }).serialNumber).not.toBe(cycloneDx(INPUT).serialNumber);
  });
});
