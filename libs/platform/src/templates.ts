/**
 * Names and keys are templates with `{placeholder}`s, so one definition serves every language:
 * TypeScript fills them here, Python with `str.format` over the generated platform.json.
 */
const VALUE = /^[A-Za-z0-9_.\-^]+$/;
const PLACEHOLDER = /\{([a-z_]+)\}/g;

export type TemplateValues = Record<string, string | number>;

/** Fills every placeholder; a missing value or one with characters a key may not hold is an error. */
export function fill(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`template ${template}: no value for {${name}}`);
    const s = String(v);
    if (!VALUE.test(s))
      throw new Error(`template ${template}: {${name}}=${JSON.stringify(s)} must match ${VALUE}`);
    return s;
  });
}

/** Fills only the placeholders given, leaving the others for a later fill (or a reader's match). */
export function partialFill(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    values[name] === undefined ? whole : fill(`{${name}}`, { [name]: values[name]! }),
  );
}

/** The literal text before the first placeholder: what an IAM resource or an event pattern can match. */
export function staticPrefix(template: string): string {
  const i = template.indexOf('{');
  return i < 0 ? template : template.slice(0, i);
}

/** The placeholders' values in a concrete string, or undefined when it does not have the template's shape. */
export function match(template: string, text: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template
    .split(PLACEHOLDER)
    .map((part, i) => {
      if (i % 2 === 1) {
        names.push(part);
        return '([A-Za-z0-9_.\\-^]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  const m = new RegExp(`^${pattern}$`).exec(text);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const [i, name] of names.entries()) {
    const v = m[i + 1]!;
    if (out[name] !== undefined && out[name] !== v) return undefined; // a repeated placeholder must agree
    out[name] = v;
  }
  return out;
}
