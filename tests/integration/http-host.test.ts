import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import { EventSource } from 'eventsource';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../src/main/api/root';
import { startHost, type RunningHost } from '../../src/main/host';
import { silentLogger } from '../../src/main/log';
import { buildScenario } from '../factories/scenario';
import { bearerEventSource } from '../support/sse';

/** The headless host end to end over real HTTP: batch link for calls, SSE for subscriptions. */
describe('headless host over HTTP', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-host-test-'));
  let host: RunningHost;

  beforeAll(async () => {
    host = await startHost({
      config: {
        dataDir,
        database: { kind: 'pglite', dataDir: path.join(dataDir, 'db') },
        firstAdmin: { email: 'admin@ops.test', password: 'admin password 1' },
      },
      logger: silentLogger,
      demoData: 'skip',
      staticDir: path.join(dataDir, 'no-renderer'),
    });
  });
  afterAll(async () => {
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function client(token: () => string | null) {
    const url = `${host.url}/trpc`;
    return createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({
            url,
            transformer: superjson,
            EventSource,
            // The token in the stream's Authorization header: the host refuses one in a URL.
            eventSourceOptions: bearerEventSource(token),
          }),
          false: httpBatchLink({
            url,
            transformer: superjson,
            headers: () => (token() ? { authorization: `Bearer ${token() ?? ''}` } : {}),
          }),
        }),
      ],
    });
  }

  async function signIn(email = 'admin@ops.test', password = 'admin password 1') {
    const session = await client(() => null).auth.login.mutate({ email, password });
    return { session, api: client(() => session.token) };
  }

  it('signs in with a bearer token and answers the contract’s paths', async () => {
    const { session, api } = await signIn();
    expect(session.staff).toMatchObject({ email: 'admin@ops.test', role: 'ADMIN' });
    expect(session.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(await api.auth.me.query()).toMatchObject({ email: 'admin@ops.test', role: 'ADMIN' });
    const teacher = await api.people.create.mutate({
      kind: 'teacher',
      email: 'http-teacher@b.test',
      name: 'T',
      timezone: 'Europe/Madrid',
    });
    const student = await api.people.create.mutate({ kind: 'student', email: 'http-student@b.test', name: 'S' });
    const gig = await api.gigs.create.mutate({
      teacherId: teacher.id,
      title: 'Spanish',
      language: 'Spanish',
      hourlyRateMinor: 5000,
      currency: 'USD',
    });
    const booking = await api.bookings.create.mutate({
      studentId: student.id,
      gigId: gig.id,
      startsAt: new Date(Date.now() + 72 * 3600_000),
      minutes: 90,
    });
    expect(booking).toMatchObject({
      status: 'PENDING',
      paymentStatus: 'UNPAID',
      totalMinor: 7875,
      teacherMinor: 7500,
      platformMinor: 375,
      meetingJoinUrl: null,
    });
    const confirmed = await api.bookings.confirm.mutate({ id: booking.id });
    expect(confirmed.status).toBe('CONFIRMED');
    const page = await api.bookings.list.query({ status: 'CONFIRMED' });
    expect(page.items.map((item) => item.id)).toContain(booking.id);
    const audit = await api.audit.list.query({ entity: 'Booking', entityId: String(booking.id) });
    expect(audit.items.map((entry) => entry.action)).toEqual(['booking.confirm', 'booking.create']);
  });

  it('a refused action: readable message, tRPC code and data.domainCode; bad input names the field', async () => {
    const { api } = await signIn();
    const missing = (await api.bookings.confirm
      .mutate({ id: 999_999 })
      .catch((error: unknown) => error)) as TRPCClientError<AppRouter>;
    expect(missing).toBeInstanceOf(TRPCClientError);
    expect(missing.message).toBe('Booking 999999 does not exist');
    expect(missing.data).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404, domainCode: 'NOT_FOUND' });
    expect(missing.data).not.toHaveProperty('stack');
    const invalid = (await api.bookings.create
      .mutate({ studentId: -1, gigId: 1, startsAt: new Date(), minutes: 60 })
      .catch((error: unknown) => error)) as TRPCClientError<AppRouter>;
    expect(invalid.data?.domainCode).toBe('VALIDATION');
    expect(invalid.message).toMatch(/studentId: must be positive/);
  });

  it('support staff get no admin actions, and calling them directly is refused by the server', async () => {
    const { api: admin } = await signIn();
    await admin.staff.create.mutate({
      email: 'sue@ops.test',
      name: 'Sue',
      role: 'SUPPORT',
      password: 'support password',
    });
    const { session, api: support } = await signIn('sue@ops.test', 'support password');
    expect(session.permissions).not.toContain('bookings.confirm');
    expect(session.permissions).toContain('bookings.cancelUnpaid');
    const s = await buildScenario(host.container, {
      teachers: { ana: { gigs: { es: { rate: 4000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es' } },
    });
    const detail = await support.bookings.get.query({ id: s.bookings.a.id });
    expect(detail.availableActions).toEqual(['cancel']);
    for (const call of [
      () => support.bookings.confirm.mutate({ id: s.bookings.a.id }),
      () => support.settings.update.mutate({ feeRateBps: 0 }),
      () => support.staff.create.mutate({ email: 'x@ops.test', name: 'X', role: 'ADMIN', password: 'long enough pw' }),
      () =>
        support.reports.revenue.query({
          from: new Date('2026-01-01'),
          to: new Date('2026-02-01'),
          groupBy: 'day',
          currency: 'USD',
        }),
    ]) {
      const error = (await call().catch((caught: unknown) => caught)) as TRPCClientError<AppRouter>;
      expect(error.data).toMatchObject({ code: 'FORBIDDEN', domainCode: 'FORBIDDEN' });
      expect(error.message).toMatch(/A SUPPORT user may not/);
    }
    expect((await admin.bookings.get.query({ id: s.bookings.a.id })).status).toBe('PENDING');
  });

  it('without or with a bad token every procedure but login is refused', async () => {
    const anonymous = client(() => null);
    const error = (await anonymous.bookings.list
      .query({})
      .catch((caught: unknown) => caught)) as TRPCClientError<AppRouter>;
    expect(error.data).toMatchObject({ code: 'UNAUTHORIZED', domainCode: 'UNAUTHENTICATED' });
    const response = await fetch(`${host.url}/trpc/bookings.list`, { headers: { authorization: 'Bearer forged' } });
    expect(response.status).toBe(401);
  });

  it('subscriptions over SSE deliver another console’s change; a reconnect with lastEventId replays what was missed', async () => {
    const { api } = await signIn();
    const s = await buildScenario(host.container, {
      teachers: { ana: { gigs: { es: { rate: 4000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es' }, b: { student: 'bob', gig: 'ana.es' } },
    });
    const events: { id: string; data: { type: string; bookingId?: number; status?: string } }[] = [];
    let started = false;
    const subscription = api.bookings.onChange.subscribe(undefined, {
      onStarted: () => (started = true),
      onData: (event) => events.push(event),
    });
    await expect.poll(() => started, { timeout: 10_000 }).toBe(true);
    const { api: other } = await signIn();
    await other.bookings.confirm.mutate({ id: s.bookings.a.id });
    const changeOf = (list: typeof events, bookingId: number) =>
      list.find((event) => event.data.type === 'booking.changed' && event.data.bookingId === bookingId);
    await expect.poll(() => changeOf(events, s.bookings.a.id), { timeout: 10_000 }).toBeDefined();
    expect(changeOf(events, s.bookings.a.id)?.data).toMatchObject({ status: 'CONFIRMED' });
    subscription.unsubscribe();

    const lastSeen = changeOf(events, s.bookings.a.id)?.id ?? '0';
    await other.bookings.confirm.mutate({ id: s.bookings.b.id });
    const replayed: typeof events = [];
    const resumed = api.bookings.onChange.subscribe(
      { lastEventId: lastSeen },
      { onData: (event) => replayed.push(event) },
    );
    await expect.poll(() => changeOf(replayed, s.bookings.b.id), { timeout: 10_000 }).toBeDefined();
    expect(changeOf(replayed, s.bookings.b.id)?.data).toMatchObject({ status: 'CONFIRMED' });
    resumed.unsubscribe();
  });

  it('serves security headers and a clear message when the console is not built', async () => {
    const response = await fetch(`${host.url}/`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('not built');
    const health = await fetch(`${host.url}/healthz`);
    expect(await health.json()).toEqual({ ok: true });
  });
});
