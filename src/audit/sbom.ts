/**
 * An image's packages (as the audit found them) as SBOM documents: CycloneDX 1.6 JSON and SPDX 2.3 JSON, so that
 * scanners (syft, grype, trivy) can read the Nix image's software too. Pure: the caller writes the files.
 * Identifiers are derived from the content, so the same image gives the same serial number and namespace.
 */
import { createHash } from 'node:crypto';
import type { Ecosystem, PackageInfo } from './types.js';

export interface SbomInput {
  /** The image, as the report names it. */
  label: string;
  packages: readonly PackageInfo[];
  tool: { name: string; version: string };
  /** When the document is made (ISO 8601). */
  created: Date;
}

/** A package URL (purl) where the ecosystem has a purl type; Nix store paths have none. */
export function purlOf(info: PackageInfo): string | null {
  const version = info.version ? `@${encodeURIComponent(info.version)}` : '';
  const types: Partial<Record<Ecosystem, string>> = { deb: 'deb/debian', apk: 'apk/alpine', pypi: 'pypi', npm: 'npm' };
  const type = types[info.ecosystem];
  if (!type) return null;
  let name = info.name;
  if (info.ecosystem === 'pypi') name = name.toLowerCase().replace(/[-_.]+/g, '-');
  if (info.ecosystem === 'npm' && name.startsWith('@')) {
    const [scope, bare] = name.split('/', 2) as [string, string | undefined];
    return `pkg:npm/${encodeURIComponent(scope)}/${encodeURIComponent(bare ?? '')}${version}`;
  }
  return `pkg:${type}/${encodeURIComponent(name)}${version}`;
}

/** A UUID (version 5 layout) made from the text: the same input, the same identifier. */
function uuidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function fingerprint(input: SbomInput): string {
  return JSON.stringify([input.label, input.packages.map((info) => [info.ecosystem, info.name, info.version, info.location])]);
}

/** Seconds precision, `Z`: what SPDX 2.3 requires, and valid for CycloneDX. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function cycloneDx(input: SbomInput): Record<string, unknown> {
  const components = input.packages.map((info, index) => {
    const purl = purlOf(info);
    return {
      type: 'library',
      'bom-ref': `pkg-${index + 1}`,
      name: info.name,
      ...(info.version ? { version: info.version } : {}),
      ...(purl ? { purl } : {}),
      properties: [
        { name: 'dock2nix:ecosystem', value: info.ecosystem },
        { name: 'dock2nix:location', value: info.location },
      ],
    };
  });
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${uuidFrom(fingerprint(input))}`,
    version: 1,
    metadata: {
      timestamp: timestamp(input.created),
      tools: { components: [{ type: 'application', name: input.tool.name, version: input.tool.version }] },
      component: { type: 'container', 'bom-ref': 'image', name: input.label },
    },
    components,
    dependencies: [{ ref: 'image', dependsOn: components.map((component) => component['bom-ref']) }],
  };
}

export function spdx(input: SbomInput): Record<string, unknown> {
  const packages = input.packages.map((info, index) => {
    const purl = purlOf(info);
    return {
      SPDXID: `SPDXRef-Package-${index + 1}`,
      name: info.name,
      ...(info.version ? { versionInfo: info.version } : {}),
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      comment: `${info.ecosystem} package, found at ${info.location}`,
      ...(purl ? { externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl }] } : {}),
    };
  });
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: input.label,
    documentNamespace: `https://dock2nix.invalid/spdx/${uuidFrom(fingerprint(input))}`,
    creationInfo: { created: timestamp(input.created), creators: [`Tool: ${input.tool.name}-${input.tool.version}`] },
    packages: [
      { SPDXID: 'SPDXRef-Image', name: input.label, downloadLocation: 'NOASSERTION', filesAnalyzed: false, primaryPackagePurpose: 'CONTAINER' },
      ...packages,
    ],
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-Image' },
      ...packages.map((item) => ({ spdxElementId: 'SPDXRef-Image', relationshipType: 'CONTAINS', relatedSpdxElement: item.SPDXID })),
    ],
  };
}

/** The four files --sbom-dir writes: `docker.cdx.json`, `docker.spdx.json`, `nix.cdx.json`, `nix.spdx.json`. */
export function sbomFiles(sides: Array<{ side: 'docker' | 'nix'; input: SbomInput }>): Array<{ name: string; content: string }> {
  return sides.flatMap(({ side, input }) => [
    { name: `${side}.cdx.json`, content: `${JSON.stringify(cycloneDx(input), null, 2)}\n` },
    { name: `${side}.spdx.json`, content: `${JSON.stringify(spdx(input), null, 2)}\n` },
  ]);
}
