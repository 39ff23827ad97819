import { createTRPCClient, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter, type AppRouter } from '../../../src/main/api/root';
import { apiContext } from '../../../src/main/api/context';
import type { ApiContext } from '../../../src/main/api/trpc';
import type { Container } from '../../../src/main/container';
import { createContainer } from '../../../src/main/container';
import { fixedClock } from '../../../src/main/domain/clock';
import {
  createTrpcIpcHandler,
  localBackend,
  type BackendOperation,
  type IpcBackend,
} from '../../../src/main/ipc/trpc-ipc-handler';
import { silentLogger } from '../../../src/main/log';
import { ipcLink } from '../../../src/renderer/src/ipc-link';
import { buildScenario } from '../../factories/scenario';
import { signedInCaller, STAFF_PASSWORD } from '../../support/callers';
import { FakeIpcMain, FakeWindow } from '../../support/ipc-fakes';

const APP_URL = 'app://console/index.html';

describe('tRPC over IPC (fakes of ipcMain and ipcRenderer that copy with structuredClone)', () => {
  const clock = fixedClock(new Date('2026-03-02T09:00:00Z'));
  let container: Container;
  const ipcMain = new FakeIpcMain();
  let handler: ReturnType<typeof createTrpcIpcHandler<AppRouter>>;
  const rejected: string[] = [];
  // What the backend was asked, with which token, and which tokens the handler let go of.
  const operations: Pick<BackendOperation, 'path' | 'token'>[] = [];
  const released: string[] = [];

  beforeAll(async () => {
    container = await createContainer({
      config: { dataDir: '/nonexistent', database: { kind: 'pglite-memory' }, firstAdmin: null },
      clock,
    });
    await container.services.staff.ensureFirstAdmin({ email: 'admin@ops.test', password: 'admin password 1' });
    const local = localBackend(appRouter, (token): ApiContext => apiContext(container, silentLogger, token));
    const spy: IpcBackend = {
      call: (op) => {
        operations.push({ path: op.path, token: op.token });
        return local.call(op);
      },
      subscribe: (op, sink) => {
        operations.push({ path: op.path, token: op.token });
        return local.subscribe(op, sink);
      },
      errorShape: (cause, op) => local.errorShape(cause, op),
      release: (token) => released.push(token),
    };
    handler = createTrpcIpcHandler({
      ipcMain,
      backend: spy,
      isTrustedUrl: (url) => url.startsWith('app://console/'),
      onRejected: (reason) => rejected.push(reason),
    });
  });
  afterAll(async () => {
    handler.dispose();
    await container.close();
  });

  function clientFor(window: FakeWindow, token: () => string | null, frame?: { url: string }) {
    return createTRPCClient<AppRouter>({
      links: [ipcLink({ bridge: window.bridge(frame), transformer: superjson, getToken: token })],
    });
  }

  async function signIn(window: FakeWindow) {
    const anonymous = clientFor(window, () => null);
    const session = await anonymous.auth.login.mutate({ email: 'admin@ops.test', password: 'admin password 1' });
    return clientFor(window, () => session.token);
  }

  it('queries and mutations round-trip with Dates intact; errors carry the domain code and a readable message', async () => {
    const window = new FakeWindow(ipcMain, APP_URL);
    const client = await signIn(window);
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 5000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es', minutes: 90 } },
    });
    const detail = await client.bookings.get.query({ id: s.bookings.a.id });
    expect(detail.startsAt).toBeInstanceOf(Date);
    expect(detail).toMatchObject({
      status: 'PENDING',
      totalMinor: 7875,
      availableActions: ['confirm', 'decline', 'cancel'],
    });
    const confirmed = await client.bookings.confirm.mutate({ id: s.bookings.a.id });
    expect(confirmed.status).toBe('CONFIRMED');
    const error = await client.bookings.confirm.mutate({ id: s.bookings.a.id }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TRPCClientError);
    const clientError = error as TRPCClientError<AppRouter>;
    expect(clientError.message).toBe(`Booking ${s.bookings.a.id} is CONFIRMED; only PENDING bookings can be confirmed`);
    expect(clientError.data?.domainCode).toBe('ILLEGAL_TRANSITION');
    expect(clientError.data?.code).toBe('PRECONDITION_FAILED');
    const invalid = (await client.bookings.decline
      .mutate({ id: s.bookings.a.id, reason: '' })
      .catch((caught: unknown) => caught)) as TRPCClientError<AppRouter>;
    expect(invalid.data?.domainCode).toBe('VALIDATION');
    expect(invalid.message).toContain('reason');
  });

  it('refuses calls without a session, and a held session that was revoked', async () => {
    const window = new FakeWindow(ipcMain, APP_URL);
    const anonymous = clientFor(window, () => null);
    const noSession = (await anonymous.bookings.list
      .query({})
      .catch((caught: unknown) => caught)) as TRPCClientError<AppRouter>;
    expect(noSession.data?.domainCode).toBe('UNAUTHENTICATED');
    const client = await signIn(window);
    const me = await client.auth.me.query();
    await container.services.auth.revokeAllOf(me.id, 'account locked by a test');
    const revoked = (await client.bookings.list
      .query({})
      .catch((caught: unknown) => caught)) as TRPCClientError<AppRouter>;
    expect(revoked.data?.domainCode).toBe('UNAUTHENTICATED');
    expect(revoked.message).toContain('sign in again');
  });

  /** The token the backend was last called with for `path` (the renderer never sees it). */
  const lastTokenFor = (path: string) => operations.filter((op) => op.path === path).at(-1)?.token;

  it('sign-in: the renderer gets an empty token, the main process keeps the real one for later calls', async () => {
    const window = new FakeWindow(ipcMain, APP_URL);
    const anonymous = clientFor(window, () => null);
    const session = await anonymous.auth.login.mutate({ email: 'admin@ops.test', password: 'admin password 1' });
    expect(session.token).toBe('');
    expect(session.staff.email).toBe('admin@ops.test');
    expect(session.expiresAt).toBeInstanceOf(Date);
    // The renderer keeps working with the empty token, as session.tsx does.
    const client = clientFor(window, () => session.token);
    expect(await client.auth.me.query()).toMatchObject({ email: 'admin@ops.test', role: 'ADMIN' });
    const kept = lastTokenFor('auth.me');
    expect(kept).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(JSON.stringify(window.received)).not.toContain(kept);
    expect(await container.services.auth.actorFor(kept)).toMatchObject({ kind: 'STAFF', role: 'ADMIN' });
  });

  it('a token the renderer sends is ignored: neither a signed-out window nor a signed-in one can use it', async () => {
    const support = await signedInCaller(container, 'SUPPORT');
    const stolen = (await container.services.auth.login({ email: support.staff.email, password: STAFF_PASSWORD }))
      .token;
    expect(await container.services.auth.actorFor(stolen)).toMatchObject({ role: 'SUPPORT' });

    const signedOut = new FakeWindow(ipcMain, APP_URL);
    const forged = (await clientFor(signedOut, () => stolen)
      .auth.me.query()
      .catch((caught: unknown) => caught)) as TRPCClientError<AppRouter>;
    expect(forged.data?.domainCode).toBe('UNAUTHENTICATED');
    expect(lastTokenFor('auth.me')).toBeNull();

    const admin = new FakeWindow(ipcMain, APP_URL);
    await signIn(admin);
    const asAdmin = clientFor(admin, () => stolen);
    expect(await asAdmin.auth.me.query()).toMatchObject({ role: 'ADMIN' });
    expect(lastTokenFor('auth.me')).not.toBe(stolen);
  });

  it('sign-out forgets the token (and ends the session); later calls from the window are signed out', async () => {
    const window = new FakeWindow(ipcMain, APP_URL);
    const client = await signIn(window);
    await client.auth.me.query();
    const kept = lastTokenFor('auth.me');
    const signedIn = handler.signedInWindowCount();
    expect(await client.auth.logout.mutate()).toEqual({ ok: true });
    expect(lastTokenFor('auth.logout')).toBe(kept);
    expect(handler.signedInWindowCount()).toBe(signedIn - 1);
    expect(released).toContain(kept);
    await expect(container.services.auth.actorFor(kept)).rejects.toThrow(/signed out/);
    const after = (await client.auth.me.query().catch((caught: unknown) => caught)) as TRPCClientError<AppRouter>;
    expect(after.data?.domainCode).toBe('UNAUTHENTICATED');
    expect(lastTokenFor('auth.me')).toBeNull();
  });

  it('a closed window or a reloaded page forgets its token and its subscriptions', async () => {
    const closing = new FakeWindow(ipcMain, APP_URL);
    const client = await signIn(closing);
    await client.auth.me.query();
    const kept = lastTokenFor('auth.me');
    let started = false;
    const subscription = client.bookings.onChange.subscribe(undefined, {
      onStarted: () => (started = true),
      onData: () => undefined,
    });
    await expect.poll(() => started).toBe(true);
    const signedIn = handler.signedInWindowCount();
    const subscriptions = handler.activeSubscriptionCount();
    closing.destroy();
    expect(handler.signedInWindowCount()).toBe(signedIn - 1);
    expect(released).toContain(kept);
    await expect.poll(() => handler.activeSubscriptionCount()).toBe(subscriptions - 1);
    subscription.unsubscribe();

    const reloading = new FakeWindow(ipcMain, APP_URL);
    const before = await signIn(reloading);
    await before.auth.me.query();
    handler.forgetWindow(reloading.id);
    const after = (await clientFor(reloading, () => '')
      .auth.me.query()
      .catch((caught: unknown) => caught)) as TRPCClientError<AppRouter>;
    expect(after.data?.domainCode).toBe('UNAUTHENTICATED');
  });

  it('a reloaded page stays signed in: the main process keeps the token, the page still never sees it', async () => {
    const window = new FakeWindow(ipcMain, APP_URL);
    const anonymous = clientFor(window, () => null);
    const session = await anonymous.auth.login.mutate({ email: 'admin@ops.test', password: 'admin password 1' });
    expect(session.token).toBe('');
    const signedIn = handler.signedInWindowCount();
    handler.pageReplaced(window.id);
    expect(handler.signedInWindowCount()).toBe(signedIn);
    // The new page has no token of its own, and is still the signed-in staff member.
    const me = await clientFor(window, () => null).auth.me.query();
    expect(me.email).toBe('admin@ops.test');
  });

  it('the desktop procedures answer “only in the desktop app” where the context has no desktop capability', async () => {
    const window = new FakeWindow(ipcMain, APP_URL);
    const client = await signIn(window);
    const refused = (await client.desktop.connection
      .query()
      .catch((caught: unknown) => caught)) as TRPCClientError<AppRouter>;
    expect(refused.data?.domainCode).toBe('GUARD_FAILED');
    expect(refused.message).toContain('only possible in the LinguaFlex Ops desktop app');
  });

  it('a subscription delivers committed changes, and closing the window tears it down', async () => {
    const window = new FakeWindow(ipcMain, APP_URL);
    const client = await signIn(window);
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 5000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es' } },
    });
    const received: { id: string; data: { bookingId: number; status: string } }[] = [];
    let started = false;
    // What listens to the bus when no stream is open (the stream adds its own: events, and its session's end).
    const listenersIdle = container.events.listenerCount;
    const subscription = client.bookings.onChange.subscribe(undefined, {
      onStarted: () => (started = true),
      onData: (event) => received.push(event as never),
    });
    await expect.poll(() => started).toBe(true);
    expect(handler.activeSubscriptionCount()).toBe(1);
    await container.services.bookings.confirm(s.admin, { id: s.bookings.a.id });
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]?.data).toMatchObject({
      type: 'booking.changed',
      bookingId: s.bookings.a.id,
      status: 'CONFIRMED',
    });
    expect(received[0]?.id).toMatch(/^\d+$/);
    expect(container.events.listenerCount).toBeGreaterThan(listenersIdle);
    window.destroy();
    await expect.poll(() => handler.activeSubscriptionCount()).toBe(0);
    await expect.poll(() => container.events.listenerCount).toBe(listenersIdle);
    subscription.unsubscribe();
  });

  it('unsubscribing stops the server-side subscription', async () => {
    const window = new FakeWindow(ipcMain, APP_URL);
    const client = await signIn(window);
    let started = false;
    const subscription = client.bookings.onChange.subscribe(undefined, {
      onStarted: () => (started = true),
      onData: () => undefined,
    });
    await expect.poll(() => started).toBe(true);
    const count = handler.activeSubscriptionCount();
    subscription.unsubscribe();
    await expect.poll(() => handler.activeSubscriptionCount()).toBe(count - 1);
  });

  it('drops messages from frames other than the app’s own page: no answer, nothing run', async () => {
    const window = new FakeWindow(ipcMain, APP_URL);
    const before = rejected.length;
    const fromIframe = clientFor(window, () => null, { url: APP_URL }); // same URL, but not the main frame object
    const fromElsewhere = new FakeWindow(ipcMain, 'https://evil.example/');
    const outsider = clientFor(fromElsewhere, () => null);
    const outcome = await Promise.race([
      Promise.allSettled([
        fromIframe.auth.login.mutate({ email: 'admin@ops.test', password: 'admin password 1' }),
        outsider.auth.login.mutate({ email: 'admin@ops.test', password: 'admin password 1' }),
      ]),
      new Promise((resolve) => setTimeout(() => resolve('no answer'), 300)),
    ]);
    expect(outcome).toBe('no answer');
    expect(rejected.length).toBe(before + 2);
    expect(rejected.at(-1)).toContain('untrusted frame');
    expect(window.received).toHaveLength(0);
    expect(fromElsewhere.received).toHaveLength(0);
  });

  it('malformed messages are dropped', () => {
    const window = new FakeWindow(ipcMain, APP_URL);
    const before = rejected.length;
    ipcMain.emit('linguaflex:trpc', { sender: window, senderFrame: window.mainFrame }, { kind: 'request', id: 'x' });
    expect(rejected.length).toBe(before + 1);
  });
});
