import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import superjson from 'superjson';
import type { AppRouter } from '../../main/api/root';
import { ipcLink } from './ipc-link';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/**
 * Inside Electron the preload's bridge carries every call over IPC; in a browser (the headless
 * host) calls go over HTTP, batched, and subscriptions arrive as server-sent events.
 */
export function createClient(getToken: () => string | null): TRPCClient<AppRouter> {
  const bridge = window.linguaflexIpc;
  if (bridge) {
    return createTRPCClient<AppRouter>({ links: [ipcLink({ bridge, transformer: superjson, getToken })] });
  }
  const url = new URL('/trpc', window.location.origin).toString();
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        // EventSource cannot send headers; tRPC passes the token as connection parameters instead.
        true: httpSubscriptionLink({
          url,
          transformer: superjson,
          connectionParams: () => ({ token: getToken() ?? '' }),
        }),
        false: httpBatchLink({
          url,
          transformer: superjson,
          headers: () => {
            const token = getToken();
            return token ? { authorization: `Bearer ${token}` } : {};
          },
        }),
      }),
    ],
  });
}

/** What each procedure answers, as the renderer receives it (after superjson). */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
