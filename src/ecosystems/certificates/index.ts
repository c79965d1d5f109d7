/** `update-ca-certificates`: the image gets dockerTools.caCertificates. */
import { defineEcosystem, type ProgramHandler } from '../define.js';

const certificates: ProgramHandler = (_words, _command, scope) => {
  scope.stage.needs.caCertificates = true;
  scope.stage.needReasons.push(`line ${scope.line}: update-ca-certificates`);
  // Certificates the Dockerfile placed where the tool reads them are not in that bundle: the line does more than Nix does.
  const own = scope.stage.files.filter((f) =>
    /^\/(usr\/local\/share\/ca-certificates|usr\/share\/ca-certificates|etc\/pki\/ca-trust\/source\/anchors)(\/|$)/.test(f.dest),
  );
  if (own.length) {
    return {
      status: 'manual',
      rule: 'run.ca-certificates',
      message: `update-ca-certificates: dockerTools.caCertificates provides the bundle, without the certificates placed at ${own.map((f) => f.dest).join(', ')}; add them with cacert.override { extraCertificateFiles = [ … ]; }`,
    };
  }
  return { status: 'mapped', rule: 'run.ca-certificates', message: 'update-ca-certificates: dockerTools.caCertificates provides the bundle' };
};

export default defineEcosystem({
  id: 'certificates',
  summary: 'CA certificates (update-ca-certificates)',
  programs: { 'update-ca-certificates': certificates },
  cwdIndependent: true,
});
