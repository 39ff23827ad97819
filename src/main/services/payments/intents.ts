import type { z } from 'zod';
import { DomainError } from '../../domain/errors';
import {
  decidePaymentTransition,
  paymentActionOpenFrom,
  paymentStillOpen,
  paymentTookMoney,
} from '../../domain/payment-machine';
import { auditEntry } from '../audit';
import { inTransaction, type ServiceDeps } from '../context';
import { loadSettings } from '../settings';
import { GatewayRefused, GatewayUnavailable, type IntentSnapshot, type PaymentGateway } from '../gateways';
import { applyBookingTransition, assertOwnBooking } from '../lifecycle/booking';
import { applyPaymentTransition } from '../lifecycle/payment';
import { lockInOrder } from '../lifecycle/locks';
import { lifecycleRecord } from '../lifecycle/records';
import { moneyCall, refusalError } from '../money-calls';
import type { BookingRecord, PaymentRecord, Repositories } from '../ports';
import { implement } from '../use-case';
import { customerFor } from './customers';
import { syncIntent, type PaymentOfBooking } from './intent-sync';
import { PAYMENT_USE_CASES } from './specs';

type PaymentDeps = ServiceDeps & { gateway: PaymentGateway };

/** Intents Stripe still lets us cancel: a cancellation that leaves one of these has not happened. */
const CANCELABLE_INTENT = new Set([
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'requires_capture',
]);

/** Intents that confirming again cannot change: adopt them instead of confirming (R28). */
const SETTLED_INTENT = new Set(['succeeded', 'processing', 'requires_capture', 'canceled']);

const attemptKey = (base: string, attempt: number) => (attempt === 1 ? base : `${base}:attempt-${attempt}`);
const baseKey = (key: string) => key.replace(/:attempt-\d+$/, '');

/**
 * Reading an intent back failed: a refusal in Stripe's words, or Stripe not answering (timeout,
 * reset) as INTEGRATION_FAILED that says nothing was lost — never a raw gateway error to the caller.
 */
function readFailed(after: string | null, error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  const when = after ? ` after ${after}` : '';
  if (error instanceof GatewayRefused) return refusalError(`Reading the payment from Stripe${when} failed`, error);
  return new DomainError(
    'INTEGRATION_FAILED',
    `Stripe did not answer when the payment was read${when} (${error instanceof Error ? error.message : String(error)}). Nothing is charged twice: try again in a moment, or the next reconciliation settles it.`,
  );
}

export function createIntentUseCases(deps: PaymentDeps) {
  const { uow, clock, gateway } = deps;

  /** Applies Stripe's state of the intent; `record` writes what else this answer tells, in the same transaction. */
  async function sync(
    snapshot: IntentSnapshot,
    payment: PaymentOfBooking,
    record?: (repos: Repositories) => Promise<void>,
  ): Promise<PaymentRecord> {
    return inTransaction(deps, async (repos, changes) => {
      // Sent together (what `record` writes first, then the locks syncIntent takes), in one round trip.
      const [, synced] = await Promise.all([
        record?.(repos),
        syncIntent(repos, clock.now(), snapshot, payment, changes),
      ]);
      return synced;
    });
  }

  /**
   * The payment's intent at Stripe, created if needed (R22, R28): its key was stored with the
   * payment before the call; an attempt whose answer was lost is looked up by metadata before it is
   * sent again; a refused attempt burns its key, so the next try gets a new one.
   */
  async function ensureIntent(
    payment: PaymentRecord,
    paymentMethodId: string | null,
    /** The payment's booking, when the caller just read it. */
    known?: BookingRecord,
  ): Promise<IntentSnapshot> {
    if (payment.stripePaymentIntentId) {
      return gateway.retrievePaymentIntent(payment.stripePaymentIntentId).catch((error: unknown) => {
        throw readFailed(null, error);
      });
    }
    const booking = known?.id === payment.bookingId ? known : await uow.read.bookings.findById(payment.bookingId);
    if (!booking) throw new DomainError('NOT_FOUND', `Booking ${payment.bookingId} does not exist`);
    const customerId = await customerFor(deps, booking.studentId);
    const result = await moneyCall({
      what: `Creating the payment for booking ${booking.id}`,
      maySendAgain: payment.intentSentAt !== null || payment.intentAttempt > 1,
      lookup: () => gateway.findPaymentIntent(customerId, payment.id),
      markSent: async () => {
        await uow.read.payments.recordStripeFacts(payment.id, { intentSentAt: clock.now() }, clock.now());
      },
      send: () =>
        gateway.createPaymentIntent(
          {
            amountMinor: payment.amountMinor,
            currency: payment.currency,
            customerId,
            paymentMethodId,
            bookingId: booking.id,
            paymentId: payment.id,
            description: `LinguaFlex booking ${booking.id}`,
          },
          payment.idempotencyKey,
        ),
    });
    if (result.kind === 'refused') {
      const next = payment.intentAttempt + 1;
      await uow.transaction((repos) =>
        repos.payments.recordStripeFacts(
          payment.id,
          {
            intentAttempt: next,
            idempotencyKey: attemptKey(baseKey(payment.idempotencyKey), next),
            intentSentAt: null,
            lastError: result.error.message,
          },
          clock.now(),
        ),
      );
      throw refusalError(`Stripe refused to create the payment for booking ${booking.id}`, result.error);
    }
    await uow.read.payments.recordStripeFacts(
      payment.id,
      { stripePaymentIntentId: result.value.id, stripeStatus: result.value.status },
      clock.now(),
    );
    return result.value;
  }

  /**
   * R13/R16 (outbox): a cancelled payment's intent is cancelled at Stripe; Stripe's answer decides.
   * `delivery` counts the outbox's tries. R28: an answer that came back is final for its key — a 5xx
   * is replayed for that key for a day — so each try after the first looks the intent up and, if it
   * is still open, cancels it under a key of its own. A refusal that left the intent open is no
   * outcome: the outbox tries again.
   */
  async function cancelAtStripe(paymentId: number, delivery = 1): Promise<void> {
    const payment = await uow.read.payments.findById(paymentId);
    if (!payment) return;
    let intentId = payment.stripePaymentIntentId;
    if (!intentId && (payment.intentSentAt !== null || payment.intentAttempt > 1)) {
      const booking = await uow.read.bookings.findById(payment.bookingId);
      const student = booking ? await uow.read.people.findStudent(booking.studentId) : null;
      intentId = student?.stripeCustomerId
        ? ((await gateway.findPaymentIntent(student.stripeCustomerId, payment.id))?.id ?? null)
        : null;
    }
    if (!intentId) return; // nothing ever reached Stripe
    if (delivery > 1) {
      const current = await gateway.retrievePaymentIntent(intentId);
      if (!CANCELABLE_INTENT.has(current.status)) {
        await sync(current, payment);
        return;
      }
    }
    const key = delivery > 1 ? `payment:${payment.id}:cancel:attempt-${delivery}` : `payment:${payment.id}:cancel`;
    let snapshot: IntentSnapshot;
    try {
      snapshot = await gateway.cancelPaymentIntent(intentId, key);
    } catch (error) {
      if (!(error instanceof GatewayRefused)) throw error;
      // Already succeeded or cancelled at Stripe: its current state decides (a paid one is a mismatch).
      snapshot = await gateway.retrievePaymentIntent(intentId);
      if (CANCELABLE_INTENT.has(snapshot.status))
        throw new GatewayUnavailable(
          `Stripe answered ${error.status ?? 'an error'} to cancelling ${intentId} (${error.message}) and the intent is still ${snapshot.status}; trying again with a new key`,
        );
    }
    await sync(snapshot, payment);
  }

  /** R21–R23: one payment per booking; a second request returns the first intent, never a second charge. */
  const createIntent = implement(PAYMENT_USE_CASES.createIntent, async (actor, input) => {
    const { payment, created, booking } = await inTransaction(deps, async (repos, changes) => {
      // The payments are read under the booking's lock, sent after it (lockInOrder), with the settings
      // the booking's transition decides with: in one round trip.
      const [booking, payments, settings] = await Promise.all([
        repos.bookings.lock(input.bookingId),
        repos.payments.forBooking(input.bookingId),
        loadSettings(repos),
      ]);
      if (!booking) throw new DomainError('NOT_FOUND', `Booking ${input.bookingId} does not exist`);
      assertOwnBooking(actor, booking);
      const existing = payments.find(
        (candidate) => paymentStillOpen(candidate.status) || paymentTookMoney(candidate.status),
      );
      if (existing) return { payment: existing, created: false, booking };
      const now = clock.now();
      await applyBookingTransition(
        repos,
        now,
        actor,
        booking.id,
        { action: 'start_payment', locked: booking, settings },
        changes,
      );
      const decision = decidePaymentTransition('create', actor, {
        status: null,
        amountMinor: booking.totalMinor,
        refundedMinor: 0,
      });
      const inserted = await repos.payments.insert(
        {
          bookingId: booking.id,
          // R6: the amount is the booking's stored quote, never a client's number.
          amountMinor: booking.totalMinor,
          currency: booking.currency,
          idempotencyKey: `booking:${booking.id}:payment:${payments.length + 1}:create-intent`,
          status: decision.to,
          createdAt: now,
        },
        lifecycleRecord(actor, 'create', null, decision.to, now, {
          bookingId: booking.id,
          data: { amountMinor: booking.totalMinor },
        }),
      );
      changes.payments.set(inserted.id, { bookingId: booking.id, status: inserted.status });
      await repos.audit.append(
        auditEntry(actor, 'payment.create', 'Payment', inserted.id, now, {
          bookingId: booking.id,
          amountMinor: inserted.amountMinor,
        }),
      );
      return { payment: inserted, created: true, booking };
    });
    const snapshot = await ensureIntent(payment, input.paymentMethodId ?? null, booking);
    const current = (await uow.read.payments.findById(payment.id)) ?? payment;
    return {
      paymentId: payment.id,
      bookingId: payment.bookingId,
      paymentIntentId: snapshot.id,
      clientSecret: snapshot.clientSecret,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      status: current.status,
      stripeStatus: snapshot.status,
      created,
    };
  });

  /** Confirms the intent with a card; a decline is a recorded attempt (FAILED), not an error. */
  const confirm = implement(PAYMENT_USE_CASES.confirm, async (actor, input) => {
    const prepared = await inTransaction(deps, async (repos, changes) => {
      const found = await repos.payments.findByIntentId(input.paymentIntentId);
      if (!found) throw new DomainError('NOT_FOUND', `No payment here has the intent ${input.paymentIntentId}`);
      // A retry moves the booking too (start_payment): its row first, as cancelling locks it (R13).
      // Its attempts are read under the locks, sent after them in one round trip (lockInOrder).
      const [locked, attempts] = await Promise.all([
        lockInOrder(repos, { bookingId: found.bookingId, paymentId: found.id }),
        repos.payments.attempts(found.id),
      ]);
      const booking = locked.booking;
      if (!booking) throw new DomainError('NOT_FOUND', `Booking ${found.bookingId} does not exist`);
      assertOwnBooking(actor, booking);
      let payment = locked.payment ?? found;
      if (paymentTookMoney(payment.status)) return { payment, attempt: null, earlier: 0 };
      const now = clock.now();
      if (paymentActionOpenFrom('retry', payment.status)) {
        // R15: the student may retry: FAILED → PENDING with a new attempt.
        payment = await applyPaymentTransition(repos, now, actor, payment, { action: 'retry' }, changes);
        await applyBookingTransition(
          repos,
          now,
          actor,
          payment.bookingId,
          { action: 'start_payment', locked: booking },
          changes,
        );
      } else if (!paymentStillOpen(payment.status)) {
        throw new DomainError(
          'ILLEGAL_TRANSITION',
          `Payment ${payment.id} is ${payment.status}; start a new payment for the booking`,
        );
      }
      const earlier = attempts.length; // a retry adds none: it moves the same payment
      const attempt = await repos.payments.addAttempt({
        paymentId: payment.id,
        stripePaymentMethodId: input.paymentMethodId ?? null,
        idempotencyKey: `payment:${payment.id}:confirm:${earlier + 1}`,
        createdAt: now,
      });
      return { payment, attempt, earlier };
    });
    const { payment, attempt } = prepared;
    const result = (status: string, stripeStatus: string | null, message: string, snapshot?: IntentSnapshot) => ({
      paymentId: payment.id,
      bookingId: payment.bookingId,
      status,
      stripeStatus,
      message,
      requiresAction: stripeStatus === 'requires_action',
      clientSecret: snapshot?.clientSecret ?? null,
      decline:
        snapshot?.lastError && status === 'FAILED'
          ? {
              code: snapshot.lastError.code,
              declineCode: snapshot.lastError.declineCode,
              message: snapshot.lastError.message,
            }
          : null,
    });
    if (!attempt) return result(payment.status, payment.stripeStatus, 'Already paid');
    const outcome = await moneyCall({
      what: `Confirming payment ${payment.id}`,
      // A previous attempt may have charged with its answer lost: look at the intent first (R28).
      maySendAgain: prepared.earlier > 0,
      lookup: async () => {
        const current = await gateway.retrievePaymentIntent(input.paymentIntentId);
        return SETTLED_INTENT.has(current.status) ? current : null;
      },
      markSent: () => Promise.resolve(),
      send: () =>
        gateway.confirmPaymentIntent(input.paymentIntentId, input.paymentMethodId ?? null, attempt.idempotencyKey),
    }).catch(async (error: unknown) => {
      await uow.transaction((repos) =>
        repos.payments.updateAttempt(attempt.id, {
          status: 'unknown',
          message: error instanceof Error ? error.message : String(error),
        }),
      );
      throw error;
    });
    if (outcome.kind === 'refused') {
      const refused = (repos: Repositories) =>
        repos.payments.updateAttempt(attempt.id, {
          status: 'refused',
          errorCode: outcome.error.code,
          message: outcome.error.message,
          completedAt: clock.now(),
        });
      // E.g. a double submit: the other confirm already charged. Stripe's current state decides.
      const current = await gateway.retrievePaymentIntent(input.paymentIntentId).catch(async (error: unknown) => {
        await uow.transaction(refused);
        throw readFailed(`Stripe refused to confirm payment ${payment.id} (${outcome.error.message})`, error);
      });
      const after = await sync(current, payment, refused);
      return result(after.status, current.status, outcome.error.message, current);
    }
    const snapshot = outcome.value;
    const message =
      snapshot.status === 'requires_action'
        ? 'Waiting for the student to authenticate (3-D Secure)'
        : (snapshot.lastError?.message ?? (snapshot.status === 'succeeded' ? 'Paid' : snapshot.status));
    // The attempt's outcome and the payment's new state commit together.
    const after = await sync(snapshot, payment, (repos) =>
      repos.payments.updateAttempt(attempt.id, {
        // The card charged, also when it was given when the intent was created rather than now.
        stripePaymentMethodId: attempt.stripePaymentMethodId ?? snapshot.paymentMethodId,
        status: snapshot.status === 'requires_payment_method' && snapshot.lastError ? 'failed' : snapshot.status,
        errorCode: snapshot.lastError?.code ?? null,
        declineCode: snapshot.lastError?.declineCode ?? null,
        message: snapshot.lastError?.message ?? (snapshot.status === 'requires_action' ? message : null),
        completedAt: snapshot.status === 'requires_action' ? null : clock.now(),
      }),
    );
    return result(after.status, snapshot.status, message, snapshot);
  });

  return { createIntent, confirm, ensureIntent, cancelAtStripe, sync };
}

export type IntentUseCases = ReturnType<typeof createIntentUseCases>;
export type ConfirmResult = Awaited<ReturnType<IntentUseCases['confirm']['run']>>;
export type CreateIntentInput = z.input<typeof PAYMENT_USE_CASES.createIntent.input>;
