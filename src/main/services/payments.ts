import { z } from 'zod';
import type { Actor } from '../domain/actors';
import { decideBookingTransition } from '../domain/booking-machine';
import { DomainError } from '../domain/errors';
import { decidePaymentTransition, type PaymentAction } from '../domain/payment-machine';
import { assertStaffCan } from '../domain/permissions';
import { idSchema, reasonSchema } from '../../shared/schemas';
import { auditEntry } from './audit';
import { applyBookingTransition } from './bookings';
import type { ServiceDeps } from './context';
import {
  GatewayRefused,
  GatewayUnavailable,
  type GatewayEvent,
  type IntentSnapshot,
  type PaymentGateway,
} from './gateways';
import type { BookingRecord, PaymentRecord, Repositories } from './ports';
import { parseInput } from './validation';

const SYSTEM: Actor = { kind: 'SYSTEM', process: 'stripe' };
const paymentMethodId = z.string().regex(/^pm_[A-Za-z0-9_]+$/, 'must be a Stripe payment method id (pm_…)');

export const attachMethodInput = z.object({ studentId: idSchema, paymentMethodId });
export const createIntentInput = z.object({ bookingId: idSchema, paymentMethodId: paymentMethodId.optional() });
export const confirmInput = z.object({
  paymentIntentId: z.string().regex(/^pi_[A-Za-z0-9]+$/, 'must be a Stripe payment intent id (pi_…)'),
  paymentMethodId: paymentMethodId.optional(),
});
export const cancelPaidInput = z.object({
  id: idSchema,
  reason: reasonSchema,
  expectedVersion: z.number().int().positive().optional(),
});

export interface PaymentDeps extends ServiceDeps {
  gateway: PaymentGateway;
}

function integrationError(error: unknown, what: string): DomainError {
  if (error instanceof GatewayUnavailable) {
    return new DomainError(
      'INTEGRATION_FAILED',
      `${what}: Stripe did not answer (${error.message}). Nothing was lost; try again, and reconciliation will settle anything left open.`,
    );
  }
  if (error instanceof GatewayRefused) {
    return new DomainError(
      error.code === 'card_declined' || error.declineCode ? 'PAYMENT_DECLINED' : 'INTEGRATION_FAILED',
      `${what}: ${error.message}`,
      {
        code: error.code,
        declineCode: error.declineCode,
      },
    );
  }
  return error instanceof DomainError
    ? error
    : new DomainError('INTEGRATION_FAILED', `${what}: ${error instanceof Error ? error.message : String(error)}`);
}

/** Moves a payment record through its table (R14, R15, R21–R24) and writes it. */
export async function applyPaymentTransition(
  repos: Repositories,
  payment: PaymentRecord,
  action: PaymentAction,
  actor: Actor,
  patch: Partial<PaymentRecord> = {},
  refundAmountMinor?: number,
): Promise<PaymentRecord> {
  const decision = decidePaymentTransition(action, actor, {
    paymentId: payment.id,
    status: payment.status,
    amountMinor: payment.amountMinor,
    refundedMinor: payment.refundedMinor,
    refundAmountMinor,
  });
  return repos.payments.update(payment.id, {
    ...patch,
    status: decision.to,
    ...(action === 'refund' && refundAmountMinor !== undefined
      ? { refundedMinor: payment.refundedMinor + refundAmountMinor }
      : {}),
  });
}

export function createPaymentService(deps: PaymentDeps) {
  const { uow, clock, gateway, events } = deps;

  const announce = (booking: BookingRecord, action: string) =>
    events?.publish({
      type: 'booking.changed',
      bookingId: booking.id,
      action,
      status: booking.status,
      paymentStatus: booking.paymentStatus,
      version: booking.version,
      at: booking.updatedAt,
    });

  async function customerFor(studentId: number): Promise<string> {
    const student = await uow.read.people.findStudent(studentId);
    if (!student) throw new DomainError('NOT_FOUND', `Student ${studentId} does not exist`);
    if (student.stripeCustomerId) return student.stripeCustomerId;
    const customerId = await gateway
      .createCustomer({ email: student.email, name: student.name, studentId }, `student:${studentId}:customer`)
      .catch((error: unknown) => {
        throw integrationError(error, 'Creating the Stripe customer failed');
      });
    await uow.transaction((repos) => repos.payments.setStudentCustomer(studentId, customerId));
    return customerId;
  }

  /**
   * Brings the local payment (and its booking) to what Stripe says the intent is now. Used after a
   * confirm, for every webhook or polled event, and by reconciliation; it reads Stripe's current
   * state rather than the event's, so repeated or shuffled events end in the same place (R25).
   */
  async function syncIntent(
    snapshot: IntentSnapshot,
    attemptId: number | null,
    repos: Repositories,
  ): Promise<BookingRecord | null> {
    const found = await repos.payments.findByIntentId(snapshot.id);
    if (!found) return null;
    await repos.payments.lockPayment(found.id);
    const payment = (await repos.payments.findById(found.id)) ?? found;
    const now = clock.now();
    const booking = await repos.bookings.findById(payment.bookingId);
    if (!booking) throw new Error(`Payment ${payment.id} refers to a missing booking`);
    let changed: BookingRecord | null = null;
    const bookingStep = async (action: 'payment_succeeded' | 'payment_failed') => {
      changed = (await applyBookingTransition(repos, now, SYSTEM, action, booking.id, {})).booking;
    };
    if (snapshot.status === 'succeeded') {
      if (payment.status === 'PENDING' || payment.status === 'FAILED') {
        await applyPaymentTransition(repos, payment, 'succeed', SYSTEM, {
          paidAt: now,
          stripeStatus: snapshot.status,
          stripeChargeId: snapshot.latestChargeId,
          lastError: null,
        });
        if (
          booking.status === 'CONFIRMED' &&
          (booking.paymentStatus === 'PENDING' || booking.paymentStatus === 'FAILED')
        ) {
          await bookingStep('payment_succeeded');
        } else {
          await repos.payments.openMismatch({
            paymentId: payment.id,
            bookingId: booking.id,
            kind: 'paid_after_cancel',
            localState: `booking ${booking.status}/${booking.paymentStatus}`,
            stripeState: 'payment_intent succeeded',
            detail: `Stripe took ${payment.amountMinor} ${payment.currency} for booking ${booking.id}, which is ${booking.status}. Refund the student or reinstate the booking.`,
            detectedAt: now,
          });
        }
      } else if (payment.status === 'CANCELED') {
        await repos.payments.openMismatch({
          paymentId: payment.id,
          bookingId: booking.id,
          kind: 'paid_after_cancel',
          localState: 'payment CANCELED',
          stripeState: 'payment_intent succeeded',
          detail: `The intent was cancelled here but succeeded at Stripe.`,
          detectedAt: now,
        });
      }
    } else if (snapshot.status === 'requires_payment_method' && snapshot.lastError) {
      if (payment.status === 'PENDING') {
        await applyPaymentTransition(repos, payment, 'fail', SYSTEM, {
          stripeStatus: snapshot.status,
          lastError: snapshot.lastError.message,
        });
        if (booking.status === 'CONFIRMED' && booking.paymentStatus === 'PENDING') await bookingStep('payment_failed');
      }
    } else if (snapshot.status === 'canceled') {
      if (payment.status === 'PENDING' || payment.status === 'FAILED') {
        await applyPaymentTransition(repos, payment, 'cancel', SYSTEM, { stripeStatus: snapshot.status });
      } else if (payment.status === 'PAID') {
        await repos.payments.openMismatch({
          paymentId: payment.id,
          bookingId: booking.id,
          kind: 'paid_here_canceled_there',
          localState: 'payment PAID',
          stripeState: 'payment_intent canceled',
          detail: 'Paid here, but Stripe shows the intent as canceled.',
          detectedAt: now,
        });
      }
    } else if (payment.stripeStatus !== snapshot.status) {
      await repos.payments.update(payment.id, { stripeStatus: snapshot.status });
    }
    if (attemptId !== null) {
      await repos.payments.updateAttempt(attemptId, {
        status: snapshot.status === 'requires_payment_method' && snapshot.lastError ? 'failed' : snapshot.status,
        errorCode: snapshot.lastError?.code ?? null,
        declineCode: snapshot.lastError?.declineCode ?? null,
        message:
          snapshot.lastError?.message ??
          (snapshot.status === 'requires_action' ? 'Waiting for the student to authenticate (3-D Secure)' : null),
        completedAt: snapshot.status === 'requires_action' ? null : now,
      });
    }
    return changed;
  }

  async function sync(snapshot: IntentSnapshot, attemptId: number | null): Promise<void> {
    const changed = await uow.transaction((repos) => syncIntent(snapshot, attemptId, repos));
    if (changed) announce(changed, 'payment');
  }

  async function ensureIntent(payment: PaymentRecord, paymentMethod: string | null): Promise<IntentSnapshot> {
    if (payment.stripePaymentIntentId) {
      return gateway.retrievePaymentIntent(payment.stripePaymentIntentId).catch((error: unknown) => {
        throw integrationError(error, 'Reading the payment from Stripe failed');
      });
    }
    const booking = await uow.read.bookings.findById(payment.bookingId);
    if (!booking) throw new DomainError('NOT_FOUND', `Booking ${payment.bookingId} does not exist`);
    const customerId = await customerFor(booking.studentId);
    // R22: the key was stored with the payment before this call; a retry replays the same intent.
    const snapshot = await gateway
      .createPaymentIntent(
        {
          amountMinor: payment.amountMinor,
          currency: payment.currency,
          customerId,
          paymentMethodId: paymentMethod,
          bookingId: booking.id,
          paymentId: payment.id,
          description: `LinguaFlex booking ${booking.id}`,
        },
        payment.idempotencyKey,
      )
      .catch((error: unknown) => {
        throw integrationError(error, 'Creating the payment at Stripe failed');
      });
    await uow.transaction((repos) =>
      repos.payments.update(payment.id, { stripePaymentIntentId: snapshot.id, stripeStatus: snapshot.status }),
    );
    return snapshot;
  }

  return {
    syncIntent: sync,
    ensureIntent,

    /** R13/R16: a cancelled booking's open intent is cancelled at Stripe, then recorded here. */
    async cancelIntent(paymentId: number): Promise<void> {
      const payment = await uow.read.payments.findById(paymentId);
      if (!payment?.stripePaymentIntentId || (payment.status !== 'PENDING' && payment.status !== 'FAILED')) return;
      const snapshot = await gateway
        .cancelPaymentIntent(payment.stripePaymentIntentId, `payment:${payment.id}:cancel`)
        .catch(async (error: unknown) => {
          // Already succeeded or cancelled at Stripe: its current state decides.
          if (error instanceof GatewayRefused)
            return gateway.retrievePaymentIntent(payment.stripePaymentIntentId ?? '');
          throw error;
        });
      await sync(snapshot, null);
    },

    async attachMethod(actor: Actor, input: unknown) {
      assertStaffCan(actor, 'payments.operate');
      const data = parseInput(attachMethodInput, input, 'payment method');
      const customerId = await customerFor(data.studentId);
      const card = await gateway.attachPaymentMethod(data.paymentMethodId, customerId).catch((error: unknown) => {
        throw integrationError(error, 'Stripe refused the card');
      });
      return uow.transaction(async (repos) => {
        const saved = await repos.payments.saveMethod({
          studentId: data.studentId,
          stripePaymentMethodId: card.paymentMethodId,
          brand: card.brand,
          last4: card.last4,
          expMonth: card.expMonth,
          expYear: card.expYear,
          country: card.country,
          createdAt: clock.now(),
        });
        await repos.audit.append(
          auditEntry(actor, 'payment_method.attach', 'Student', data.studentId, clock.now(), {
            brand: card.brand,
            last4: card.last4,
          }),
        );
        return {
          id: saved.id,
          paymentMethodId: saved.stripePaymentMethodId,
          brand: saved.brand,
          last4: saved.last4,
          expMonth: saved.expMonth,
          expYear: saved.expYear,
          country: saved.country,
        };
      });
    },

    async listMethods(actor: Actor, input: unknown) {
      assertStaffCan(actor, 'payments.read');
      const { studentId } = parseInput(z.object({ studentId: idSchema }), input, 'student');
      return (await uow.read.payments.methods(studentId)).map((method) => ({
        id: method.id,
        paymentMethodId: method.stripePaymentMethodId,
        brand: method.brand,
        last4: method.last4,
        expMonth: method.expMonth,
        expYear: method.expYear,
        country: method.country,
      }));
    },

    /** R21–R23: one payment per booking; a second request returns the first intent, never a second charge. */
    async createIntent(actor: Actor, input: unknown) {
      assertStaffCan(actor, 'payments.operate');
      const data = parseInput(createIntentInput, input, 'payment request');
      const payment = await uow.transaction(async (repos) => {
        await repos.payments.lockBooking(data.bookingId);
        const existing = (await repos.payments.forBooking(data.bookingId)).find(
          (candidate) => candidate.status !== 'CANCELED',
        );
        if (existing) return existing;
        const now = clock.now();
        const { booking } = await applyBookingTransition(repos, now, actor, 'start_payment', data.bookingId, {});
        const count = (await repos.payments.forBooking(data.bookingId)).length;
        const created = await repos.payments.create({
          bookingId: booking.id,
          // R6: the amount is the booking's stored quote, never a client's number.
          amountMinor: booking.totalMinor,
          currency: booking.currency,
          idempotencyKey: `booking:${booking.id}:payment:${count + 1}:create-intent`,
          createdAt: now,
        });
        await repos.audit.append(
          auditEntry(actor, 'payment.create', 'Payment', created.id, now, {
            bookingId: booking.id,
            amountMinor: created.amountMinor,
          }),
        );
        return created;
      });
      const snapshot = await ensureIntent(payment, data.paymentMethodId ?? null);
      return {
        paymentId: payment.id,
        paymentIntentId: snapshot.id,
        clientSecret: snapshot.clientSecret,
        amountMinor: payment.amountMinor,
        currency: payment.currency,
        status: (await uow.read.payments.findById(payment.id))?.status ?? payment.status,
        stripeStatus: snapshot.status,
      };
    },

    /** Confirms the intent with a card; a decline is a recorded attempt (FAILED), not an error. */
    async confirm(actor: Actor, input: unknown) {
      assertStaffCan(actor, 'payments.operate');
      const data = parseInput(confirmInput, input, 'payment confirmation');
      const prepared = await uow.transaction(async (repos) => {
        const found = await repos.payments.findByIntentId(data.paymentIntentId);
        if (!found) throw new DomainError('NOT_FOUND', `No payment here has the intent ${data.paymentIntentId}`);
        await repos.payments.lockPayment(found.id);
        const payment = (await repos.payments.findById(found.id)) ?? found;
        if (payment.status === 'PAID' || payment.status === 'PARTIALLY_REFUNDED' || payment.status === 'REFUNDED')
          return { payment, attempt: null };
        if (payment.status === 'CANCELED')
          throw new DomainError(
            'ILLEGAL_TRANSITION',
            `Payment ${payment.id} was cancelled; start a new payment for the booking`,
          );
        const now = clock.now();
        if (payment.status === 'FAILED') {
          // R15: the student may retry: FAILED → PENDING with a new attempt.
          await applyPaymentTransition(repos, payment, 'retry', actor);
          await applyBookingTransition(repos, now, actor, 'start_payment', payment.bookingId, {});
        }
        const attempts = await repos.payments.attempts(payment.id);
        const attempt = await repos.payments.addAttempt({
          paymentId: payment.id,
          stripePaymentMethodId: data.paymentMethodId ?? null,
          idempotencyKey: `payment:${payment.id}:confirm:${attempts.length + 1}`,
          createdAt: now,
        });
        return { payment, attempt };
      });
      if (!prepared.attempt) {
        return {
          paymentId: prepared.payment.id,
          bookingId: prepared.payment.bookingId,
          status: prepared.payment.status,
          stripeStatus: prepared.payment.stripeStatus,
          message: 'Already paid',
        };
      }
      let snapshot: IntentSnapshot;
      try {
        snapshot = await gateway.confirmPaymentIntent(
          data.paymentIntentId,
          data.paymentMethodId ?? null,
          prepared.attempt.idempotencyKey,
        );
      } catch (error) {
        if (error instanceof GatewayRefused) {
          // E.g. a double submit: the other confirm already charged. Stripe's current state decides.
          snapshot = await gateway.retrievePaymentIntent(data.paymentIntentId).catch((inner: unknown) => {
            throw integrationError(inner, 'Reading the payment from Stripe failed');
          });
          await uow.transaction((repos) =>
            repos.payments.updateAttempt(prepared.attempt.id, {
              status: 'refused',
              message: error.message,
              completedAt: clock.now(),
            }),
          );
          await sync(snapshot, null);
        } else {
          await uow.transaction((repos) =>
            repos.payments.updateAttempt(prepared.attempt.id, {
              status: 'unknown',
              message: error instanceof Error ? error.message : String(error),
            }),
          );
          throw integrationError(error, 'Confirming the payment failed');
        }
        const after = await uow.read.payments.findById(prepared.payment.id);
        return {
          paymentId: prepared.payment.id,
          bookingId: prepared.payment.bookingId,
          status: after?.status ?? prepared.payment.status,
          stripeStatus: snapshot.status,
          message: error.message,
        };
      }
      await sync(snapshot, prepared.attempt.id);
      const after = await uow.read.payments.findById(prepared.payment.id);
      return {
        paymentId: prepared.payment.id,
        bookingId: prepared.payment.bookingId,
        status: after?.status ?? prepared.payment.status,
        stripeStatus: snapshot.status,
        message:
          snapshot.status === 'requires_action'
            ? 'Waiting for the student to authenticate (3-D Secure)'
            : (snapshot.lastError?.message ?? (snapshot.status === 'succeeded' ? 'Paid' : snapshot.status)),
      };
    },

    async get(actor: Actor, input: unknown) {
      assertStaffCan(actor, 'payments.read');
      const { id } = parseInput(z.object({ id: idSchema }), input, 'payment lookup');
      const payment = await uow.read.payments.findById(id);
      if (!payment) throw new DomainError('NOT_FOUND', `Payment ${id} does not exist`);
      const [attempts, refunds] = await Promise.all([
        uow.read.payments.attempts(id),
        uow.read.payments.refundRequests({ paymentId: id, limit: 100 }),
      ]);
      return { ...payment, attempts, refunds };
    },

    async forBooking(actor: Actor, bookingId: number) {
      assertStaffCan(actor, 'payments.read');
      const payments = await uow.read.payments.forBooking(bookingId);
      return Promise.all(
        payments.map(async (payment) => ({
          ...payment,
          attempts: await uow.read.payments.attempts(payment.id),
          refunds: await uow.read.payments.refundRequests({ paymentId: payment.id, limit: 100 }),
        })),
      );
    },

    async list(actor: Actor, input: unknown) {
      assertStaffCan(actor, 'payments.read');
      const query = parseInput(
        z.object({
          status: z
            .enum(['PENDING', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'FAILED', 'CANCELED', 'REQUIRES_ACTION'])
            .optional(),
          cursor: z.number().int().positive().optional(),
          limit: z.number().int().min(1).max(200).optional(),
        }),
        input ?? {},
        'payment list query',
      );
      const limit = query.limit ?? 50;
      const statuses = query.status === 'REQUIRES_ACTION' ? ['PENDING'] : query.status ? [query.status] : undefined;
      let rows = await uow.read.payments.list({ statuses, beforeId: query.cursor, limit: limit + 1 });
      if (query.status === 'REQUIRES_ACTION') rows = rows.filter((row) => row.stripeStatus === 'requires_action');
      const items = rows.slice(0, limit);
      return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    },

    /** A Stripe event (webhook or poller): applied at most once per event id (R25). */
    async handleEvent(event: GatewayEvent): Promise<'applied' | 'duplicate' | 'ignored'> {
      if (!event.paymentIntentId) {
        const fresh = await uow.transaction((repos) => repos.payments.recordEvent(event.id, event.type));
        return fresh ? 'ignored' : 'duplicate';
      }
      // Webhooks and the poller both deliver every event: skip Stripe for ones already applied.
      if (await uow.read.payments.hasEvent(event.id)) return 'duplicate';
      const snapshot = await gateway.retrievePaymentIntent(event.paymentIntentId);
      const result = await uow.transaction(async (repos) => {
        if (!(await repos.payments.recordEvent(event.id, event.type)))
          return { outcome: 'duplicate' as const, changed: null };
        if (!(await repos.payments.findByIntentId(snapshot.id))) return { outcome: 'ignored' as const, changed: null };
        return { outcome: 'applied' as const, changed: await syncIntent(snapshot, null, repos) };
      });
      if (result.changed) announce(result.changed, 'payment');
      return result.outcome;
    },

    /** R18: an admin cancels a paid booking; the full amount goes back first, then the states change. */
    async cancelPaid(actor: Actor, input: unknown) {
      assertStaffCan(actor, 'bookings.cancelPaid');
      const data = parseInput(cancelPaidInput, input, 'cancellation');
      const prepared = await uow.transaction(async (repos) => {
        await repos.payments.lockBooking(data.id);
        const booking = await repos.bookings.findById(data.id);
        if (!booking) throw new DomainError('NOT_FOUND', `Booking ${data.id} does not exist`);
        if (data.expectedVersion !== undefined && data.expectedVersion !== booking.version) {
          throw new DomainError(
            'CONFLICT',
            `Booking ${data.id} was changed by someone else (it is now ${booking.status}, payment ${booking.paymentStatus}); reload it and try again`,
          );
        }
        // Decided by the table (role, state, reason) before any money moves; applied after the refund.
        decideBookingTransition('cancel_paid', actor, {
          bookingId: booking.id,
          state: { status: booking.status, paymentStatus: booking.paymentStatus },
          startsAt: booking.startsAt,
          endsAt: booking.endsAt,
          minutes: booking.minutes,
          now: clock.now(),
          reason: data.reason,
        });
        const payment = (await repos.payments.forBooking(booking.id)).find((candidate) => candidate.status === 'PAID');
        if (!payment?.stripePaymentIntentId)
          throw new DomainError('ILLEGAL_TRANSITION', `Booking ${booking.id} has no Stripe payment to refund`);
        const key = `booking:${booking.id}:cancel-paid:refund`;
        const existing = (await repos.payments.refundRequests({ paymentId: payment.id, limit: 100 })).find(
          (request) => request.idempotencyKey === key,
        );
        const request =
          existing ??
          (await repos.payments.createRefundRequest({
            paymentId: payment.id,
            bookingId: booking.id,
            amountMinor: payment.amountMinor - payment.refundedMinor,
            currency: payment.currency,
            reason: data.reason,
            status: 'APPROVED',
            requestedById: actor.kind === 'STAFF' ? actor.id : 0,
            idempotencyKey: key,
            source: 'cancel_paid',
            createdAt: clock.now(),
          }));
        return { booking, payment, request };
      });
      const refund = await gateway
        .createRefund(
          {
            paymentIntentId: prepared.payment.stripePaymentIntentId ?? '',
            amountMinor: prepared.request.amountMinor,
            refundRequestId: prepared.request.id,
          },
          prepared.request.idempotencyKey,
        )
        .catch((error: unknown) => {
          throw integrationError(
            error,
            `Refunding booking ${prepared.booking.id} at Stripe failed; nothing was changed here`,
          );
        });
      const booking = await uow.transaction(async (repos) => {
        const now = clock.now();
        await repos.payments.lockPayment(prepared.payment.id);
        const payment = await repos.payments.findById(prepared.payment.id);
        if (!payment) throw new Error('payment vanished');
        await repos.payments.updateRefundRequest(prepared.request.id, {
          status: 'SUCCEEDED',
          stripeRefundId: refund.id,
          processedAt: now,
          firstApproverId: actor.kind === 'STAFF' ? actor.id : null,
        });
        await applyPaymentTransition(
          repos,
          payment,
          'refund',
          actor.kind === 'STAFF' && actor.role === 'ADMIN' ? actor : SYSTEM,
          {},
          prepared.request.amountMinor,
        );
        const result = await applyBookingTransition(repos, now, actor, 'cancel_paid', prepared.booking.id, {
          reason: data.reason,
          handledEffects: ['refund_payment'],
        });
        return result.booking;
      });
      announce(booking, 'cancel_paid');
      return booking;
    },
  };
}

export type PaymentService = ReturnType<typeof createPaymentService>;
