import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../src/main/api/root';
import { startHost, type RunningHost } from '../../src/main/host';
import { createTrpcIpcHandler, type TrpcIpcHandler } from '../../src/main/ipc/trpc-ipc-handler';
import { silentLogger } from '../../src/main/log';
import { TeamServerSetting, type SettingsStore } from '../../src/main/shell/connection';
import { startDesktop, type DesktopRuntime } from '../../src/main/shell/desktop';
import { ipcLink } from '../../src/renderer/src/ipc-link';
import { FakeIpcMain, FakeWindow } from '../support/ipc-fakes';

const APP_URL = 'app://console/index.html';
const ADMIN = { email: 'admin@ops.test', password: 'admin password 1' };

function memoryStore(): SettingsStore {
  const values = new Map<string, unknown>();
  return {
    get: (key) => values.get(key),
    set: (key, value) => void values.set(key, value),
    delete: (key) => void values.delete(key),
  };
}

/** A port nothing listens on (it was free a moment ago). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failure(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const error = await promise.then(
    () => new Error('expected a refusal'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof TRPCClientError)) throw error;
  return error as TRPCClientError<AppRouter>;
}

/**
 * The desktop as a client of a team server: a real headless host, and the desktop's main process
 * (startDesktop + the IPC handler, with Electron's IPC faked) driven through the renderer's own
 * ipcLink exactly as the renderer drives it.
 */
describe('the desktop connected to a team server (a real headless host)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-desktop-remote-'));
  let host: RunningHost;
  let runtime: DesktopRuntime;
  let handler: TrpcIpcHandler;
  const ipcMain = new FakeIpcMain();
  const setting = new TeamServerSetting(memoryStore());
  let localOpens = 0;
  let restarts = 0;
  /** Every HTTP request the desktop's main process made to the team server. */
  const requests: { url: string; authorization: string | null; accept: string | null }[] = [];

  beforeAll(async () => {
    host = await startHost({
      config: { dataDir, database: { kind: 'pglite', dataDir: path.join(dataDir, 'db') }, firstAdmin: ADMIN },
      logger: silentLogger,
      demoData: 'skip',
      staticDir: path.join(dataDir, 'no-renderer'),
    });
    setting.save(`${host.url}/`);
    const started = await startDesktop({
      setting,
      logger: silentLogger,
      openLocal: () => {
        localOpens += 1;
        return Promise.reject(new Error('a desktop connected to a team server must not open a database'));
      },
      whenUnreachable: () => Promise.resolve('quit'),
      restart: () => (restarts += 1),
      remote: {
        fetch: (input, init) => {
          const headers = new Headers(init?.headers);
          requests.push({
            url: input instanceof Request ? input.url : String(input),
            authorization: headers.get('authorization'),
            accept: headers.get('accept'),
          });
          return fetch(input, init);
        },
      },
    });
    if (!started) throw new Error('startDesktop gave up');
    runtime = started;
    handler = createTrpcIpcHandler({
      ipcMain,
      backend: runtime.backend,
      isTrustedUrl: (url) => url.startsWith('app://console/'),
    });
  });
  afterAll(async () => {
    handler.dispose();
    await runtime.close();
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The renderer: its session (as session.tsx keeps it) and its tRPC client over the preload bridge. */
  function renderer(window = new FakeWindow(ipcMain, APP_URL)) {
    const state: { session: { token: string } | null } = { session: null };
    const api = createTRPCClient<AppRouter>({
      links: [
        ipcLink({ bridge: window.bridge(), transformer: superjson, getToken: () => state.session?.token ?? null }),
      ],
    });
    return { window, state, api };
  }

  /** A second console, straight to the host over HTTP (as its web console talks to it). */
  async function webConsole(credentials = ADMIN) {
    const anonymous = createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: `${host.url}/trpc`, transformer: superjson })],
    });
    const { token } = await anonymous.auth.login.mutate(credentials);
    return createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: `${host.url}/trpc`,
          transformer: superjson,
          headers: { authorization: `Bearer ${token}` },
        }),
      ],
    });
  }

  const desktop = renderer();
  let heldToken = '';

  it('remote mode opens no container: no database, no sandboxes, no jobs on the desktop', () => {
    expect(runtime.connection).toEqual({ kind: 'remote', url: host.url });
    expect(runtime.container).toBeNull();
    expect(localOpens).toBe(0);
  });

  it('signs in on the team server; the token stays in the main process', async () => {
    const session = await desktop.api.auth.login.mutate(ADMIN);
    desktop.state.session = session;
    expect(session.token).toBe('');
    expect(session.staff).toMatchObject({ email: ADMIN.email, role: 'ADMIN' });
    expect(session.expiresAt).toBeInstanceOf(Date);
    expect(await desktop.api.auth.me.query()).toMatchObject({ email: ADMIN.email, role: 'ADMIN' });

    const login = requests.find((request) => request.url.includes('/trpc/auth.login'));
    expect(login?.authorization).toBeNull();
    const me = requests.findLast((request) => request.url.includes('/trpc/auth.me'));
    heldToken = /^Bearer (\S+)$/.exec(me?.authorization ?? '')?.[1] ?? '';
    expect(heldToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(JSON.stringify(desktop.window.received)).not.toContain(heldToken);
    expect(await host.container.services.auth.actorFor(heldToken)).toMatchObject({ role: 'ADMIN' });
  });

  it('queries and mutations go to the team server; Dates survive both hops', async () => {
    const { api } = desktop;
    const teacher = await api.people.create.mutate({
      kind: 'teacher',
      email: 'remote-teacher@b.test',
      name: 'Tere',
      timezone: 'Europe/Madrid',
    });
    const student = await api.people.create.mutate({ kind: 'student', email: 'remote-student@b.test', name: 'Sam' });
    const gig = await api.gigs.create.mutate({
      teacherId: teacher.id,
      title: 'Spanish',
      language: 'Spanish',
      hourlyRateMinor: 5000,
      currency: 'USD',
    });
    const startsAt = new Date(Date.now() + 72 * 3600_000);
    const booking = await api.bookings.create.mutate({ studentId: student.id, gigId: gig.id, startsAt, minutes: 90 });
    expect(booking).toMatchObject({ status: 'PENDING', totalMinor: 7875 });
    expect(booking.startsAt).toBeInstanceOf(Date);
    expect(booking.startsAt.getTime()).toBe(startsAt.getTime());
    expect((await api.bookings.confirm.mutate({ id: booking.id })).status).toBe('CONFIRMED');
    const page = await api.bookings.list.query({ status: 'CONFIRMED' });
    expect(page.items.map((item) => item.id)).toContain(booking.id);
    // It is on the host, not on the desktop.
    expect((await host.container.services.bookings.get.run(await hostAdmin(), { id: booking.id })).booking.status).toBe(
      'CONFIRMED',
    );

    // A refused action arrives with the server's own shape: the same as a web console sees.
    const refused = await failure(api.bookings.confirm.mutate({ id: booking.id }));
    expect(refused.message).toBe(`Booking ${booking.id} is CONFIRMED; only PENDING bookings can be confirmed`);
    expect(refused.data).toMatchObject({ code: 'PRECONDITION_FAILED', domainCode: 'ILLEGAL_TRANSITION' });
    const web = await failure((await webConsole()).bookings.confirm.mutate({ id: booking.id }));
    expect({ message: refused.message, data: refused.data }).toEqual({ message: web.message, data: web.data });
    const invalid = await failure(api.bookings.create.mutate({ studentId: -1, gigId: gig.id, startsAt, minutes: 60 }));
    expect(invalid.data?.domainCode).toBe('VALIDATION');
    expect(invalid.message).toMatch(/studentId/);
  });

  async function hostAdmin() {
    const actor = await host.container.services.auth.actorFor(heldToken);
    if (!actor) throw new Error('no admin session');
    return actor;
  }

  it('a subscription (server-sent events, token in the Authorization header) delivers another console’s change', async () => {
    const received: { id: string; data: { type: string; bookingId?: number; status?: string } }[] = [];
    let started = false;
    const listenersBefore = host.container.events.listenerCount;
    const subscription = desktop.api.bookings.onChange.subscribe(undefined, {
      onStarted: () => (started = true),
      onData: (event) => received.push(event),
    });
    await expect.poll(() => started).toBe(true);
    expect(handler.activeSubscriptionCount()).toBe(1);
    const stream = requests.find((request) => request.accept === 'text/event-stream');
    expect(stream?.authorization).toBe(`Bearer ${heldToken}`);
    expect(stream?.url).not.toContain('connectionParams');
    expect(stream?.url).not.toContain(heldToken);

    const other = await webConsole();
    const teacher = await other.people.create.mutate({ kind: 'teacher', email: 'live-teacher@b.test', name: 'L' });
    const student = await other.people.create.mutate({ kind: 'student', email: 'live-student@b.test', name: 'M' });
    const gig = await other.gigs.create.mutate({
      teacherId: teacher.id,
      title: 'French',
      language: 'French',
      hourlyRateMinor: 4000,
      currency: 'USD',
    });
    const booking = await other.bookings.create.mutate({
      studentId: student.id,
      gigId: gig.id,
      startsAt: new Date(Date.now() + 96 * 3600_000),
      minutes: 60,
    });
    await other.bookings.confirm.mutate({ id: booking.id });
    await expect
      .poll(() => received.some((event) => event.data.bookingId === booking.id && event.data.status === 'CONFIRMED'))
      .toBe(true);
    expect(received.at(-1)?.id).toMatch(/^\d+$/);

    subscription.unsubscribe();
    await expect.poll(() => handler.activeSubscriptionCount()).toBe(0);
    await expect.poll(() => host.container.events.listenerCount).toBe(listenersBefore);
  });

  it('the desktop procedures are answered by the main process, never forwarded to the server', async () => {
    const { api } = desktop;
    expect(await api.desktop.connection.query()).toEqual({
      current: { kind: 'remote', url: host.url },
      next: { kind: 'remote', url: host.url },
      restartNeeded: false,
    });
    // The host itself refuses them: it is no desktop.
    const onHost = await failure((await webConsole()).desktop.connection.query());
    expect(onHost.data?.domainCode).toBe('GUARD_FAILED');
    expect(onHost.message).toContain('only possible in the LinguaFlex Ops desktop app');

    const insecure = await failure(api.desktop.connect.mutate({ url: 'http://ops.example.com' }));
    expect(insecure.data?.domainCode).toBe('VALIDATION');
    expect(insecure.message).toContain('https://');
    const nobody = `http://127.0.0.1:${await deadPort()}`;
    const silent = await failure(api.desktop.connect.mutate({ url: nobody }));
    expect(silent.data?.domainCode).toBe('INTEGRATION_FAILED');
    expect(silent.message).toContain(`The team server at ${nobody} did not answer`);
    expect(setting.read()).toEqual({ kind: 'remote', url: host.url });

    const disconnected = await api.desktop.disconnect.mutate();
    expect(disconnected).toMatchObject({ next: { kind: 'local' }, restartNeeded: true });
    expect(setting.read()).toEqual({ kind: 'local' });
    const reconnected = await api.desktop.connect.mutate({ url: ` ${host.url}/ ` });
    expect(reconnected).toMatchObject({ next: { kind: 'remote', url: host.url }, restartNeeded: false });
    expect(await api.desktop.restart.mutate()).toEqual({ restarting: true });
    expect(restarts).toBe(1);
    expect(requests.filter((request) => request.url.includes('/trpc/desktop.'))).toEqual([]);

    // Who may: asked of the team server. A support user signed in on another window may not.
    await (
      await webConsole()
    ).staff.create.mutate({ email: 'sue@ops.test', name: 'Sue', role: 'SUPPORT', password: 'support password' });
    const support = renderer();
    support.state.session = await support.api.auth.login.mutate({
      email: 'sue@ops.test',
      password: 'support password',
    });
    const forbidden = await failure(support.api.desktop.connect.mutate({ url: host.url }));
    expect(forbidden.data?.domainCode).toBe('FORBIDDEN');
    const signedOut = await failure(renderer().api.desktop.connection.query());
    expect(signedOut.data?.domainCode).toBe('UNAUTHENTICATED');
  });

  it('signing out ends the session on the server and forgets the token', async () => {
    expect(await desktop.api.auth.logout.mutate()).toEqual({ ok: true });
    desktop.state.session = null;
    const after = await failure(desktop.api.auth.me.query());
    expect(after.data?.domainCode).toBe('UNAUTHENTICATED');
    await expect(host.container.services.auth.actorFor(heldToken)).rejects.toThrow(/signed out/);
  });

  it('a server that does not answer: a clear INTEGRATION_FAILED error, and a choice at start', async () => {
    const url = `http://127.0.0.1:${await deadPort()}`;
    const unreachable = new TeamServerSetting(memoryStore());
    unreachable.save(url);
    const asked: string[] = [];
    const giveUp = await startDesktop({
      setting: unreachable,
      logger: silentLogger,
      openLocal: () => Promise.reject(new Error('not this one')),
      whenUnreachable: (_url, problem) => {
        asked.push(problem);
        return Promise.resolve('quit');
      },
      restart: () => undefined,
    });
    expect(giveUp).toBeNull();
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain(`The team server at ${url} did not answer`);

    // Started anyway (the server went away later): calls fail with a readable message.
    const later = await startDesktop({
      setting: unreachable,
      logger: silentLogger,
      checkServer: () => Promise.resolve(),
      openLocal: () => Promise.reject(new Error('not this one')),
      whenUnreachable: () => Promise.resolve('quit'),
      restart: () => undefined,
    });
    if (!later) throw new Error('expected a runtime');
    const otherIpc = new FakeIpcMain();
    const otherHandler = createTrpcIpcHandler({ ipcMain: otherIpc, backend: later.backend, isTrustedUrl: () => true });
    const window = new FakeWindow(otherIpc, APP_URL);
    const api = createTRPCClient<AppRouter>({
      links: [ipcLink({ bridge: window.bridge(), transformer: superjson, getToken: () => null })],
    });
    const error = await failure(api.auth.login.mutate(ADMIN));
    expect(error.message).toMatch(new RegExp(`^The team server at ${url.replace(/\./g, '\\.')} did not answer \\(`));
    expect(error.data).toMatchObject({ code: 'BAD_GATEWAY', domainCode: 'INTEGRATION_FAILED' });
    otherHandler.dispose();
  });
});
