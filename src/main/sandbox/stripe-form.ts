/**
 * Stripe's form encoding: `a[b]=v` nests, `expand[0]=x` (or `expand[]=x`) is an array element,
 * an empty value means "unset" (null).
 */
export type FormValue = string | null | FormValue[] | { [key: string]: FormValue };

export function parseStripeForm(body: string): Record<string, FormValue> {
  const root: Record<string, FormValue> = {};
  for (const [rawKey, rawValue] of new URLSearchParams(body)) {
    const parts = rawKey.replace(/\]/g, '').split('[');
    let node: Record<string, FormValue> | FormValue[] = root;
    for (let index = 0; index < parts.length; index += 1) {
      const part = parts[index] ?? '';
      const last = index === parts.length - 1;
      const value: FormValue = rawValue === '' ? null : rawValue;
      if (Array.isArray(node)) {
        const position = part === '' ? node.length : Number(part);
        if (last) node[position] = value;
        else
          node = (node[position] ??= /^\d*$/.test(parts[index + 1] ?? '') ? [] : {}) as
            Record<string, FormValue> | FormValue[];
      } else {
        if (last) node[part] = value;
        else
          node = (node[part] ??= /^\d*$/.test(parts[index + 1] ?? '') ? [] : {}) as
            Record<string, FormValue> | FormValue[];
      }
    }
  }
  return root;
}

export function str(value: FormValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function bool(value: FormValue | undefined): boolean | undefined {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}
