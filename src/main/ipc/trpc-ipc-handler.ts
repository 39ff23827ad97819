import type { AnyRouter, inferRouterContext } from '@trpc/server';
import superjson from 'superjson';
import { z } from 'zod';
import { TRPC_IPC_CHANNEL, type MainToRenderer } from '../../shared/ipc-protocol';
import { localBackend, type BackendOperation, type IpcBackend } from './backend';
import { deserializeInput } from '../api/transformer';

export { localBackend, splitBackend, type BackendOperation, type IpcBackend, type SubscriptionSink } from './backend';

/**
 * The main-process half of the tRPC-over-IPC link. It checks where each message comes from and
 * what it is, keeps each window's subscriptions, and holds each window's staff token; the calls
 * themselves go to a backend (the router in this process, or a team server). It knows Electron only
 * through these shapes, so it is tested with in-memory fakes.
 */
export interface FrameLike {
  readonly url: string;
}
export interface WebContentsLike {
  readonly id: number;
  readonly mainFrame: FrameLike;
  send(channel: string, message: MainToRenderer): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): void;
}
export interface IpcMainEventLike {
  readonly sender: WebContentsLike;
  readonly senderFrame: FrameLike | null;
}
export interface IpcMainLike {
  on(channel: string, listener: (event: IpcMainEventLike, message: unknown) => void): void;
  removeListener(channel: string, listener: (event: IpcMainEventLike, message: unknown) => void): void;
}

const messageSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('request'),
    id: z.number().int().nonnegative(),
    type: z.enum(['query', 'mutation', 'subscription']),
    path: z.string().min(1).max(200),
    input: z.unknown(),
    // Still part of the protocol, and ignored: the main process holds the token (see below).
    token: z.string().max(200).nullable(),
  }),
  z.object({ kind: z.literal('stop'), id: z.number().int().nonnegative() }),
]);
type RequestMessage = Extract<z.infer<typeof messageSchema>, { kind: 'request' }>;

/** The procedure whose result carries a new session's token, and the one that ends the session. */
export const LOGIN_PATH = 'auth.login';
export const LOGOUT_PATH = 'auth.logout';

interface Transformer {
  serialize(value: unknown): unknown;
  deserialize(value: unknown): unknown;
}

interface CommonOptions {
  ipcMain: IpcMainLike;
  /** True only for the app's own pages; messages from any other frame are dropped. */
  isTrustedUrl(url: string): boolean;
  onRejected?(reason: string): void;
  /** How inputs and results are encoded on the channel; the renderer's ipcLink uses the same (superjson). */
  transformer?: Transformer;
}

export type TrpcIpcHandlerOptions<TRouter extends AnyRouter = AnyRouter> = CommonOptions &
  (
    | {
        /** What answers the calls: `localBackend(router, createContext)` or `remoteBackend({ url })`. */
        backend: IpcBackend;
      }
    | {
        /** Shorthand for `backend: localBackend(router, createContext)`. */
        router: TRouter;
        createContext(token: string | null): inferRouterContext<TRouter> | Promise<inferRouterContext<TRouter>>;
      }
  );

/** One window's page: the token held for it, and its open subscriptions. */
interface PageState {
  token: string | null;
  /** Bumped whenever the token is forgotten, so a sign-in that finishes afterwards is not kept. */
  epoch: number;
  /** Set when the page goes (reload, navigation, closed window): nothing more is sent to it. */
  gone: boolean;
  readonly subscriptions: Map<number, AbortController>;
}

function tokenOf(result: unknown): string | null {
  if (typeof result !== 'object' || result === null || !('token' in result)) return null;
  const token = result.token;
  return typeof token === 'string' && token !== '' ? token : null;
}

/**
 * The staff token never reaches the renderer: when `auth.login` succeeds, the handler keeps the
 * token for that window and answers with `token: ''`; every later call from the window is made with
 * the kept token, whatever token the message carries; `auth.logout`, a reload and a closed window
 * forget it.
 */
export function createTrpcIpcHandler<TRouter extends AnyRouter>(options: TrpcIpcHandlerOptions<TRouter>) {
  const { ipcMain } = options;
  const backend =
    'backend' in options ? options.backend : localBackend(options.router, (token) => options.createContext(token));
  const transformer: Transformer = options.transformer ?? {
    serialize: (value) => superjson.serialize(value),
    // As over HTTP: a request's Dates must be ISO text, never `new Date(true)` (api/transformer.ts).
    deserialize: deserializeInput,
  };
  const pages = new Map<number, PageState>();
  const watched = new Set<number>();

  const forget = (page: PageState) => {
    page.epoch += 1;
    if (page.token !== null) backend.release?.(page.token);
    page.token = null;
    for (const controller of page.subscriptions.values()) controller.abort();
  };
  const keep = (page: PageState, token: string) => {
    if (page.token !== null && page.token !== token) backend.release?.(page.token);
    page.token = token;
    // Subscriptions opened under another session end with it.
    for (const controller of page.subscriptions.values()) controller.abort();
  };
  const close = (windowId: number) => {
    const page = pages.get(windowId);
    if (!page) return;
    pages.delete(windowId);
    page.gone = true;
    forget(page);
  };

  const pageOf = (sender: WebContentsLike): PageState => {
    let page = pages.get(sender.id);
    if (!page) {
      page = { token: null, epoch: 0, gone: false, subscriptions: new Map() };
      pages.set(sender.id, page);
      if (!watched.has(sender.id)) {
        watched.add(sender.id);
        sender.once('destroyed', () => {
          watched.delete(sender.id);
          close(sender.id);
        });
      }
    }
    return page;
  };

  const listener = (event: IpcMainEventLike, raw: unknown): void => {
    const frame = event.senderFrame;
    if (!frame || frame !== event.sender.mainFrame || !options.isTrustedUrl(frame.url)) {
      options.onRejected?.(`IPC message from an untrusted frame (${frame?.url ?? 'unknown'}) was dropped`);
      return;
    }
    const parsed = messageSchema.safeParse(raw);
    if (!parsed.success) {
      options.onRejected?.('A malformed IPC message was dropped');
      return;
    }
    const message = parsed.data;
    if (message.kind === 'stop') {
      pages.get(event.sender.id)?.subscriptions.get(message.id)?.abort();
      return;
    }
    void handleRequest(event.sender, message);
  };

  async function handleRequest(sender: WebContentsLike, message: RequestMessage): Promise<void> {
    const { id, type, path } = message;
    const page = pageOf(sender);
    const epoch = page.epoch;
    const controller = new AbortController();
    if (type === 'subscription') page.subscriptions.get(id)?.abort();
    if (type === 'subscription') page.subscriptions.set(id, controller);
    const send = (reply: MainToRenderer) => {
      if (!page.gone && !sender.isDestroyed()) sender.send(TRPC_IPC_CHANNEL, reply);
    };
    let op: BackendOperation = { type, path, input: undefined, token: page.token, signal: controller.signal };
    let reply: MainToRenderer;
    try {
      op = { ...op, input: message.input === undefined ? undefined : transformer.deserialize(message.input) };
      if (type === 'subscription') {
        await backend.subscribe(op, {
          started: () => send({ id, result: { type: 'started' } }),
          data: (value, eventId) => {
            if (controller.signal.aborted) return;
            const data = transformer.serialize(value);
            send({ id, result: eventId === undefined ? { type: 'data', data } : { type: 'data', id: eventId, data } });
          },
        });
        reply = { id, result: { type: 'stopped' } };
      } else {
        let result = await backend.call(op);
        if (path === LOGIN_PATH && type === 'mutation') result = holdSession(page, epoch, result);
        reply = { id, result: { type: 'data', data: transformer.serialize(result) } };
      }
    } catch (cause) {
      reply = controller.signal.aborted
        ? { id, result: { type: 'stopped' } }
        : { id, error: transformer.serialize(backend.errorShape(cause, op)) };
    } finally {
      if (page.subscriptions.get(id) === controller) page.subscriptions.delete(id);
    }
    // Signed out (or the sign-out failed on the way): the token is forgotten either way.
    if (path === LOGOUT_PATH && op.token !== null && page.token === op.token) forget(page);
    send(reply);
  }

  /** Keeps the new session's token for the page and hides it from the renderer. */
  function holdSession(page: PageState, epoch: number, result: unknown): unknown {
    const token = tokenOf(result);
    if (token === null) return result;
    if (page.gone || page.epoch !== epoch) {
      // The page signed out, reloaded or closed while signing in: this session is nobody's.
      backend.release?.(token);
    } else {
      keep(page, token);
    }
    return { ...(result as object), token: '' };
  }

  ipcMain.on(TRPC_IPC_CHANNEL, listener);
  return {
    dispose(): void {
      ipcMain.removeListener(TRPC_IPC_CHANNEL, listener);
      for (const windowId of [...pages.keys()]) close(windowId);
    },
    /**
     * The window's page was replaced (a reload or navigation): its token and subscriptions go, and
     * nothing more is sent for requests the old page made. Wire it to webContents' `did-navigate`.
     */
    forgetWindow(windowId: number): void {
      close(windowId);
    },
    /**
     * The window's page was reloaded: nothing more is sent for the old page's requests and its
     * subscriptions end, but the session held for the window stays (a reload keeps the user signed
     * in; the token still never reaches the page). Wire it to webContents' `did-navigate`.
     */
    pageReplaced(windowId: number): void {
      const page = pages.get(windowId);
      if (!page) return;
      page.gone = true;
      for (const controller of page.subscriptions.values()) controller.abort();
      pages.set(windowId, { token: page.token, epoch: page.epoch, gone: false, subscriptions: new Map() });
    },
    /** Open subscriptions across all windows (for tests and diagnostics). */
    activeSubscriptionCount(): number {
      let count = 0;
      for (const page of pages.values()) count += page.subscriptions.size;
      return count;
    },
    /** Windows for which a staff token is held (for tests and diagnostics). */
    signedInWindowCount(): number {
      let count = 0;
      for (const page of pages.values()) if (page.token !== null) count += 1;
      return count;
    },
  };
}

export type TrpcIpcHandler = ReturnType<typeof createTrpcIpcHandler>;
