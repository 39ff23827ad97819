import { TRPCError } from '@trpc/server';
import superjson, { type SuperJSONResult } from 'superjson';

/** What superjson itself writes for a Date (Date#toISOString), the only text a Date may come from. */
const ISO_INSTANT = /^[+-]?\d{4,6}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Puts back the caller's own value wherever superjson built something from a mark that no input of
 * this router takes. superjson runs `new Date(value)` on whatever a request marks as a Date, so `true`
 * became 1970-01-01T00:00:00.001Z, `null` the epoch and `[1]` the year 2001; and zod reads any object
 * — a Date, a Map — as an object whose fields are all absent, so a marked root ran a mutation as `{}`.
 * A Date is kept only inside the input and only from ISO text; bigints, Maps, Sets, RegExps, Errors
 * and the like never. With the value as sent, the procedure's schema refuses it and names its field.
 */
function undoCoercions(built: unknown, sent: unknown, root: boolean): unknown {
  if (built instanceof Date) return !root && typeof sent === 'string' && ISO_INSTANT.test(sent) ? built : sent;
  if (typeof built === 'bigint') return sent;
  if (built === null || typeof built !== 'object') return built;
  if (Array.isArray(built)) {
    if (!Array.isArray(sent)) return sent;
    for (let index = 0; index < built.length; index += 1)
      built[index] = undoCoercions(built[index], sent[index] as unknown, false);
    return built;
  }
  if (Object.getPrototypeOf(built) !== Object.prototype) return sent;
  if (sent === null || typeof sent !== 'object' || Array.isArray(sent)) return sent;
  const record = built as Record<string, unknown>;
  const raw = sent as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (Object.hasOwn(raw, key)) record[key] = undoCoercions(record[key], raw[key], false);
  return built;
}

/** Reads a request's `{ json, meta }` as superjson does, minus its coercions; unreadable input is a 400. */
export function deserializeInput(value: unknown): unknown {
  const sent = value !== null && typeof value === 'object' && 'json' in value ? value.json : undefined;
  let built: unknown;
  try {
    built = superjson.deserialize(value as SuperJSONResult);
  } catch (error) {
    // An annotation superjson cannot apply (a bigint from "x", an unknown class…) is the caller's mistake.
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `The input cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  return undoCoercions(built, sent, true);
}

/**
 * The console's transformer: superjson both ways, but what a request sends is read strictly (see
 * `deserializeInput`). Answers are plain superjson, so clients use superjson unchanged.
 */
export const strictSuperjson = {
  input: { serialize: (value: unknown) => superjson.serialize(value), deserialize: deserializeInput },
  output: {
    serialize: (value: unknown) => superjson.serialize(value),
    deserialize: (value: unknown) => superjson.deserialize(value as SuperJSONResult),
  },
};
