import {
  callTRPCProcedure,
  getErrorShape,
  getTRPCErrorFromUnknown,
  isTrackedEnvelope,
  transformTRPCResponse,
  type AnyRouter,
  type inferRouterContext,
  type TRPCErrorShape,
} from '@trpc/server';
import type { AnyRootTypes, RootConfig } from '@trpc/server/unstable-core-do-not-import';
import { z } from 'zod';
import { TRPC_IPC_CHANNEL, type MainToRenderer } from '../../shared/ipc-protocol';

/**
 * The main-process half of the tRPC-over-IPC link, built only on @trpc/server's public exports.
 * It knows Electron only through these shapes, so it is tested with in-memory fakes.
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
    token: z.string().max(200).nullable(),
  }),
  z.object({ kind: z.literal('stop'), id: z.number().int().nonnegative() }),
]);

export interface TrpcIpcHandlerOptions<TRouter extends AnyRouter> {
  ipcMain: IpcMainLike;
  router: TRouter;
  createContext(token: string | null): inferRouterContext<TRouter> | Promise<inferRouterContext<TRouter>>;
  /** True only for the app's own pages; messages from any other frame are dropped. */
  isTrustedUrl(url: string): boolean;
  onRejected?(reason: string): void;
}

export function createTrpcIpcHandler<TRouter extends AnyRouter>(options: TrpcIpcHandlerOptions<TRouter>) {
  const { router, ipcMain } = options;
  // The router's root config, typed loosely: this handler serves any router.
  const config = router._def._config as RootConfig<AnyRootTypes>;
  // Subscriptions per window, so closing a window tears its subscriptions down.
  const subscriptions = new Map<number, Map<number, AbortController>>();

  const reply = (sender: WebContentsLike, message: MainToRenderer) => {
    if (!sender.isDestroyed()) sender.send(TRPC_IPC_CHANNEL, message);
  };

  const forWindow = (sender: WebContentsLike): Map<number, AbortController> => {
    let active = subscriptions.get(sender.id);
    if (!active) {
      const created = new Map<number, AbortController>();
      subscriptions.set(sender.id, created);
      sender.once('destroyed', () => {
        for (const controller of created.values()) controller.abort();
        subscriptions.delete(sender.id);
      });
      active = created;
    }
    return active;
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
      subscriptions.get(event.sender.id)?.get(message.id)?.abort();
      return;
    }
    void handleRequest(event.sender, message);
  };

  async function handleRequest(
    sender: WebContentsLike,
    message: Extract<z.infer<typeof messageSchema>, { kind: 'request' }>,
  ): Promise<void> {
    const { id, type, path } = message;
    let ctx: inferRouterContext<TRouter> | undefined;
    let input: unknown;
    const controller = new AbortController();
    const active = type === 'subscription' ? forWindow(sender) : null;
    active?.set(id, controller);
    try {
      ctx = await options.createContext(message.token);
      input = message.input === undefined ? undefined : config.transformer.input.deserialize(message.input);
      const result: unknown = await callTRPCProcedure({
        router,
        path,
        getRawInput: () => Promise.resolve(input),
        ctx,
        type,
        signal: controller.signal,
        batchIndex: 0,
      });
      if (type !== 'subscription') {
        reply(sender, transformTRPCResponse(config, { id, result: { type: 'data', data: result } }) as MainToRenderer);
        return;
      }
      if (!result || typeof result !== 'object' || !(Symbol.asyncIterator in result)) {
        throw new Error(`${path} did not return an async iterable`);
      }
      reply(sender, { id, result: { type: 'started' } });
      for await (const item of result as AsyncIterable<unknown>) {
        if (controller.signal.aborted || sender.isDestroyed()) break;
        if (isTrackedEnvelope(item)) {
          const [eventId, data] = item;
          const serialized = config.transformer.output.serialize(data) as unknown;
          reply(sender, { id, result: { type: 'data', id: eventId, data: serialized } });
        } else {
          reply(sender, { id, result: { type: 'data', data: config.transformer.output.serialize(item) as unknown } });
        }
      }
      reply(sender, { id, result: { type: 'stopped' } });
    } catch (cause) {
      if (controller.signal.aborted) {
        reply(sender, { id, result: { type: 'stopped' } });
        return;
      }
      const error = getTRPCErrorFromUnknown(cause);
      const shape: unknown = getErrorShape({ config, error, type, path, input, ctx });
      reply(sender, transformTRPCResponse(config, { id, error: shape as TRPCErrorShape }) as MainToRenderer);
    } finally {
      active?.delete(id);
    }
  }

  ipcMain.on(TRPC_IPC_CHANNEL, listener);
  return {
    dispose(): void {
      ipcMain.removeListener(TRPC_IPC_CHANNEL, listener);
      for (const active of subscriptions.values()) for (const controller of active.values()) controller.abort();
      subscriptions.clear();
    },
    /** Open subscriptions across all windows (for tests and diagnostics). */
    activeSubscriptionCount(): number {
      let count = 0;
      for (const active of subscriptions.values()) count += active.size;
      return count;
    },
  };
}
