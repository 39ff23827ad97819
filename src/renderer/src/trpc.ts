import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { EventSource } from 'eventsource';
import superjson from 'superjson';
import type { AppRouter } from '../../main/api/root';
import { ipcLink } from './ipc-link';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/**
 * Inside Electron the preload's bridge carries every call over IPC; in a browser (the headless
 * host) calls go over HTTP, batched, and subscriptions arrive as server-sent events. Both send the
 * session token in the Authorization header, never in a URL (the host refuses one there).
 */
export function createClient(getToken: () => string | null): TRPCClient<AppRouter> {
  const bridge = window.linguaflexIpc;
  if (bridge) {
    return createTRPCClient<AppRouter>({ links: [ipcLink({ bridge, transformer: superjson, getToken })] });
  }
  const url = new URL('/trpc', window.location.origin).toString();
  // The browser console's session lives in an HttpOnly cookie its scripts never read (a reload keeps
  // it); this header asks the host to use it — and a page of another site cannot send it.
  const cookieSession = { 'x-linguaflex-session': 'cookie' };
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        // The browser's EventSource cannot send headers: the `eventsource` package's can, over fetch.
        // The token is read at each (re)connection, so a reconnect uses the current session.
        true: httpSubscriptionLink({
          url,
          transformer: superjson,
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input, init) => {
              const token = getToken();
              const headers = { ...init.headers, ...cookieSession };
              return fetch(input, {
                ...init,
                credentials: 'same-origin',
                headers: token ? { ...headers, authorization: `Bearer ${token}` } : headers,
              });
            },
          }),
        }),
        false: httpBatchLink({
          url,
          transformer: superjson,
          headers: () => {
            const token = getToken();
            return token ? { ...cookieSession, authorization: `Bearer ${token}` } : cookieSession;
          },
        }),
      }),
    ],
  });
}

/** What each procedure answers, as the renderer receives it (after superjson). */
export type { RouterOutputs } from './router-types';
