import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../src/main/api/root';
import type { Container } from '../../src/main/container';
import { systemClock } from '../../src/main/container';
import { marketplaceApi } from '../../src/main/http/api';
import { buildServer, TOKEN_IN_URL_MESSAGE } from '../../src/main/http/server';
import { silentLogger } from '../../src/main/log';
import { hashPassword } from '../../src/main/services/passwords';
import { buildScenario } from '../factories/scenario';
import { bearerEventSource } from '../support/sse';
import { openTestContainer } from '../support/test-db';

const PASSWORD = 'a long staff password 1';

type StreamEvent = { id: string; data: { type: string; bookingId?: number } };

/**
 * Issue 10, point 4: the console's SSE link put the long-lived session token in the query string
 * (`?connectionParams={"token":…}`) and the host accepted it there — so it sat in access logs,
 * proxies and browser history. Tokens now travel in the Authorization header only, a URL carrying
 * one is refused, and a session that ends closes its open streams.
 */
describe('tokens never in URLs; a session that ends closes its streams', () => {
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  let container: Container;
  let app: FastifyInstance;
  let base: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    database = await openTestContainer('pglite', systemClock);
    container = database.container;
    app = await buildServer({
      container,
      logger: silentLogger,
      // Request logs at the most talkative level: a refused token must not end up in them either.
      pino: pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) }),
      staticDir: path.join(container.db.description, 'no-renderer'),
      routes: marketplaceApi(container, {}),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    app.server.closeAllConnections();
    await app.close();
    await database.dispose();
  });

  let sequence = 0;
  async function staffSession(role: 'ADMIN' | 'SUPPORT') {
    const email = `${role.toLowerCase()}-${(sequence += 1)}@tokens.test`;
    const passwordHash = await hashPassword(PASSWORD);
    const staff = await container.uow.transaction((repos) =>
      repos.staff.create({ email, name: role, role, passwordHash, createdAt: new Date() }),
    );
    const login = await fetch(`${base}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { email, password: PASSWORD } }),
    });
    expect(login.status).toBe(200);
    const token = ((await login.json()) as { result: { data: { json: { token: string } } } }).result.data.json.token;
    return { staff, token };
  }

  /** A console with the token in the Authorization header of every call and of its event stream. */
  function console_(token: string) {
    const url = `${base}/trpc`;
    return createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({
            url,
            transformer: superjson,
            EventSource,
            eventSourceOptions: bearerEventSource(() => token),
          }),
          false: httpBatchLink({ url, transformer: superjson, headers: { authorization: `Bearer ${token}` } }),
        }),
      ],
    });
  }

  function watch(token: string) {
    const events: StreamEvent[] = [];
    const state: { started: boolean; error: TRPCClientError<AppRouter> | null; completed: boolean } = {
      started: false,
      error: null,
      completed: false,
    };
    const subscription = console_(token).bookings.onChange.subscribe(undefined, {
      onStarted: () => (state.started = true),
      onData: (event) => events.push(event),
      onError: (error) => (state.error = error),
      onComplete: () => (state.completed = true),
    });
    return { events, state, subscription };
  }

  it('the stream the old console opened, with the token in the URL, is refused: 401 naming the header', async () => {
    const { token } = await staffSession('ADMIN');
    const connectionParams = encodeURIComponent(JSON.stringify({ token }));
    const old = await fetch(`${base}/trpc/bookings.onChange?connectionParams=${connectionParams}`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(old.status).toBe(401);
    expect(old.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await old.json()).toEqual({ detail: TOKEN_IN_URL_MESSAGE });
    expect(TOKEN_IN_URL_MESSAGE).toMatch(/Authorization header/);

    // Also as any other parameter that would carry it, on any path, and even with a valid header too.
    for (const url of [
      `/trpc/auth.me?token=${token}`,
      `/trpc/auth.me?access_token=${token}`,
      `/trpc/auth.me?batch=1&connectionParams=${connectionParams}&input=%7B%7D`,
      `/api/gigs/?access_token=${token}`,
      `/healthz?session=${token}`,
    ]) {
      const answer = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token}` } });
      expect(answer.status, url).toBe(401);
      expect(((await answer.json()) as { detail: string }).detail).toBe(TOKEN_IN_URL_MESSAGE);
    }
    // Nothing of it reached the request log.
    expect(logLines.join('\n')).not.toContain(token);
    expect(logLines.join('\n')).toContain('?session=REDACTED');

    // The same call with the token in the header answers.
    const me = await fetch(`${base}/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
  });

  it('a stream with the token in the Authorization header delivers changes (and no session revocations)', async () => {
    const { token } = await staffSession('ADMIN');
    const requests: { url: string; authorization: string | null }[] = [];
    // What goes on the wire.
    const recorder: typeof fetch = (input, init) => {
      requests.push({
        url: input instanceof Request ? input.url : input.toString(),
        authorization: new Headers(init?.headers).get('authorization'),
      });
      return fetch(input, init);
    };
    const url = `${base}/trpc`;
    const events: StreamEvent[] = [];
    let started = false;
    const subscription = createTRPCClient<AppRouter>({
      links: [
        httpSubscriptionLink({
          url,
          transformer: superjson,
          EventSource,
          eventSourceOptions: bearerEventSource(() => token, recorder),
        }),
      ],
    }).bookings.onChange.subscribe(undefined, {
      onStarted: () => (started = true),
      onData: (event) => events.push(event),
    });
    try {
      await expect.poll(() => started, { timeout: 10_000 }).toBe(true);
      expect(requests[0]?.authorization).toBe(`Bearer ${token}`);
      expect(requests[0]?.url).not.toContain(token);
      expect(requests[0]?.url).not.toContain('connectionParams');

      // Someone else signs in and out: consoles hear nothing of it.
      const other = await staffSession('SUPPORT');
      await console_(other.token).auth.logout.mutate();
      const s = await buildScenario(container, {
        teachers: { ana: { gigs: { es: { rate: 4000 } } } },
        students: { bob: {} },
        bookings: { a: { student: 'bob', gig: 'ana.es' } },
      });
      await expect
        .poll(() => events.some((event) => event.data.bookingId === s.bookings.a.id), { timeout: 10_000 })
        .toBe(true);
      expect(events.map((event) => event.data.type)).not.toContain('sessions.revoked');
    } finally {
      subscription.unsubscribe();
    }
  });

  it('signing out ends the session’s open stream at once, as UNAUTHENTICATED', async () => {
    const { token } = await staffSession('ADMIN');
    const listeners = container.events.listenerCount;
    const stream = watch(token);
    await expect.poll(() => stream.state.started, { timeout: 10_000 }).toBe(true);
    expect(container.events.listenerCount).toBeGreaterThan(listeners);

    await console_(token).auth.logout.mutate();
    const signedOutAt = Date.now();
    await expect.poll(() => stream.state.error, { timeout: 5_000, interval: 50 }).not.toBeNull();
    expect(Date.now() - signedOutAt).toBeLessThan(3_000);
    expect(stream.state.error?.data).toMatchObject({ domainCode: 'UNAUTHENTICATED' });
    expect(stream.state.error?.message).toMatch(/signed out/);
    // The server let go of it too.
    await expect.poll(() => container.events.listenerCount, { timeout: 5_000 }).toBe(listeners);
    stream.subscription.unsubscribe();
  });

  it('disabling an account ends its open streams at once (R34)', async () => {
    const admin = await staffSession('ADMIN');
    const support = await staffSession('SUPPORT');
    const first = watch(support.token);
    const second = watch(support.token);
    const bystander = watch(admin.token);
    await expect
      .poll(() => first.state.started && second.state.started && bystander.state.started, { timeout: 10_000 })
      .toBe(true);

    await console_(admin.token).staff.disable.mutate({ id: support.staff.id });
    const disabledAt = Date.now();
    await expect
      .poll(() => first.state.error !== null && second.state.error !== null, { timeout: 5_000, interval: 50 })
      .toBe(true);
    expect(Date.now() - disabledAt).toBeLessThan(3_000);
    for (const stream of [first, second]) {
      expect(stream.state.error?.data).toMatchObject({ domainCode: 'UNAUTHENTICATED' });
      expect(stream.state.error?.message).toMatch(/disabled/);
    }
    // The admin's stream is untouched and still live.
    expect(bystander.state.error).toBeNull();
    const s = await buildScenario(container, {
      teachers: { eva: { gigs: { fr: { rate: 4000 } } } },
      students: { cal: {} },
      bookings: { b: { student: 'cal', gig: 'eva.fr' } },
    });
    await expect
      .poll(() => bystander.events.some((event) => event.data.bookingId === s.bookings.b.id), { timeout: 10_000 })
      .toBe(true);
    for (const stream of [first, second, bystander]) stream.subscription.unsubscribe();
  });
});
