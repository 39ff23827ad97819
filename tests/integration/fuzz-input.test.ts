import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { appRouter } from '../../src/main/api/root';
import { roleCan, type Permission } from '../../src/main/domain/permissions';
import { apiRoutes, type ApiRoute } from '../../src/main/http/api';
import { fastifyPath } from '../../src/main/http/api/route';
import { openHostileHost, type HostileHost } from '../support/hostile-host';

/**
 * Issue 10, point 2: every tRPC procedure and every marketplace API route, fed hostile input by
 * fast-check. Each sample holds at least one value no field of any type may take — text with a NUL
 * or an unpaired surrogate, an integer past PostgreSQL's `integer`, a Date past year 9999 (or one
 * superjson would build from `true`), a list of such — placed in a field the schema knows, the other
 * fields given or not, valid or not. Every answer must be a 4xx (never a 5xx) naming that field, and
 * nothing may have been written.
 */

const RUNS = 10;
const MAX_INT = 2_147_483_647;

// ---- zod introspection: the fields a schema knows ----------------------------------------------

interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  options?: z.ZodType[];
  discriminator?: string;
  values?: unknown[];
}
const defOf = (schema: z.ZodType): ZodDef => (schema as unknown as { _zod: { def: ZodDef } })._zod.def;

/** The schema under optional/nullable/default/pipe wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  const def = defOf(schema);
  if (def.innerType && ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch'].includes(def.type))
    return unwrap(def.innerType);
  if (def.type === 'pipe' && def.in) return unwrap(def.in);
  return schema;
}

interface Shape {
  /** Field name → whether it takes a boolean (where `true` is no poison). */
  fields: Map<string, boolean>;
  /** A discriminated union's key and its values: a sample names one, so the union reads its fields. */
  discriminator?: { key: string; values: unknown[] };
}

function shapeOf(schema: z.ZodType | undefined): Shape | null {
  if (!schema) return null;
  const def = defOf(unwrap(schema));
  if (def.type === 'object' && def.shape) {
    const fields = new Map<string, boolean>();
    for (const [key, field] of Object.entries(def.shape)) fields.set(key, defOf(unwrap(field)).type === 'boolean');
    return { fields };
  }
  if (def.type === 'union' && def.options) {
    const shapes = def.options.map((option) => shapeOf(option)).filter((shape) => shape !== null);
    const fields = new Map<string, boolean>();
    for (const shape of shapes) for (const [key, boolean] of shape.fields) fields.set(key, boolean);
    if (!def.discriminator) return { fields };
    const values = def.options.flatMap((option) => {
      const literal = defOf(unwrap(option)).shape?.[def.discriminator ?? ''];
      return literal ? (defOf(literal).values ?? []) : [];
    });
    fields.delete(def.discriminator);
    return { fields, discriminator: { key: def.discriminator, values } };
  }
  return null; // void, a scalar…: the input as a whole is the field
}

// ---- hostile values -----------------------------------------------------------------------------

/** A value sent as JSON, maybe with superjson's Date mark on it. */
interface Sent {
  json: unknown;
  date?: boolean;
  label: string;
}

const text = fc.string({ maxLength: 12 });
const nulText = fc.tuple(text, text).map(([a, b]): Sent => ({ json: `${a}\u0000${b}`, label: 'text with NUL' }));
const surrogateText = fc
  .tuple(text, fc.integer({ min: 0xd800, max: 0xdfff }), text)
  .map(([a, unit, b]): Sent => ({ json: `${a}${String.fromCharCode(unit)}${b}`, label: 'a lone surrogate' }));
const hugeInteger = fc
  .oneof(
    fc.constant(MAX_INT + 1),
    fc.integer({ min: MAX_INT + 1, max: Number.MAX_SAFE_INTEGER }),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -MAX_INT - 1 }),
  )
  .map((json): Sent => ({ json, label: 'an integer past 32 bits' }));
const farDate = fc
  .constantFrom('+275760-09-13T00:00:00.000Z', '+010000-01-01T00:00:00.000Z', '-271821-04-20T00:00:00.000Z')
  .map((json): Sent => ({ json, date: true, label: 'a Date past 9999' }));
/** superjson would build `new Date(true)`: 1970. Not poison for a boolean field. */
const coercedDate = fc
  .constantFrom<unknown>(true, [1], 0)
  .map((json): Sent => ({ json, date: true, label: 'a Date from a non-string' }));

/**
 * What poison a carrier can hold: tRPC's superjson (Date marks too), the API's plain JSON (where a
 * date is text like any other), or a URL's path and query (text only: "2147483648" is fine text
 * there; the router's answer to an undecodable path is in hardening-input.test.ts).
 */
type Carrier = 'superjson' | 'json' | 'url';
const poison = (booleanField: boolean, carrier: Carrier) =>
  fc.oneof(
    nulText,
    // A URL's query is decoded leniently: a lone surrogate's bytes arrive as U+FFFD, which is fine text.
    ...(carrier === 'url' ? [] : [surrogateText, hugeInteger]),
    ...(carrier === 'superjson' ? [farDate] : []),
    ...(carrier === 'superjson' && !booleanField ? [coercedDate] : []),
    fc
      .array(carrier === 'url' ? nulText : fc.oneof(nulText, surrogateText, hugeInteger), {
        minLength: 1,
        maxLength: 3,
      })
      .map((items): Sent => ({ json: items.map((item) => item.json), label: 'a list of poison' })),
  );

/** Whatever else a field may hold: valid or not, it cannot make a poisoned input acceptable. */
const filler = fc.oneof(
  fc.constantFrom<unknown>(1, 2, 0, -1, 1.5, '', 'x', 'USD', 'ADMIN', null, true, false, [], '2026-12-01T10:00:00Z'),
  fc.string({ maxLength: 20 }),
  fc.integer({ min: -5, max: 1000 }),
);

interface Sample {
  /** The superjson payload of a tRPC call, or the JSON of an API part. */
  input: unknown;
  dateFields: string[];
  /** The fields holding poison, which the answer must name. */
  poisoned: string[];
}

/** An input for `shape` with 1–2 poisoned fields and some others. */
function samples(shape: Shape | null, carrier: Carrier): fc.Arbitrary<Sample> {
  if (!shape || shape.fields.size === 0) {
    // The input as a whole (a void input, or an object with no fields: poison as the whole input).
    return poison(false, carrier).map((sent) => ({
      input: sent.json,
      dateFields: sent.date ? [''] : [],
      poisoned: [''],
    }));
  }
  const keys = [...shape.fields.keys()];
  return fc
    .record({
      bad: fc.uniqueArray(fc.constantFrom(...keys), { minLength: 1, maxLength: Math.min(2, keys.length) }),
      others: fc.dictionary(fc.constantFrom(...keys), filler, { maxKeys: keys.length }),
      choice: shape.discriminator ? fc.constantFrom(...shape.discriminator.values) : fc.constant(undefined),
    })
    .chain(({ bad, others, choice }) =>
      fc.tuple(...bad.map((key) => poison(shape.fields.get(key) ?? false, carrier))).map((values) => {
        const input: Record<string, unknown> = { ...others };
        if (shape.discriminator) input[shape.discriminator.key] = choice;
        const dateFields: string[] = [];
        bad.forEach((key, index) => {
          const sent = values[index] as Sent;
          input[key] = sent.json;
          if (sent.date) dateFields.push(key);
        });
        return { input, dateFields, poisoned: bad };
      }),
    );
}

/** superjson's `{ json, meta }`, with a Date mark on each field that asks for one. */
function superjsonPayload(sample: Sample): unknown {
  if (sample.dateFields.length === 0) return { json: sample.input };
  if (sample.dateFields[0] === '') return { json: sample.input, meta: { values: ['Date'] } };
  return { json: sample.input, meta: { values: Object.fromEntries(sample.dateFields.map((key) => [key, ['Date']])) } };
}

// ---- the targets ------------------------------------------------------------------------------

interface ProcedureDef {
  type: 'query' | 'mutation' | 'subscription';
  inputs: z.ZodType[];
  meta?: { permission?: Permission | null };
}
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: ProcedureDef }>).map(
  ([path, procedure]) => ({ path, ...procedure._def }),
);

/** A role that may call it: the permission check comes before validation (R33). */
function roleFor(permission: Permission | null | undefined): 'ADMIN' | 'FINANCE' | 'SUPPORT' {
  if (!permission) return 'SUPPORT';
  return (['SUPPORT', 'FINANCE', 'ADMIN'] as const).find((role) => roleCan(role, permission)) ?? 'ADMIN';
}

interface TrpcError {
  message: string;
  data: { domainCode?: string; fields?: Record<string, string[]>; httpStatus?: number; code?: string };
}

const names = (fields: Record<string, unknown> | undefined, key: string) =>
  Object.keys(fields ?? {}).some((field) =>
    key === '' ? true : field === key || field.startsWith(`${key}.`) || field === 'input',
  );

describe('fuzzing every procedure and every API route with hostile input', () => {
  let host: HostileHost;
  const tokens: Partial<Record<'ADMIN' | 'FINANCE' | 'SUPPORT' | 'STUDENT' | 'TEACHER', string>> = {};
  const seen = { trpc: 0, api: 0 };

  beforeAll(async () => {
    host = await openHostileHost();
    for (const role of ['ADMIN', 'FINANCE', 'SUPPORT'] as const) tokens[role] = await host.staffToken(role);
    for (const role of ['STUDENT', 'TEACHER'] as const) tokens[role] = (await host.person(role)).token;
    await host.world();
    await host.settled();
  });
  afterAll(async () => {
    await host.close();
  });

  async function trpcCall(procedure: (typeof procedures)[number], payload: unknown, token: string) {
    const headers = { authorization: `Bearer ${token}` };
    const input = encodeURIComponent(JSON.stringify(payload));
    const controller = new AbortController();
    try {
      const answer =
        procedure.type === 'mutation'
          ? await fetch(`${host.base}/trpc/${procedure.path}`, {
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/json' },
              body: JSON.stringify(payload),
              signal: controller.signal,
            })
          : await fetch(`${host.base}/trpc/${procedure.path}?input=${input}`, {
              headers: procedure.type === 'subscription' ? { ...headers, accept: 'text/event-stream' } : headers,
              signal: controller.signal,
            });
      if (answer.headers.get('content-type')?.startsWith('text/event-stream')) return await streamError(answer);
      const body = (await answer.json()) as { error?: { json: TrpcError } };
      return { status: answer.status, error: body.error?.json };
    } finally {
      controller.abort();
    }
  }

  /**
   * A subscription answers 200 and opens its stream before it reads the input: a refusal arrives as
   * its first `serialized-error` event, with the HTTP status it stands for.
   */
  async function streamError(answer: Response): Promise<{ status: number; error: TrpcError | undefined }> {
    const reader = (answer.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = '';
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      received += decoder.decode(value, { stream: true });
      const event = /event: serialized-error\ndata: (.*)\n/.exec(received);
      if (event?.[1]) {
        const error = (JSON.parse(event[1]) as { json: TrpcError }).json;
        return { status: error.data.httpStatus ?? 500, error };
      }
    }
    return { status: answer.status, error: undefined };
  }

  it('covers every procedure of the router and every route of the API', () => {
    expect(procedures.length).toBeGreaterThan(50);
    expect(procedures.map((procedure) => procedure.path)).toEqual(
      expect.arrayContaining(['auth.login', 'bookings.create', 'bookings.onChange', 'staff.create', 'settings.update']),
    );
  });

  it('every tRPC procedure: a 4xx naming the poisoned field, never a 5xx, nothing written', async () => {
    for (const procedure of procedures) {
      const role = roleFor(procedure.meta?.permission);
      const token = tokens[role] ?? '';
      const schema = procedure.inputs[0];
      const shape = shapeOf(schema);
      const before = await host.rowCounts();
      await fc.assert(
        fc.asyncProperty(samples(shape, 'superjson'), async (sample) => {
          seen.trpc += 1;
          const answer = await trpcCall(procedure, superjsonPayload(sample), token);
          const where = `${procedure.path} as ${role}: ${JSON.stringify(superjsonPayload(sample))} → ${answer.status} ${JSON.stringify(answer.error)}`;
          expect(answer.status, where).toBeLessThan(500);
          // Takes no input (auth.me, system.integrations…): tRPC never reads it, so nothing to refuse.
          if (!schema) return;
          expect(answer.status, where).toBeGreaterThanOrEqual(400);
          if (procedure.path.startsWith('desktop.')) {
            // Only the desktop app answers these; the host refuses them before reading the input.
            expect(answer.error?.data.domainCode, where).toBe('GUARD_FAILED');
            return;
          }
          expect(answer.status, where).toBe(400);
          expect(answer.error?.data.domainCode, where).toBe('VALIDATION');
          for (const key of sample.poisoned) expect(names(answer.error?.data.fields, key), where).toBe(true);
        }),
        { numRuns: RUNS, seed: 10_2 },
      );
      const after = await host.rowCounts();
      expect(
        Object.keys(after).filter((table) => after[table] !== before[table]),
        procedure.path,
      ).toEqual([]);
    }
  }, 240_000); // hundreds of calls: on a busy machine (two cores shared) more than the default

  it('every marketplace API route: a 4xx naming the poisoned field, never a 5xx, nothing written', async () => {
    const routes = apiRoutes(host.container.services);
    expect(routes.length).toBeGreaterThanOrEqual(14);
    for (const route of routes) {
      const token =
        route.access === 'teacher'
          ? tokens.TEACHER
          : route.access === 'student' || route.access === 'signed-in'
            ? tokens.STUDENT
            : undefined;
      const parts = (['params', 'query', 'body'] as const).filter(
        (part) => route[part] && (shapeOf(route[part])?.fields.size ?? 0) > 0,
      );
      if (parts.length === 0) {
        // No input at all (the OpenAPI document): hostile text in the query changes nothing.
        const answer = await fetch(`${host.base}${fastifyPath(route.path)}?x=%00%ED%A0%80`);
        expect(answer.status, route.path).toBeLessThan(500);
        continue;
      }
      const before = await host.rowCounts();
      for (const part of parts) {
        await fc.assert(
          fc.asyncProperty(samples(shapeOf(route[part]), part === 'body' ? 'json' : 'url'), async (sample) => {
            seen.api += 1;
            const answer = await apiCall(route, part, sample, token);
            const where = `${route.method} ${route.path} ${part}: ${JSON.stringify(sample.input)} → ${answer.status} ${JSON.stringify(answer.body)}`;
            expect(answer.status, where).toBeGreaterThanOrEqual(400);
            expect(answer.status, where).toBeLessThan(500);
            expect(answer.status, where).toBe(400);
            const details = (answer.body as { details?: Record<string, string[]> }).details;
            // A field by its name, or the part as a whole: 'path' (a URL that is not UTF-8), 'query', 'body'.
            const root = part === 'params' ? 'path' : part;
            for (const key of sample.poisoned)
              expect(names(details, key === '' ? root : key) || names(details, root), where).toBe(true);
          }),
          { numRuns: RUNS, seed: 10_2 },
        );
      }
      expect(await host.rowCounts(), route.path).toEqual(before);
    }
  }, 240_000); // hundreds of calls: on a busy machine (two cores shared) more than the default

  /** One call with `sample` as the route's params, query or body; the other parts left valid-looking. */
  async function apiCall(
    route: ApiRoute,
    part: 'params' | 'query' | 'body',
    sample: Sample,
    token: string | undefined,
  ) {
    const asText = (value: unknown) =>
      typeof value === 'string'
        ? encodeComponent(value)
        : encodeComponent(Array.isArray(value) ? value.map(String).join(',') : JSON.stringify(value));
    let url = route.path as string;
    if (part === 'params') {
      const values = sample.input as Record<string, unknown>;
      url = url.replace(/\{(\w+)\}/g, (_match, name: string) => (name in values ? asText(values[name]) : '1'));
    } else url = url.replace(/\{(\w+)\}/g, '1');
    if (part === 'query') {
      const query = Object.entries(sample.input as Record<string, unknown>)
        .map(([name, value]) => `${name}=${asText(value)}`)
        .join('&');
      url = `${url}?${query}`;
    }
    const body = part === 'body' ? JSON.stringify(sample.input) : route.method === 'GET' ? undefined : '{}';
    const answer = await fetch(`${host.base}${url}`, {
      method: route.method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body }),
    });
    const textBody = await answer.text();
    return { status: answer.status, body: textBody ? (JSON.parse(textBody) as unknown) : null };
  }

  afterAll(() => {
    // The property really ran: every procedure and route got its samples.
    expect(seen.trpc).toBeGreaterThanOrEqual(procedures.length * RUNS - 5 * RUNS);
  });
});

/** Percent-encodes text as UTF-8, a lone surrogate as the bytes WTF-8 gives it (encodeURIComponent throws on it). */
function encodeComponent(value: string): string {
  let out = '';
  for (let index = 0; index < value.length; index += 1) {
    const unit = value.charCodeAt(index);
    const next = value.charCodeAt(index + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(value.slice(index, index + 2));
      index += 1;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(value[index] ?? '');
  }
  return out;
}
