import type { Clock } from '../domain/clock';
import type { Logger } from '../log';
import { GatewayRefused, type Mailer, type MeetingGateway } from '../services/gateways';
import { announce, logged } from '../services/context';
import type { EventBus } from '../services/events';
import type { IntentUseCases } from '../services/payments/intents';
import type { DeliveryRecord, OutboxRecord, UnitOfWork } from '../services/ports';
import type { SubmitRefund } from '../services/refunds/submission';
import { createBookingDeliveries, WaitFor } from './booking-deliveries';
import { createMoneyDeliveries } from './money-deliveries';

const LEASE_MS = 60_000;
const MAX_ATTEMPTS = 10;
/**
 * Deliveries under way at once. Each waits mostly on a round trip (the database, Zoom, the mail
 * relay), and on one host they share the event loop with the API, so few in flight leave the outbox
 * behind: with 8 in chunks, a host answering 50 flows/s fell 5 s behind in 10 s of load (bench:api);
 * with 32, each started as another ends, 1–1.7 s at p99. Once the API's transactions were quicker
 * (their commit sent with their last statement) 32 left effects 3.7–3.9 s behind, 64 2.5–3.4 s.
 */
export const DELIVERY_CONCURRENCY = 64;
/** Rows claimed per pass. */
export const CLAIM_SIZE = 128;

/** 2 s, 4 s, 8 s … capped at an hour, with jitter so a recovering service is not hit all at once. */
export function backoffMs(attempts: number, random = Math.random): number {
  const base = Math.min(3_600_000, 2000 * 2 ** Math.max(0, attempts));
  return Math.round(base * (0.8 + random() * 0.4));
}

export interface OutboxWorkerDeps {
  events?: EventBus;
  uow: UnitOfWork;
  clock: Clock;
  logger: Logger;
  meetings: MeetingGateway;
  mailer: Mailer;
  intents: Pick<IntentUseCases, 'cancelAtStripe'>;
  submitRefund: SubmitRefund;
  reverseTransfer: (refundRequestId: number) => Promise<void>;
}

/**
 * Delivers the side effects the transition tables asked for, written in the same transaction as
 * each state change: Zoom meetings, emails, cancelling intents, sending refunds. Keyed rows (one per
 * effect), a lease so two workers never take the same row, retries with exponential backoff, and a
 * FAILED state staff can retry from.
 */
export function createOutboxWorker(deps: OutboxWorkerDeps) {
  const { uow, clock, logger } = deps;
  const booking = createBookingDeliveries(deps);
  const money = createMoneyDeliveries(deps);
  const handlers: Record<string, (message: OutboxRecord) => Promise<DeliveryRecord | undefined> | Promise<void>> = {
    email: booking.email,
    'zoom.create_meeting': booking.createMeeting,
    'zoom.update_meeting': booking.updateMeeting,
    'zoom.delete_meeting': booking.deleteMeeting,
    'stripe.cancel_intent': money.cancelIntent,
    'stripe.refund': money.refund,
    'email.staff': money.staffEmail,
    'stripe.reverse_transfer': money.reverseTransfer,
  };
  let running: Promise<number> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let kicked = false;
  let exhaustive = false;
  // Read through functions: a kick or a drain arrives from another callback while a pass awaits.
  const wasKicked = () => kicked;
  const isExhaustive = () => exhaustive;

  async function deliverOne(message: OutboxRecord): Promise<void> {
    try {
      const handler = handlers[message.kind];
      if (!handler) throw new GatewayRefused(`No handler for outbox messages of kind ${message.kind}`, 'unknown_kind');
      const record = (await handler(message)) ?? undefined;
      const { bookingId } = message;
      const at = clock.now();
      // What it did, the row delivered and the live update: one statement, no transaction around it.
      const rows = await uow.read.outboxWork.settle(
        message.id,
        at,
        record,
        bookingId === null ? [] : [logged({ type: 'booking.delivered', bookingId, kind: message.kind, at })],
      );
      announce(deps, rows);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      const now = clock.now().getTime();
      // A row waiting for another (a delete for its create, an email for its meeting) is not failing:
      // it spends none of its attempts however long the other one's backoff lasts, and is never given
      // up on its own — the row it waits for is, and is listed for staff; it looks again when told.
      const waiting = error instanceof WaitFor;
      const giveUp = !waiting && (error instanceof GatewayRefused || message.attempts + 1 >= MAX_ATTEMPTS);
      const delay = waiting ? error.retryInMs : backoffMs(message.attempts);
      await uow.read.outboxWork.markFailed(message.id, text, new Date(now + delay), giveUp, !waiting);
      if (!(error instanceof WaitFor))
        logger.warn(`Delivery of ${message.kind} ${message.key} failed (attempt ${message.attempts + 1}): ${text}`);
    }
  }

  /**
   * Up to DELIVERY_CONCURRENCY at once, each next row starting as soon as one is done. A delivery's failure is
   * recorded on its row; only a failure to record it (the database gone) ends the pass, and the rows
   * it claimed wait for their lease to run out.
   */
  async function inParallel(messages: OutboxRecord[]): Promise<void> {
    let next = 0;
    const lane = async () => {
      for (let message = messages[next++]; message; message = messages[next++]) await deliverOne(message);
    };
    await Promise.all(Array.from({ length: Math.min(DELIVERY_CONCURRENCY, messages.length) }, lane));
  }

  async function runOnce(): Promise<number> {
    // One statement claims the rows and sets their lease: it needs no transaction around it.
    const due = await uow.read.outboxWork.claimDue(clock.now(), LEASE_MS, CLAIM_SIZE);
    // Rows are independent, so they go out several at a time; meetings and Stripe calls first,
    // because the payment emails carry the meeting's join link.
    await inParallel(due.filter((message) => message.kind !== 'email'));
    await inParallel(due.filter((message) => message.kind === 'email'));
    return due.length;
  }

  /**
   * Runs passes now unless they are running; returns how many rows they handled. `untilIdle` (a
   * caller waiting for the outbox to be drained): passes go on until one finds nothing, so rows made
   * due by the deliveries themselves go out too. Otherwise (a kick, the timer) a pass that claimed
   * less than its limit took everything due and ends the run: rows written since come with a kick or
   * wait for the timer's next pass, which saves a claim per commit.
   */
  async function passes(untilIdle: boolean): Promise<number> {
    if (untilIdle) exhaustive = true;
    if (running) {
      kicked = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      try {
        for (let pass = 0; pass < 20; pass += 1) {
          kicked = false;
          const handled = await runOnce();
          total += handled;
          if ((handled === 0 || (!isExhaustive() && handled < CLAIM_SIZE)) && !wasKicked()) break;
        }
      } finally {
        running = null;
        exhaustive = false;
      }
      return total;
    })();
    return running;
  }
  const drain = () => passes(true);
  const pass = () => void passes(false).catch((error: unknown) => logger.error('Outbox pass failed', error));

  return {
    drain,
    /** Ask for a pass soon (after a commit that wrote outbox rows). */
    kick(): void {
      setImmediate(pass);
    },
    start(intervalMs = 1000): void {
      timer ??= setInterval(pass, intervalMs);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
    async idle(): Promise<void> {
      while (running) await running;
    },
  };
}

export type OutboxWorker = ReturnType<typeof createOutboxWorker>;
