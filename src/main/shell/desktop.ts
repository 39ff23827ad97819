/**
 * What the desktop runs on: its own container (embedded database, integration sandboxes, jobs) or
 * a team server, decided at start from the stored setting. index.ts only wires Electron to this;
 * the decision and the backends it builds are tested without Electron.
 */
import { z } from 'zod';
import { apiContext } from '../api/context';
import { appRouter } from '../api/root';
import { desktopRouter, type DesktopCapability, type DesktopConnection } from '../api/routers/desktop';
import { router, type ApiContext } from '../api/trpc';
import type { Container } from '../container';
import { DOMAIN_ERROR_CODES, DomainError, type DomainErrorCode } from '../domain/errors';
import { localBackend, splitBackend, type BackendOperation, type IpcBackend } from '../ipc/backend';
import { remoteBackend, type RemoteBackendOptions } from '../ipc/remote-backend';
import type { Logger } from '../log';
import { checkTeamServer, parseTeamServerUrl, type TeamServerSetting } from './connection';

/** The embedded side, opened only when the desktop uses its own database. */
export interface LocalRuntime {
  container: Container;
  close(): Promise<void>;
}

export interface DesktopRuntime {
  connection: DesktopConnection;
  /** What the IPC handler sends the renderer's calls to. */
  backend: IpcBackend;
  /** Null when connected to a team server: no database, no sandboxes, no jobs on this computer. */
  container: Container | null;
  close(): Promise<void>;
}

/** What the user chose when the stored team server does not answer at start. */
export type UnreachableChoice = 'retry' | 'disconnect' | 'quit';

export interface DesktopStartOptions {
  setting: TeamServerSetting;
  logger: Logger;
  /** Opens the container, starts its jobs: called only when the desktop uses its own database. */
  openLocal: () => Promise<LocalRuntime>;
  /** Asked when the stored team server does not answer at start. */
  whenUnreachable: (url: string, problem: string) => Promise<UnreachableChoice>;
  restart: () => void;
  saveCredentials?: ApiContext['saveCredentials'];
  /** Defaults to checkTeamServer (GET /healthz). */
  checkServer?: ((url: string) => Promise<void>) | undefined;
  /** Transport options of the remote backend (tests pass a fetch or a shorter timeout). */
  remote?: Omit<RemoteBackendOptions, 'url'>;
}

/** The desktop procedures are answered by the main process itself, whichever backend serves the rest. */
export const isDesktopProcedure = (op: Pick<BackendOperation, 'path'>): boolean => op.path.startsWith('desktop.');

/** Stands in for what a desktop connected to a team server does not have: any use of it throws. */
function unavailable(what: string): object {
  const fail = (): never => {
    throw new Error(`This desktop works with a team server; it has no ${what} of its own`);
  };
  return new Proxy(
    {},
    {
      // Symbols and `then` are asked by inspection and await; they are simply absent.
      get: (_target, key) => (typeof key === 'symbol' || key === 'then' ? undefined : fail()),
    },
  );
}

/** The router the main process answers on its own when every other call goes to a team server. */
const desktopOnlyRouter = router({ desktop: desktopRouter });

const staffSchema = z.object({ role: z.string(), permissions: z.array(z.string()) });

function domainErrorFromShape(shape: unknown): Error {
  const parsed = z
    .object({ message: z.string(), data: z.object({ domainCode: z.string().optional() }).optional() })
    .safeParse(shape);
  if (!parsed.success) return new Error('The staff member could not be looked up');
  const code = parsed.data.data?.domainCode;
  return code && (DOMAIN_ERROR_CODES as readonly string[]).includes(code)
    ? new DomainError(code as DomainErrorCode, parsed.data.message)
    : new Error(parsed.data.message);
}

/** The desktop capability of the context: `staffOf` asks the backend (`auth.me`), so it works in both modes. */
export function desktopCapability(options: {
  current: DesktopConnection;
  setting: TeamServerSetting;
  backend: () => IpcBackend;
  checkServer: (url: string) => Promise<void>;
  restart: () => void;
  logger: Logger;
}): DesktopCapability {
  const { setting } = options;
  return {
    async staffOf(token) {
      const op: BackendOperation = {
        type: 'query',
        path: 'auth.me',
        input: undefined,
        token,
        signal: new AbortController().signal,
      };
      const backend = options.backend();
      try {
        return staffSchema.parse(await backend.call(op));
      } catch (cause) {
        throw domainErrorFromShape(backend.errorShape(cause, op));
      }
    },
    connection: () => ({ current: options.current, next: setting.read() }),
    async connect(raw) {
      const url = parseTeamServerUrl(raw);
      await options.checkServer(url);
      setting.save(url);
      options.logger.info(`From the next start this desktop works with the team server at ${url}`);
    },
    disconnect() {
      setting.clear();
      options.logger.info('From the next start this desktop uses its own database');
    },
    restart: () => options.restart(),
  };
}

/** Which connection this start uses: the stored one, once its server answers (or the user decides). */
export async function chooseConnection(
  options: Pick<DesktopStartOptions, 'setting' | 'whenUnreachable' | 'checkServer'>,
): Promise<DesktopConnection | null> {
  const check = options.checkServer ?? ((url: string) => checkTeamServer(url));
  for (;;) {
    const stored = options.setting.read();
    if (stored.kind === 'local') return stored;
    try {
      await check(stored.url);
      return stored;
    } catch (error) {
      const choice = await options.whenUnreachable(stored.url, error instanceof Error ? error.message : String(error));
      if (choice === 'quit') return null;
      if (choice === 'disconnect') options.setting.clear();
    }
  }
}

/**
 * Starts what the stored setting says: with a team server, only its remote backend (and the
 * desktop router, answered here); otherwise the container, served by the router in this process.
 * Null when the user chose to quit.
 */
export async function startDesktop(options: DesktopStartOptions): Promise<DesktopRuntime | null> {
  const connection = await chooseConnection(options);
  if (!connection) return null;
  const checkServer = options.checkServer ?? ((url: string) => checkTeamServer(url));
  const { logger } = options;
  let backend: IpcBackend | null = null;
  const desktop = desktopCapability({
    current: connection,
    setting: options.setting,
    backend: () => {
      if (!backend) throw new Error('The desktop backend is not ready yet');
      return backend;
    },
    checkServer,
    restart: () => options.restart(),
    logger,
  });

  if (connection.kind === 'remote') {
    // The desktop procedures need no services: their context has none, and using them fails loudly.
    const context = (token: string | null): ApiContext => ({
      token,
      logger,
      desktop,
      services: unavailable('services') as ApiContext['services'],
      events: unavailable('events') as ApiContext['events'],
      integrations: () => {
        throw new Error('This desktop works with a team server; its integrations are configured there');
      },
    });
    backend = splitBackend(
      isDesktopProcedure,
      localBackend(desktopOnlyRouter, context),
      remoteBackend({ ...options.remote, url: connection.url }),
    );
    logger.info(`Working with the team server at ${connection.url}; no local database`);
    return { connection, backend, container: null, close: () => Promise.resolve() };
  }

  const local = await options.openLocal();
  const { container } = local;
  backend = localBackend(appRouter, (token) => apiContext(container, logger, token, options.saveCredentials, desktop));
  return { connection, backend, container, close: () => local.close() };
}
