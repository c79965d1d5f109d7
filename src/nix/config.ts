/** The image's config (Cmd, Env, ...), as the image builders take it. */
import type { MigrationPlan } from '../convert/types.js';
import { attrs, bind, int, list, str, type Binding, type NixExpr } from './ast.js';
import { formatKeepsHealthcheck } from './formats/index.js';

export function configExpr(plan: MigrationPlan): NixExpr {
  const c = plan.image.config;
  const strings = (values: string[]) => list(values.map((v) => str(v)));
  const set = (keys: string[]) => attrs(keys.map((k) => bind(k, attrs([]))));
  const bindings: Binding[] = [];
  if (c.Cmd) bindings.push(bind('Cmd', strings(c.Cmd)));
  if (c.Entrypoint) bindings.push(bind('Entrypoint', strings(c.Entrypoint)));
  if (c.Env.length) bindings.push(bind('Env', strings(c.Env.map(([k, v]) => `${k}=${v}`))));
  if (c.ExposedPorts.length) bindings.push(bind('ExposedPorts', set(c.ExposedPorts)));
  if (c.Healthcheck && formatKeepsHealthcheck(plan.format)) {
    const h = c.Healthcheck;
    bindings.push(
      bind(
        'Healthcheck',
        attrs([
          ...(h.Interval !== undefined ? [bind('Interval', int(h.Interval))] : []),
          ...(h.Retries !== undefined ? [bind('Retries', int(h.Retries))] : []),
          ...(h.StartInterval !== undefined ? [bind('StartInterval', int(h.StartInterval))] : []),
          ...(h.StartPeriod !== undefined ? [bind('StartPeriod', int(h.StartPeriod))] : []),
          bind('Test', strings(h.Test)),
          ...(h.Timeout !== undefined ? [bind('Timeout', int(h.Timeout))] : []),
        ]),
        ['Docker honours this; OCI runtimes and Kubernetes ignore it.'],
      ),
    );
  }
  if (c.Labels.length) bindings.push(bind('Labels', attrs(c.Labels.map(([k, v]) => bind(k, str(v))))));
  if (c.StopSignal) bindings.push(bind('StopSignal', str(c.StopSignal)));
  if (c.User) bindings.push(bind('User', str(c.User)));
  if (c.Volumes.length) bindings.push(bind('Volumes', set(c.Volumes)));
  if (c.WorkingDir) bindings.push(bind('WorkingDir', str(c.WorkingDir)));
  return attrs(bindings);
}
