/**
 * The recipe of a Makefile target (the first target when none is named), with its prerequisites' recipes first
 * and variables expanded; null when it needs make features beyond plain variables ($(shell ...), patterns...).
 */
export function makeRecipe(text: string, wanted: string | null, env: Record<string, string>): { target: string; commands: string[] } | null {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const vars = new Map<string, string>();
  const rules = new Map<string, { prerequisites: string[]; commands: string[] }>();
  let first: string | null = null;
  let current: { commands: string[] } | null = null;
  for (const line of lines) {
    if (line.startsWith('\t')) {
      if (current) current.commands.push(line.slice(1));
      continue;
    }
    const bare = line.replace(/#.*$/, '').trim();
    if (!bare) continue;
    const assign = /^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*(::=|:=|\?=|\+=|!=|=)\s*(.*)$/.exec(bare);
    if (assign) {
      current = null;
      const [, name, op, value] = assign as unknown as [string, string, string, string];
      if (op === '!=') return null;
      if (op === '?=' && (vars.has(name) || env[name] !== undefined)) continue;
      vars.set(name, op === '+=' ? `${vars.get(name) ?? ''} ${value}`.trim() : value);
      continue;
    }
    const rule = /^([^:=]+?)\s*::?\s*([^=]*)$/.exec(bare);
    if (!rule) return null;
    const [, names, prereqs] = rule as unknown as [string, string, string];
    const inline = prereqs.includes(';') ? prereqs.slice(prereqs.indexOf(';') + 1) : null;
    const entry = {
      prerequisites: (inline === null ? prereqs : prereqs.slice(0, prereqs.indexOf(';'))).split(/\s+/).filter(Boolean),
      commands: inline ? [inline.trim()] : [],
    };
    for (const name of names.split(/\s+/)) {
      if (name.startsWith('.')) continue;
      if (name.includes('%')) return null;
      first ??= name;
      rules.set(name, entry);
    }
    current = entry;
  }
  const target = wanted ?? first;
  if (!target || !rules.has(target)) return null;
  const expand = (value: string, depth = 0): string | null => {
    if (depth > 10) return null;
    let failed = false;
    const out = value.replace(/\$(?:\(([^()]*)\)|\{([^{}]*)\}|([A-Za-z_@<^]))/g, (_, a?: string, b?: string, c?: string) => {
      const name = (a ?? b ?? c)!;
      if (/\s/.test(name) || /^[@<^]$/.test(name)) {
        failed = true;
        return '';
      }
      const value = env[name] ?? vars.get(name) ?? '';
      const expanded = expand(value, depth + 1);
      if (expanded === null) failed = true;
      return expanded ?? '';
    });
    return failed ? null : out;
  };
  const commands: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): boolean => {
    if (seen.has(name)) return true;
    seen.add(name);
    const rule = rules.get(name);
    if (!rule) return true;
    for (const prerequisite of rule.prerequisites) if (!visit(prerequisite)) return false;
    for (const command of rule.commands) {
      const expanded = expand(command.replace(/\$\$/g, '\u0001'));
      if (expanded === null) return false;
      const clean = expanded
        .replace(/\u0001/g, '$')
        .replace(/^[@+-]+/, '')
        .trim();
      if (clean) commands.push(clean);
    }
    return true;
  };
  return visit(target) && commands.length ? { target, commands } : null;
}
