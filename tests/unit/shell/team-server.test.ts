import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTRPCClient, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../../../src/main/api/root';
import { createContainer, type Container } from '../../../src/main/container';
import { fixedClock } from '../../../src/main/domain/clock';
import { DomainError } from '../../../src/main/domain/errors';
import type { BackendOperation } from '../../../src/main/ipc/backend';
import { createTrpcIpcHandler } from '../../../src/main/ipc/trpc-ipc-handler';
import { silentLogger } from '../../../src/main/log';
import {
  checkTeamServer,
  parseTeamServerUrl,
  TeamServerSetting,
  type SettingsStore,
} from '../../../src/main/shell/connection';
import { chooseConnection, startDesktop, type LocalRuntime } from '../../../src/main/shell/desktop';
import { ipcLink } from '../../../src/renderer/src/ipc-link';
import { FakeIpcMain, FakeWindow } from '../../support/ipc-fakes';

function memoryStore(initial: Record<string, unknown> = {}): SettingsStore & { values: Map<string, unknown> } {
  const values = new Map<string, unknown>(Object.entries(initial));
  return {
    values,
    get: (key) => values.get(key),
    set: (key, value) => void values.set(key, value),
    delete: (key) => void values.delete(key),
  };
}

function refusal(call: () => unknown): DomainError {
  try {
    call();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('team server address', () => {
  it('accepts https:// addresses (and http:// on this computer), normalized', () => {
    expect(parseTeamServerUrl(' https://Ops.Example.com/ ')).toBe('https://ops.example.com');
    expect(parseTeamServerUrl('https://ops.example.com:8443/linguaflex//')).toBe(
      'https://ops.example.com:8443/linguaflex',
    );
    expect(parseTeamServerUrl('http://127.0.0.1:4000')).toBe('http://127.0.0.1:4000');
    expect(parseTeamServerUrl('http://localhost:4000/')).toBe('http://localhost:4000');
    expect(parseTeamServerUrl('http://[::1]:4000')).toBe('http://[::1]:4000');
  });

  it('refuses anything else with a VALIDATION error that says what to change', () => {
    const cases: [string, RegExp][] = [
      ['http://ops.example.com', /https:\/\/.*localhost/],
      ['http://127.0.0.2.example.com', /https:\/\//],
      ['ops.example.com', /starting with https:\/\//],
      ['', /starting with https:\/\//],
      ['ftp://ops.example.com', /must start with https:\/\//],
      ['https://user:secret@ops.example.com', /user name or password/],
      ['https://ops.example.com/?token=x', /“\?” or “#”/],
      ['https://', /not a web address/],
    ];
    for (const [input, message] of cases) {
      const error = refusal(() => parseTeamServerUrl(input));
      expect(error.code, input).toBe('VALIDATION');
      expect(error.message, input).toMatch(message);
    }
  });

  it('is stored in the settings file; a missing or corrupt setting means the embedded database', () => {
    const store = memoryStore();
    const setting = new TeamServerSetting(store);
    expect(setting.read()).toEqual({ kind: 'local' });
    setting.save('https://ops.example.com/');
    expect(store.values.get('teamServer')).toEqual({ url: 'https://ops.example.com' });
    expect(setting.read()).toEqual({ kind: 'remote', url: 'https://ops.example.com' });
    expect(() => setting.save('http://ops.example.com')).toThrow(DomainError);
    expect(setting.read()).toEqual({ kind: 'remote', url: 'https://ops.example.com' });
    setting.clear();
    expect(store.values.has('teamServer')).toBe(false);
    for (const corrupt of ['https://ops.example.com', { url: 42 }, { url: 'http://evil.example' }, null]) {
      expect(new TeamServerSetting(memoryStore({ teamServer: corrupt })).read()).toEqual({ kind: 'local' });
    }
  });

  it('is checked with GET /healthz before it is saved', async () => {
    const asked: string[] = [];
    await checkTeamServer('https://ops.example.com', {
      fetch: (input) => {
        asked.push(input instanceof Request ? input.url : input.toString());
        return Promise.resolve(json({ ok: true }));
      },
    });
    expect(asked).toEqual(['https://ops.example.com/healthz']);
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:443'), { code: 'ECONNREFUSED' });
    await expect(
      checkTeamServer('https://ops.example.com', {
        fetch: () => Promise.reject(new TypeError('fetch failed', { cause: refused })),
      }),
    ).rejects.toMatchObject({
      code: 'INTEGRATION_FAILED',
      message: expect.stringContaining(
        'The team server at https://ops.example.com did not answer (connect ECONNREFUSED 10.0.0.5:443)',
      ) as string,
    });
    for (const answer of [json({ detail: 'Nothing at GET /healthz' }, 404), new Response('<html>hello</html>')]) {
      await expect(
        checkTeamServer('https://ops.example.com', { fetch: () => Promise.resolve(answer) }),
      ).rejects.toMatchObject({
        code: 'INTEGRATION_FAILED',
        message: expect.stringContaining('not as a LinguaFlex Ops team server would') as string,
      });
    }
  });
});

describe('mode selection at start', () => {
  const remoteStore = () => memoryStore({ teamServer: { url: 'https://ops.example.com' } });
  const neverOpen = () => Promise.reject(new Error('a remote desktop must not open a container'));

  it('no team server stored: the embedded database, opened once', async () => {
    let opens = 0;
    const runtime = await startDesktop({
      setting: new TeamServerSetting(memoryStore()),
      logger: silentLogger,
      openLocal: () => {
        opens += 1;
        return Promise.resolve({ container: {} as Container, close: () => Promise.resolve() } satisfies LocalRuntime);
      },
      whenUnreachable: () => Promise.reject(new Error('not asked')),
      checkServer: () => Promise.reject(new Error('not checked')),
      restart: () => undefined,
    });
    expect(runtime?.connection).toEqual({ kind: 'local' });
    expect(runtime?.container).not.toBeNull();
    expect(opens).toBe(1);
  });

  it('a team server that answers: remote, and no container is opened (no database, no sandboxes)', async () => {
    let opens = 0;
    const checked: string[] = [];
    const runtime = await startDesktop({
      setting: new TeamServerSetting(remoteStore()),
      logger: silentLogger,
      openLocal: () => {
        opens += 1;
        return neverOpen();
      },
      checkServer: (url) => {
        checked.push(url);
        return Promise.resolve();
      },
      whenUnreachable: () => Promise.reject(new Error('not asked')),
      restart: () => undefined,
    });
    expect(runtime?.connection).toEqual({ kind: 'remote', url: 'https://ops.example.com' });
    expect(runtime?.container).toBeNull();
    expect(checked).toEqual(['https://ops.example.com']);
    expect(opens).toBe(0);
  });

  it('a team server that does not answer: try again, disconnect (embedded database) or quit', async () => {
    const problem = new DomainError('INTEGRATION_FAILED', 'The team server at https://ops.example.com did not answer');
    let attempts = 0;
    const flaky = () => (++attempts < 3 ? Promise.reject(problem) : Promise.resolve());
    const asked: string[] = [];
    const retried = await chooseConnection({
      setting: new TeamServerSetting(remoteStore()),
      checkServer: flaky,
      whenUnreachable: (url, message) => {
        asked.push(`${url}: ${message}`);
        return Promise.resolve('retry');
      },
    });
    expect(retried).toEqual({ kind: 'remote', url: 'https://ops.example.com' });
    expect(asked).toEqual([
      `https://ops.example.com: ${problem.message}`,
      `https://ops.example.com: ${problem.message}`,
    ]);

    const store = remoteStore();
    const down = () => Promise.reject(problem);
    expect(
      await chooseConnection({
        setting: new TeamServerSetting(store),
        checkServer: down,
        whenUnreachable: () => Promise.resolve('disconnect'),
      }),
    ).toEqual({ kind: 'local' });
    expect(store.values.has('teamServer')).toBe(false);

    let opens = 0;
    expect(
      await startDesktop({
        setting: new TeamServerSetting(remoteStore()),
        logger: silentLogger,
        checkServer: down,
        whenUnreachable: () => Promise.resolve('quit'),
        openLocal: () => {
          opens += 1;
          return neverOpen();
        },
        restart: () => undefined,
      }),
    ).toBeNull();
    expect(opens).toBe(0);
  });

  it('remote: desktop procedures are answered here (who may: asked of the server), the rest forwarded', async () => {
    const forwarded: { path: string; authorization: string | null }[] = [];
    const runtime = await startDesktop({
      setting: new TeamServerSetting(remoteStore()),
      logger: silentLogger,
      checkServer: () => Promise.resolve(),
      openLocal: neverOpen,
      whenUnreachable: () => Promise.resolve('quit'),
      restart: () => undefined,
      remote: {
        // A stand-in team server: auth.me answers for one token, everything else is a NOT_FOUND.
        fetch: (input, init) => {
          const url = new URL(input instanceof Request ? input.url : String(input));
          const authorization = new Headers(init?.headers).get('authorization');
          const paths = url.pathname.replace('/trpc/', '').split(',');
          for (const path of paths) forwarded.push({ path, authorization });
          return Promise.resolve(
            json(
              paths.map((path) =>
                path === 'auth.me' && authorization === 'Bearer finance-token'
                  ? { result: { data: superjson.serialize({ role: 'FINANCE', permissions: ['settings.read'] }) } }
                  : {
                      error: superjson.serialize({
                        message: path === 'auth.me' ? 'Sign in first' : `No procedure ${path}`,
                        code: path === 'auth.me' ? -32001 : -32004,
                        data: {
                          code: path === 'auth.me' ? 'UNAUTHORIZED' : 'NOT_FOUND',
                          httpStatus: path === 'auth.me' ? 401 : 404,
                          path,
                          domainCode: path === 'auth.me' ? 'UNAUTHENTICATED' : 'NOT_FOUND',
                        },
                      }),
                    },
              ),
            ),
          );
        },
      },
    });
    if (!runtime) throw new Error('expected a runtime');
    const op = (path: string, token: string | null, input?: unknown): BackendOperation => ({
      type: path === 'desktop.connection' ? 'query' : 'mutation',
      path,
      input,
      token,
      signal: new AbortController().signal,
    });
    expect(await runtime.backend.call(op('desktop.connection', 'finance-token'))).toEqual({
      current: { kind: 'remote', url: 'https://ops.example.com' },
      next: { kind: 'remote', url: 'https://ops.example.com' },
      restartNeeded: false,
    });
    const forbidden = op('desktop.disconnect', 'finance-token');
    const refused = await runtime.backend.call(forbidden).catch((error: unknown) => error);
    expect(runtime.backend.errorShape(refused, forbidden)).toMatchObject({
      message: 'A FINANCE user may not change settings',
      data: { code: 'FORBIDDEN', domainCode: 'FORBIDDEN' },
    });
    const anonymous = op('desktop.connection', null);
    const signedOut = await runtime.backend.call(anonymous).catch((error: unknown) => error);
    expect(runtime.backend.errorShape(signedOut, anonymous)).toMatchObject({
      message: 'Sign in first',
      data: { domainCode: 'UNAUTHENTICATED' },
    });
    const other = op('bookings.counts', 'finance-token');
    const notHere = await runtime.backend.call({ ...other, type: 'query' }).catch((error: unknown) => error);
    expect(runtime.backend.errorShape(notHere, other)).toMatchObject({ data: { domainCode: 'NOT_FOUND' } });
    expect(forwarded.map((request) => request.path)).toEqual(['auth.me', 'auth.me', 'auth.me', 'bookings.counts']);
    expect(forwarded.every((request) => !request.path.startsWith('desktop.'))).toBe(true);
  });
});

describe('local mode: the desktop procedures through IPC, with the embedded container', () => {
  let container: Container;
  const store = memoryStore();
  let restarts = 0;
  const ipcMain = new FakeIpcMain();
  let handler: ReturnType<typeof createTrpcIpcHandler>;

  beforeAll(async () => {
    container = await createContainer({
      config: { dataDir: '/nonexistent', database: { kind: 'pglite-memory' }, firstAdmin: null },
      clock: fixedClock(new Date('2026-03-02T09:00:00Z')),
    });
    await container.services.staff.ensureFirstAdmin({ email: 'admin@ops.test', password: 'admin password 1' });
    const runtime = await startDesktop({
      setting: new TeamServerSetting(store),
      logger: silentLogger,
      openLocal: () => Promise.resolve({ container, close: () => Promise.resolve() }),
      checkServer: (url) =>
        url === 'https://ops.example.com'
          ? Promise.resolve()
          : Promise.reject(new DomainError('INTEGRATION_FAILED', `The team server at ${url} did not answer (test)`)),
      whenUnreachable: () => Promise.resolve('quit'),
      restart: () => (restarts += 1),
    });
    if (!runtime) throw new Error('expected a runtime');
    handler = createTrpcIpcHandler({ ipcMain, backend: runtime.backend, isTrustedUrl: () => true });
  });
  afterAll(async () => {
    handler.dispose();
    await container.close();
  });

  it('reads, connects (checked), disconnects and restarts; the renderer never holds a token', async () => {
    const window = new FakeWindow(ipcMain, 'app://console/index.html');
    const state = { token: null as string | null };
    const api = createTRPCClient<AppRouter>({
      links: [ipcLink({ bridge: window.bridge(), transformer: superjson, getToken: () => state.token })],
    });
    const signedOut = (await api.desktop.connection
      .query()
      .catch((error: unknown) => error)) as TRPCClientError<AppRouter>;
    expect(signedOut.data?.domainCode).toBe('UNAUTHENTICATED');
    state.token = (await api.auth.login.mutate({ email: 'admin@ops.test', password: 'admin password 1' })).token;
    expect(state.token).toBe('');
    expect(await api.desktop.connection.query()).toEqual({
      current: { kind: 'local' },
      next: { kind: 'local' },
      restartNeeded: false,
    });
    const down = (await api.desktop.connect
      .mutate({ url: 'https://down.example.com' })
      .catch((error: unknown) => error)) as TRPCClientError<AppRouter>;
    expect(down.data?.domainCode).toBe('INTEGRATION_FAILED');
    expect(down.message).toContain('did not answer');
    expect(store.values.has('teamServer')).toBe(false);
    expect(await api.desktop.connect.mutate({ url: 'https://ops.example.com/' })).toEqual({
      current: { kind: 'local' },
      next: { kind: 'remote', url: 'https://ops.example.com' },
      restartNeeded: true,
    });
    expect(await api.desktop.disconnect.mutate()).toMatchObject({ next: { kind: 'local' }, restartNeeded: false });
    expect(await api.desktop.restart.mutate()).toEqual({ restarting: true });
    expect(restarts).toBe(1);
  });
});
