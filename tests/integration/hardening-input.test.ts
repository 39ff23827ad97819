import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHostileHost, type HostileHost } from '../support/hostile-host';

interface TrpcAnswer {
  status: number;
  error?: { message: string; data: { domainCode?: string; fields?: Record<string, string[]>; httpStatus?: number } };
}
interface ApiAnswer {
  status: number;
  body: { error?: string; details?: Record<string, string[]>; detail?: string };
}

/**
 * Issue 10, point 2: each input that used to be a 500 — a NUL byte (PostgreSQL refuses it in text), a
 * lone UTF-16 surrogate, an id above 2,147,483,647, a date such as +275760-09-13 — and `startsAt`
 * true, null or [1] read as 1970. Each is now a 400 naming the field, on /trpc and on /api, with
 * nothing written.
 */
describe('bad input is a 4xx naming the field, never a 500', () => {
  let host: HostileHost;
  let admin: string;
  let student: { token: string };
  let teacher: { token: string };
  let world: Awaited<ReturnType<HostileHost['world']>>;
  let apiGig: number;

  beforeAll(async () => {
    host = await openHostileHost();
    admin = await host.staffToken('ADMIN');
    student = await host.person('STUDENT');
    teacher = await host.person('TEACHER');
    world = await host.world();
    const gig = await fetch(`${host.base}/api/gigs/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${teacher.token}` },
      body: JSON.stringify({ title: 'Italian', language: 'it', hourly_rate_cents: 5000, currency: 'USD' }),
    });
    apiGig = ((await gig.json()) as { id: number }).id;
  });
  afterAll(async () => {
    await host.close();
  });

  /** One tRPC call as the console's link sends it: superjson's `{ json, meta }`, as given. */
  async function trpc(kind: 'query' | 'mutation', procedure: string, payload: unknown): Promise<TrpcAnswer> {
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    const answer =
      kind === 'query'
        ? await fetch(`${host.base}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(payload))}`, {
            headers,
          })
        : await fetch(`${host.base}/trpc/${procedure}`, { method: 'POST', headers, body: JSON.stringify(payload) });
    const body = (await answer.json()) as { error?: { json: TrpcAnswer['error'] } };
    return { status: answer.status, ...(body.error ? { error: body.error.json } : {}) };
  }

  async function api(method: string, url: string, token: string, body?: unknown): Promise<ApiAnswer> {
    const answer = await fetch(`${host.base}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: answer.status, body: (await answer.json()) as ApiAnswer['body'] };
  }

  async function expectRefused(call: () => Promise<TrpcAnswer>, field: string, message: RegExp) {
    const before = await host.rowCounts();
    const answer = await call();
    expect(answer.status, JSON.stringify(answer)).toBe(400);
    expect(answer.error?.data.domainCode).toBe('VALIDATION');
    expect(Object.keys(answer.error?.data.fields ?? {}), JSON.stringify(answer)).toEqual([field]);
    expect(answer.error?.data.fields?.[field]?.join(' ')).toMatch(message);
    expect(answer.error?.message).toContain(field);
    expect(await host.rowCounts(), JSON.stringify(answer)).toEqual(before);
  }

  async function expectApiRefused(call: () => Promise<ApiAnswer>, field: string, message: RegExp) {
    const before = await host.rowCounts();
    const answer = await call();
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('Invalid input');
    expect(Object.keys(answer.body.details ?? {})).toEqual([field]);
    expect(answer.body.details?.[field]?.join(' ')).toMatch(message);
    expect(await host.rowCounts(), JSON.stringify(answer)).toEqual(before);
  }

  const booking = () => ({ studentId: world.studentId, gigId: world.gigId, minutes: 60 });
  const later = () => new Date(Date.now() + 7 * 86_400_000).toISOString();

  it('a NUL byte in text', async () => {
    await expectRefused(
      () => trpc('mutation', 'bookings.decline', { json: { id: world.bookingId, reason: 'busy\u0000then' } }),
      'reason',
      /NUL/,
    );
    await expectRefused(() => trpc('query', 'bookings.list', { json: { search: 'a\u0000' } }), 'search', /NUL/);
    await expectRefused(
      () =>
        trpc('mutation', 'people.create', {
          json: { kind: 'student', name: 'Eve\u0000', email: 'eve@hostile.test', timezone: 'UTC' },
        }),
      'name',
      /NUL/,
    );
    await expectApiRefused(
      () =>
        api('POST', '/api/bookings/bookings/', student.token, {
          gig: apiGig,
          start_time: later(),
          duration_hours: 1,
          notes: 'x\u0000',
        }),
      'notes',
      /NUL/,
    );
  });

  it('a lone UTF-16 surrogate in text', async () => {
    await expectRefused(() => trpc('query', 'bookings.list', { json: { search: '\uD800' } }), 'search', /surrogate/);
    await expectRefused(
      () => trpc('mutation', 'bookings.decline', { json: { id: world.bookingId, reason: 'ok \uDC00' } }),
      'reason',
      /surrogate/,
    );
    await expectApiRefused(
      () =>
        api('POST', '/api/gigs/', teacher.token, {
          title: 'Ital\uDBFFian',
          language: 'it',
          hourly_rate_cents: 5000,
          currency: 'USD',
        }),
      'title',
      /surrogate/,
    );
    // A pair is fine: an emoji is text like any other.
    const paired = await trpc('query', 'bookings.list', { json: { search: '😀' } });
    expect(paired.status).toBe(200);
  });

  it('an id above 2,147,483,647', async () => {
    await expectRefused(() => trpc('query', 'bookings.get', { json: { id: 2_147_483_648 } }), 'id', /2147483647/);
    await expectRefused(
      () => trpc('mutation', 'bookings.create', { json: { ...booking(), gigId: 2_147_483_648, startsAt: later() } }),
      'gigId',
      /2147483647/,
    );
    await expectApiRefused(
      () =>
        api('POST', '/api/bookings/bookings/', student.token, {
          gig: 2_147_483_648,
          start_time: later(),
          duration_hours: 1,
        }),
      'gig',
      /id/,
    );
    await expectApiRefused(() => api('GET', '/api/bookings/bookings/2147483648/', student.token), 'id', /id/);
  });

  it('a date such as +275760-09-13, as a Date or as text', async () => {
    const far = '+275760-09-13T00:00:00.000Z';
    // superjson's Date: the console's link sends Dates so.
    await expectRefused(
      () => trpc('query', 'bookings.list', { json: { from: far }, meta: { values: { from: ['Date'] } } }),
      'from',
      /1970 and 9999/,
    );
    await expectRefused(
      () =>
        trpc('mutation', 'bookings.create', {
          json: { ...booking(), startsAt: far },
          meta: { values: { startsAt: ['Date'] } },
        }),
      'startsAt',
      /1970 and 9999/,
    );
    await expectRefused(
      () => trpc('mutation', 'bookings.create', { json: { ...booking(), startsAt: '+275760-09-13T00:00:00Z' } }),
      'startsAt',
      /date/,
    );
    await expectApiRefused(
      () =>
        api('POST', '/api/bookings/bookings/', student.token, {
          gig: apiGig,
          start_time: '+275760-09-13T00:00:00Z',
          duration_hours: 1,
        }),
      'start_time',
      /./,
    );
  });

  it('startsAt true, null or [1] is refused, never read as 1970 — also when marked as a Date', async () => {
    for (const startsAt of [true, null, [1], 0, 1_700_000_000_000]) {
      await expectRefused(
        () => trpc('mutation', 'bookings.create', { json: { ...booking(), startsAt } }),
        'startsAt',
        /date/,
      );
      // superjson would build `new Date(true)` (1970-01-01T00:00:00.001Z) from these: the host does not.
      await expectRefused(
        () =>
          trpc('mutation', 'bookings.create', {
            json: { ...booking(), startsAt },
            meta: { values: { startsAt: ['Date'] } },
          }),
        'startsAt',
        /date/,
      );
      await expectApiRefused(
        () =>
          api('POST', '/api/bookings/bookings/', student.token, {
            gig: apiGig,
            start_time: startsAt,
            duration_hours: 1,
          }),
        'start_time',
        /./,
      );
    }
  });
});
