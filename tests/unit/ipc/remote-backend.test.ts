import { createTRPCClient, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import type { AppRouter } from '../../../src/main/api/root';
import { remoteBackend } from '../../../src/main/ipc/remote-backend';
import { createTrpcIpcHandler } from '../../../src/main/ipc/trpc-ipc-handler';
import { ipcLink } from '../../../src/renderer/src/ipc-link';
import { FakeIpcMain, FakeWindow } from '../../support/ipc-fakes';

const SERVER = 'https://ops.example.test';
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A stand-in team server speaking tRPC's batch protocol with superjson, as the headless host does. */
function fakeServer() {
  const seen: { path: string; method: string; authorization: string | null }[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const authorization = new Headers(init?.headers).get('authorization');
    const paths = url.pathname.replace('/trpc/', '').split(',');
    const answer = (path: string) => {
      seen.push({ path, method: init?.method ?? 'GET', authorization });
      if (path === 'auth.login') {
        return {
          result: {
            data: superjson.serialize({
              token: 'server-held-token',
              expiresAt: new Date('2026-03-02T21:00:00Z'),
              staff: { id: 1, email: 'admin@ops.test', name: 'Admin', role: 'ADMIN' },
              permissions: ['bookings.read'],
            }),
          },
        };
      }
      if (path === 'auth.me' && authorization === 'Bearer server-held-token') {
        return { result: { data: superjson.serialize({ id: 1, email: 'admin@ops.test', role: 'ADMIN' }) } };
      }
      if (path === 'auth.logout') return { result: { data: superjson.serialize({ ok: true }) } };
      const unauthenticated = path === 'auth.me';
      return {
        error: superjson.serialize({
          message: unauthenticated ? 'Sign in first' : 'Booking 7 is CONFIRMED; only PENDING bookings can be confirmed',
          code: unauthenticated ? -32001 : -32012,
          data: {
            code: unauthenticated ? 'UNAUTHORIZED' : 'PRECONDITION_FAILED',
            httpStatus: unauthenticated ? 401 : 412,
            path,
            domainCode: unauthenticated ? 'UNAUTHENTICATED' : 'ILLEGAL_TRANSITION',
          },
        }),
      };
    };
    return Promise.resolve(json(paths.map(answer)));
  };
  return { seen, fetch };
}

function desktopWith(backend: ReturnType<typeof remoteBackend>) {
  const ipcMain = new FakeIpcMain();
  const handler = createTrpcIpcHandler({ ipcMain, backend, isTrustedUrl: () => true });
  const window = new FakeWindow(ipcMain, 'app://console/index.html');
  const client = (token: () => string | null) =>
    createTRPCClient<AppRouter>({
      links: [ipcLink({ bridge: window.bridge(), transformer: superjson, getToken: token })],
    });
  return { handler, window, client };
}

async function failure(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const error = await promise.then(
    () => new Error('expected a refusal'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof TRPCClientError)) throw error;
  return error as TRPCClientError<AppRouter>;
}

describe('the remote backend (team server over HTTP) behind the IPC handler', () => {
  it('holds the token from auth.login, sends it as a bearer header, ignores the renderer’s, and forgets it at sign-out', async () => {
    const server = fakeServer();
    const { handler, window, client } = desktopWith(remoteBackend({ url: SERVER, fetch: server.fetch }));
    const session = await client(() => null).auth.login.mutate({ email: 'admin@ops.test', password: 'x'.repeat(12) });
    expect(session.token).toBe('');
    expect(session.expiresAt).toEqual(new Date('2026-03-02T21:00:00Z'));
    expect(JSON.stringify(window.received)).not.toContain('server-held-token');
    expect(server.seen.at(-1)).toEqual({ path: 'auth.login', method: 'POST', authorization: null });

    const forging = client(() => 'forged-by-the-page');
    expect(await forging.auth.me.query()).toMatchObject({ email: 'admin@ops.test' });
    expect(server.seen.at(-1)).toEqual({ path: 'auth.me', method: 'GET', authorization: 'Bearer server-held-token' });
    expect(handler.signedInWindowCount()).toBe(1);

    await forging.auth.logout.mutate();
    expect(server.seen.at(-1)?.authorization).toBe('Bearer server-held-token');
    expect(handler.signedInWindowCount()).toBe(0);
    const after = await failure(forging.auth.me.query());
    expect(after.data?.domainCode).toBe('UNAUTHENTICATED');
    expect(server.seen.at(-1)).toEqual({ path: 'auth.me', method: 'GET', authorization: null });
    handler.dispose();
  });

  it('passes the server’s errors on with their own shape', async () => {
    const server = fakeServer();
    const { handler, client } = desktopWith(remoteBackend({ url: SERVER, fetch: server.fetch }));
    const error = await failure(client(() => null).bookings.confirm.mutate({ id: 7 }));
    expect(error.message).toBe('Booking 7 is CONFIRMED; only PENDING bookings can be confirmed');
    expect(error.shape).toMatchObject({ code: -32012 });
    expect(error.data).toEqual({
      code: 'PRECONDITION_FAILED',
      httpStatus: 412,
      path: 'bookings.confirm',
      domainCode: 'ILLEGAL_TRANSITION',
    });
    handler.dispose();
  });

  it('a server that cannot be reached, is too slow, or is not a LinguaFlex host: INTEGRATION_FAILED, in words', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:443'), { code: 'ECONNREFUSED' });
    const unreachable = desktopWith(
      remoteBackend({ url: SERVER, fetch: () => Promise.reject(new TypeError('fetch failed', { cause: refused })) }),
    );
    const down = await failure(unreachable.client(() => null).auth.login.mutate({ email: 'a@b.test', password: 'p' }));
    expect(down.message).toBe(
      `The team server at ${SERVER} did not answer (connect ECONNREFUSED 10.0.0.5:443). Check this computer’s network connection, or ask whoever runs the server whether it is up.`,
    );
    expect(down.data).toEqual({
      code: 'BAD_GATEWAY',
      httpStatus: 502,
      path: 'auth.login',
      domainCode: 'INTEGRATION_FAILED',
    });
    unreachable.handler.dispose();

    const hanging = desktopWith(
      remoteBackend({
        url: SERVER,
        timeoutMs: 50,
        fetch: (_input, init) =>
          new Promise((_resolve, reject) => {
            const signal = init?.signal;
            signal?.addEventListener('abort', () => reject(signal.reason as Error));
          }),
      }),
    );
    const slow = await failure(hanging.client(() => null).auth.me.query());
    expect(slow.message).toContain(`The team server at ${SERVER} did not answer (no answer in time)`);
    expect(slow.data?.domainCode).toBe('INTEGRATION_FAILED');
    hanging.handler.dispose();

    const stranger = desktopWith(
      remoteBackend({
        url: SERVER,
        fetch: () => Promise.resolve(new Response('<html>Welcome to nginx</html>', { status: 200 })),
      }),
    );
    const odd = await failure(stranger.client(() => null).auth.me.query());
    expect(odd.message).toContain(`The team server at ${SERVER} gave an answer this desktop cannot read`);
    expect(odd.data?.domainCode).toBe('INTEGRATION_FAILED');
    stranger.handler.dispose();
  });
});
