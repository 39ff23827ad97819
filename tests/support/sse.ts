import type { EventSourceFetchInit } from 'eventsource';

/**
 * `eventSourceOptions` for tRPC's httpSubscriptionLink with the `eventsource` package: the stream's
 * request carries the session token in the Authorization header (as the console's and the desktop's
 * do), never in its URL. The token is read at each (re)connection.
 */
export const bearerEventSource =
  (token: () => string | null | undefined, fetchImpl: typeof fetch = fetch) =>
  () => ({
    fetch: (input: string | URL, init: EventSourceFetchInit) => {
      const value = token();
      return fetchImpl(input, {
        ...init,
        headers: value ? { ...init.headers, authorization: `Bearer ${value}` } : init.headers,
      });
    },
  });
