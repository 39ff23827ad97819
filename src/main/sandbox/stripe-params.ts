import { paramError } from './stripe-errors';
import type { FormValue } from './stripe-form';

/**
 * Stripe's parameter rules shared by the sandbox's endpoints: `metadata` is an object of strings (an empty value
 * unsets a key), integers are sent as decimal strings, enumerations are checked against their values. A malformed
 * parameter is a validation failure (400, nothing saved under the idempotency key).
 */
export type Metadata = Record<string, string>;

export function metadataOf(value: FormValue | undefined): Metadata {
  if (value === undefined || value === null) return {};
  if (typeof value === 'string' || Array.isArray(value)) throw paramError('Invalid object', 'metadata');
  const metadata: Metadata = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === null) continue; // an empty value unsets the key
    if (typeof inner !== 'string') throw paramError('Invalid string', `metadata[${key}]`);
    metadata[key] = inner;
  }
  return metadata;
}

/**
 * An update's `metadata` applied to what an object has [docs.stripe.com/api/metadata]: keys given are set, keys
 * given empty are removed, keys not given stay; `metadata=` (empty) removes them all.
 */
export function patchMetadata(current: Metadata, value: FormValue | undefined): Metadata {
  if (value === undefined) return { ...current };
  if (value === null) return {};
  if (typeof value === 'string' || Array.isArray(value)) throw paramError('Invalid object', 'metadata');
  const next = new Map(Object.entries(current));
  for (const [key, inner] of Object.entries(value)) {
    if (inner === null) {
      next.delete(key);
      continue;
    }
    if (typeof inner !== 'string') throw paramError('Invalid string', `metadata[${key}]`);
    next.set(key, inner);
  }
  return Object.fromEntries(next);
}

export function positiveInteger(value: FormValue | undefined, param: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value))
    throw paramError(`Invalid integer: ${typeof value === 'string' ? value : 'object'}`, param);
  const number = Number(value);
  if (number < 1) throw paramError('This value must be greater than or equal to 1.', param);
  return number;
}

export function oneOf(value: FormValue | undefined, allowed: readonly string[], param: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value))
    throw paramError(`Invalid ${param}: must be one of ${allowed.join(', ')}`, param);
  return value;
}
