import type { EventBus, StampedEvent } from '../services/events';

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
