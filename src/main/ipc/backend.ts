import {
  callTRPCProcedure,
  getErrorShape,
  getTRPCErrorFromUnknown,
  isTrackedEnvelope,
  type AnyRouter,
  type inferRouterContext,
} from '@trpc/server';
import type { AnyRootTypes, RootConfig } from '@trpc/server/unstable-core-do-not-import';
import type { ProcedureKind } from '../../shared/ipc-protocol';

/**
 * One call from a window, as the IPC handler passes it on: the input already deserialized, and the
 * token the main process holds for that window (never a token the renderer sent).
 */
export interface BackendOperation {
  readonly type: ProcedureKind;
  readonly path: string;
  readonly input: unknown;
  readonly token: string | null;
  /** Aborted when the renderer stops a subscription, signs out, reloads, or its window closes. */
  readonly signal: AbortSignal;
}

/** Where a subscription's events go (the handler serializes and sends them to the window). */
export interface SubscriptionSink {
  started(): void;
  /** One event; `eventId` for the tracked events a subscription can resume from. */
  data(value: unknown, eventId?: string): void;
}

/**
 * What answers the tRPC calls the IPC handler receives: the router in this process
 * ({@link localBackend}), or a team server over HTTP (see remote-backend.ts). Values in and out are
 * plain (deserialized); errors become the error shape the renderer receives.
 */
export interface IpcBackend {
  /** A query or mutation: its result. */
  call(op: BackendOperation): Promise<unknown>;
  /** A subscription: resolves when it ends, by itself or because `op.signal` aborted. */
  subscribe(op: BackendOperation, sink: SubscriptionSink): Promise<void>;
  /** The tRPC error shape ({ message, code, data: { code, domainCode, … } }) for whatever a call threw. */
  errorShape(cause: unknown, op: BackendOperation): unknown;
  /** The handler no longer holds this token (signed out, window reloaded or closed). */
  release?(token: string): void;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** Calls go to `router` in this process, with the context `createContext` makes for the held token. */
export function localBackend<TRouter extends AnyRouter>(
  router: TRouter,
  createContext: (token: string | null) => inferRouterContext<TRouter> | Promise<inferRouterContext<TRouter>>,
): IpcBackend {
  // The router's root config, typed loosely: this backend serves any router.
  const config = router._def._config as RootConfig<AnyRootTypes>;
  const run = async (op: BackendOperation): Promise<unknown> =>
    callTRPCProcedure({
      router,
      path: op.path,
      getRawInput: () => Promise.resolve(op.input),
      ctx: await createContext(op.token),
      type: op.type,
      signal: op.signal,
      batchIndex: 0,
    });
  return {
    call: run,
    async subscribe(op, sink) {
      const result = await run(op);
      if (!isAsyncIterable(result)) throw new Error(`${op.path} did not return an async iterable`);
      sink.started();
      for await (const item of result) {
        if (op.signal.aborted) break;
        if (isTrackedEnvelope(item)) {
          const [eventId, data] = item;
          sink.data(data, eventId);
        } else {
          sink.data(item);
        }
      }
    },
    errorShape: (cause, op): unknown =>
      getErrorShape({
        config,
        error: getTRPCErrorFromUnknown(cause),
        type: op.type,
        path: op.path,
        input: op.input,
        ctx: undefined,
      }) as unknown,
  };
}

/** Like tRPC's splitLink: operations for which `condition` holds go to `whenTrue`, the rest to `whenFalse`. */
export function splitBackend(
  condition: (op: Pick<BackendOperation, 'type' | 'path'>) => boolean,
  whenTrue: IpcBackend,
  whenFalse: IpcBackend,
): IpcBackend {
  const pick = (op: BackendOperation) => (condition(op) ? whenTrue : whenFalse);
  return {
    call: (op) => pick(op).call(op),
    subscribe: (op, sink) => pick(op).subscribe(op, sink),
    errorShape: (cause, op) => pick(op).errorShape(cause, op),
    release: (token) => {
      whenTrue.release?.(token);
      whenFalse.release?.(token);
    },
  };
}
