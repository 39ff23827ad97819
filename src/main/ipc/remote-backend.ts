import {
  createTRPCUntypedClient,
  httpBatchLink,
  httpSubscriptionLink,
  TRPCClientError,
  type TRPCUntypedClient,
} from '@trpc/client';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { EventSource } from 'eventsource';
import superjson from 'superjson';
import type { AppRouter } from '../api/root';
import type { IpcBackend } from './backend';

type FetchFunction = typeof globalThis.fetch;

export interface RemoteBackendOptions {
  /** The team server's address (https://…, no trailing slash); the router answers at `<url>/trpc`. */
  url: string;
  /** Defaults to the global fetch. */
  fetch?: FetchFunction;
  /** A query or mutation without an answer after this long fails as unanswered (default 60 s). */
  timeoutMs?: number;
}

const NETWORK_ERROR_NAMES = new Set(['AbortError', 'TimeoutError', 'ConnectTimeoutError', 'SocketError']);

/** The innermost readable reason in an error's cause chain ("connect ECONNREFUSED 10.0.0.5:443"). */
export function failureReason(error: unknown): string {
  let reason = 'no answer';
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth += 1) {
    if (current.name === 'TimeoutError') return 'no answer in time';
    if (current.message) reason = current.message;
    current = current.cause;
  }
  return reason;
}

/** Whether an error means no answer came at all (refused, unreachable, timed out), not a bad one. */
function isNetworkFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (NETWORK_ERROR_NAMES.has(current.name)) return true;
    if (current instanceof TypeError && current.message === 'fetch failed') return true;
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_\w+)$/.test(code)) return true;
    current = current.cause;
  }
  return false;
}

/** The sentence a user sees when the team server cannot be reached. */
export function unansweredMessage(url: string, reason: string): string {
  return `The team server at ${url} did not answer (${reason}). Check this computer’s network connection, or ask whoever runs the server whether it is up.`;
}

function hasErrorShape(value: unknown): value is { message: string; code: number; data?: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { code?: unknown }).code === 'number'
  );
}

/**
 * Calls go to a team server (a headless host) over HTTP, as its web console's do: queries and
 * mutations through httpBatchLink, subscriptions as server-sent events through httpSubscriptionLink,
 * superjson both ways. The token goes in the `Authorization` header of both (an EventSource from
 * the `eventsource` package, whose fetch adds it), never in a URL. The server's errors reach the
 * renderer with their own shape; a server that cannot be reached is an INTEGRATION_FAILED error.
 */
export function remoteBackend(options: RemoteBackendOptions): IpcBackend {
  const { url } = options;
  const endpoint = `${url}/trpc`;
  const baseFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const timedFetch: FetchFunction = (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    return baseFetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };

  // One client per token, so one batch never mixes two sessions' calls.
  const clients = new Map<string, TRPCUntypedClient<AppRouter>>();
  const clientFor = (token: string | null): TRPCUntypedClient<AppRouter> => {
    const key = token ?? '';
    let client = clients.get(key);
    if (!client) {
      client = createTRPCUntypedClient<AppRouter>({
        links: [
          httpBatchLink({
            url: endpoint,
            transformer: superjson,
            fetch: timedFetch,
            maxURLLength: 8_000,
            headers: () => (key ? { authorization: `Bearer ${key}` } : {}),
          }),
        ],
      });
      clients.set(key, client);
    }
    return client;
  };

  // Subscriptions use the link directly, which tells tracked events (with an id to resume from) apart.
  const subscriptionLink = httpSubscriptionLink<AppRouter, typeof EventSource>({
    url: endpoint,
    transformer: superjson,
    EventSource,
    eventSourceOptions: ({ op }) => {
      const token = typeof op.context['token'] === 'string' ? op.context['token'] : '';
      return {
        fetch: (input, init) =>
          baseFetch(input, {
            ...init,
            headers: token ? { ...init.headers, authorization: `Bearer ${token}` } : init.headers,
          }),
      };
    },
  })({});
  let nextOperationId = 1;

  return {
    call: (op) => {
      const client = clientFor(op.token);
      return op.type === 'mutation'
        ? client.mutation(op.path, op.input, { signal: op.signal })
        : client.query(op.path, op.input, { signal: op.signal });
    },

    subscribe: (op, sink) =>
      new Promise<void>((resolve, reject) => {
        const state: { settled: boolean; subscription: { unsubscribe(): void } | null } = {
          settled: false,
          subscription: null,
        };
        const settle = (error: Error | null) => {
          if (state.settled) return;
          state.settled = true;
          op.signal.removeEventListener('abort', stop);
          state.subscription?.unsubscribe();
          if (error) reject(error);
          else resolve();
        };
        const stop = () => settle(null);
        if (op.signal.aborted) {
          settle(null);
          return;
        }
        op.signal.addEventListener('abort', stop, { once: true });
        state.subscription = subscriptionLink({
          op: {
            id: nextOperationId++,
            type: 'subscription',
            path: op.path,
            input: op.input,
            context: { token: op.token ?? '' },
            signal: op.signal,
          },
          next: () => {
            throw new Error('httpSubscriptionLink is a terminating link');
          },
        }).subscribe({
          next: (envelope) => {
            if (state.settled) return;
            const result = envelope.result as { type?: string; id?: unknown; data?: unknown };
            if (result.type === 'started') {
              sink.started();
            } else if (result.type === undefined || result.type === 'data') {
              if (typeof result.id === 'string' || typeof result.id === 'number') {
                // A tracked event arrives as { id, data }.
                sink.data((result.data as { data?: unknown } | undefined)?.data, String(result.id));
              } else {
                sink.data(result.data);
              }
            }
            // 'state' (connecting, reconnecting) and 'stopped' need nothing here.
          },
          error: (error) => settle(error),
          complete: () => settle(null),
        });
        // Ended while subscribing: unsubscribe now that there is something to unsubscribe.
        if (state.settled) state.subscription.unsubscribe();
      }),

    errorShape: (cause, op) => {
      if (cause instanceof TRPCClientError && hasErrorShape(cause.shape)) return cause.shape;
      const reason = failureReason(cause);
      return {
        message: isNetworkFailure(cause)
          ? unansweredMessage(url, reason)
          : `The team server at ${url} gave an answer this desktop cannot read (${reason}). Check the server’s address under Settings.`,
        code: TRPC_ERROR_CODES_BY_KEY.BAD_GATEWAY,
        data: { code: 'BAD_GATEWAY', httpStatus: 502, path: op.path, domainCode: 'INTEGRATION_FAILED' },
      };
    },

    release: (token) => {
      clients.delete(token);
    },
  };
}
