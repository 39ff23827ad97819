import { DomainError } from '../domain/errors';
import type { EventBus, StampedEvent } from '../services/events';
import { toTRPCError } from './trpc';

export type StreamEvent = StampedEvent | { id: number; event: { type: 'resync'; at: Date } };

/**
 * The bus as an async iterable for a subscription: first whatever happened after `lastEventId`
 * (or a `resync` when the buffer no longer reaches back), then live events, until `signal` aborts.
 * Listening starts before the replay, and `sent` skips anything delivered twice by the overlap.
 */
export async function* eventStream(
  bus: EventBus,
  lastEventId: string | null,
  signal: AbortSignal | undefined,
): AsyncGenerator<StreamEvent> {
  const queue: StampedEvent[] = [];
  let wake: (() => void) | null = null;
  const unsubscribe = bus.subscribe((stamped) => {
    queue.push(stamped);
    wake?.();
  });
  const aborted = new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    const resumeFrom = lastEventId !== null && /^\d+$/.test(lastEventId) ? Number(lastEventId) : null;
    let sent = resumeFrom ?? bus.lastId;
    if (resumeFrom !== null) {
      const missed = await bus.since(resumeFrom);
      if (missed === null) {
        sent = bus.lastId;
        yield { id: sent, event: { type: 'resync', at: new Date() } };
      } else {
        for (const stamped of missed) {
          sent = stamped.id;
          yield stamped;
        }
      }
    }
    while (!signal?.aborted) {
      const next = queue.shift();
      if (next) {
        if (next.id > sent) {
          sent = next.id;
          yield next;
        }
        continue;
      }
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
      wake = null;
    }
  } finally {
    unsubscribe();
  }
}

/** How often an open stream asks whether its session still holds (expiry; a revocation missed). */
export const SESSION_CHECK_INTERVAL_MS = 30_000;

interface StreamContext {
  readonly events: EventBus;
  readonly services: { auth: { actorFor(token: string | null): Promise<unknown> } };
  readonly token: string | null;
  readonly actor: { readonly sessionId: string };
}

/**
 * A staff console's stream (R34): the bus's events as `eventStream` gives them, until the session
 * that opened it ends. A sign-out, "sign out everywhere" or a disabled account (a `sessions.revoked`
 * event, from any host) ends it at once; an expired session at the next check. It then fails as
 * UNAUTHENTICATED with the reason, so the console signs out rather than reconnecting. The
 * revocations themselves are never sent to consoles.
 */
export async function* sessionEventStream(
  ctx: StreamContext,
  lastEventId: string | null,
  signal: AbortSignal | undefined,
  checkEveryMs = SESSION_CHECK_INTERVAL_MS,
): AsyncGenerator<StampedEvent | { id: number; event: { type: 'resync'; at: Date } }> {
  const stop = new AbortController();
  const session: { ended: string | null } = { ended: null };
  const end = (reason: string) => {
    session.ended ??= reason;
    stop.abort();
  };
  const check = () =>
    ctx.services.auth.actorFor(ctx.token).then(
      (actor) => {
        if (!actor) end('Sign in first');
      },
      (error: unknown) => {
        // Only a verdict on the session ends the stream; a database hiccup is asked again later.
        if (error instanceof DomainError && error.code === 'UNAUTHENTICATED') end(error.message);
      },
    );
  const unsubscribe = ctx.events.subscribe(({ event }) => {
    if (event.type === 'sessions.revoked' && event.sessionIds.includes(ctx.actor.sessionId)) {
      // Ask why (signed out, disabled…) to say so; end now whatever the answer.
      void check().finally(() => end('Your session ended; sign in again'));
    }
  });
  const timer = setInterval(() => void check(), checkEveryMs);
  timer.unref();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) stop.abort();
  try {
    for await (const stamped of eventStream(ctx.events, lastEventId, stop.signal)) {
      if (stamped.event.type === 'sessions.revoked') continue;
      yield stamped;
    }
  } finally {
    clearInterval(timer);
    unsubscribe();
    signal?.removeEventListener('abort', onAbort);
  }
  if (session.ended !== null && !signal?.aborted) throw toTRPCError(new DomainError('UNAUTHENTICATED', session.ended));
}
