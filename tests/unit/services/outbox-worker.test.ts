import { describe, expect, it } from 'vitest';
import {
  CLAIM_SIZE,
  createOutboxWorker,
  DELIVERY_CONCURRENCY,
  type OutboxWorkerDeps,
} from '../../../src/main/outbox/worker';
import type { OutboxRecord, UnitOfWork } from '../../../src/main/services/ports';

const at = new Date('2026-12-01T09:00:00Z');
const row = (id: number): OutboxRecord => ({
  id,
  key: `payment:${id}:cancel`,
  kind: 'stripe.cancel_intent',
  bookingId: null,
  payload: { paymentId: id },
  status: 'PENDING',
  attempts: 0,
  nextAttemptAt: at,
  lastError: null,
  createdAt: at,
  deliveredAt: null,
});

/**
 * The worker over an outbox of `count` due rows (cancelling intents at Stripe): `cancel` decides how
 * long each call takes. Records which rows were settled and how many calls were under way at most.
 */
function outboxOf(count: number, cancel: (paymentId: number) => Promise<void>) {
  const due = Array.from({ length: count }, (_, index) => row(index + 1));
  const settled: number[] = [];
  const failed: number[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const uow = {
    read: {
      outboxWork: {
        claimDue: (_now: Date, _leaseMs: number, limit: number) => Promise.resolve(due.splice(0, limit)),
        settle: (id: number) => {
          settled.push(id);
          return Promise.resolve([]);
        },
        markFailed: (id: number) => {
          failed.push(id);
          return Promise.resolve();
        },
      },
    },
  } as unknown as UnitOfWork;
  const unused = () => Promise.reject(new Error('not used by these rows'));
  const deps: OutboxWorkerDeps = {
    uow,
    clock: { now: () => at },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    meetings: {} as never,
    mailer: { send: unused } as never,
    intents: {
      cancelAtStripe: async (paymentId: number) => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        try {
          await cancel(paymentId);
        } finally {
          inFlight -= 1;
        }
      },
    },
    submitRefund: unused,
    reverseTransfer: unused,
  };
  return { worker: createOutboxWorker(deps), settled, failed, mostInFlight: () => mostInFlight };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('outbox worker: deliveries in flight', () => {
  it('keeps DELIVERY_CONCURRENCY under way, each next row starting as one ends, so a slow call holds up no other row', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const outbox = outboxOf(CLAIM_SIZE, (paymentId) => (paymentId === 1 ? slow : tick()));
    const drained = outbox.worker.drain();
    for (let turn = 0; turn < 50 && outbox.settled.length < CLAIM_SIZE - 1; turn += 1) await tick();
    // The other rows of the claim went out while the first was still waiting for its answer.
    expect(outbox.settled).toHaveLength(CLAIM_SIZE - 1);
    expect(outbox.settled).not.toContain(1);
    expect(outbox.mostInFlight()).toBe(DELIVERY_CONCURRENCY);
    release();
    expect(await drained).toBe(CLAIM_SIZE);
    expect(outbox.settled.sort((a, b) => a - b)).toEqual(Array.from({ length: CLAIM_SIZE }, (_, index) => index + 1));
    expect(outbox.failed).toEqual([]);
  });

  it('claims again after a full claim, and a failing call is recorded on its row without stopping the others', async () => {
    const outbox = outboxOf(2 * CLAIM_SIZE + 20, (paymentId) =>
      paymentId % 100 === 0 ? Promise.reject(new Error('Stripe is not reachable')) : tick(),
    );
    expect(await outbox.worker.drain()).toBe(2 * CLAIM_SIZE + 20);
    expect(outbox.failed).toEqual([100, 200]);
    expect(outbox.settled).toHaveLength(2 * CLAIM_SIZE + 18);
    expect(outbox.mostInFlight()).toBeLessThanOrEqual(DELIVERY_CONCURRENCY);
  });
});
