/** `update-ca-certificates`: the image gets dockerTools.caCertificates. */
import { defineEcosystem, type ProgramHandler } from '../define.js';

const certificates: ProgramHandler = (_words, _command, scope) => {
  scope.stage.needs.caCertificates = true;
  scope.stage.needReasons.push(`line ${scope.line}: update-ca-certificates`);
  return { status: 'mapped', rule: 'run.ca-certificates', message: 'update-ca-certificates: dockerTools.caCertificates provides the bundle' };
};

export default defineEcosystem({
  id: 'certificates',
  summary: 'CA certificates (update-ca-certificates)',
  programs: { 'update-ca-certificates': certificates },
  cwdIndependent: true,
});
