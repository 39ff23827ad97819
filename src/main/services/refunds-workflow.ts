import { z } from 'zod';
import type { Actor } from '../domain/actors';
import { bookingActionOpenFrom } from '../domain/booking-machine';
import { DomainError } from '../domain/errors';
import { assertStaffCan } from '../domain/permissions';
import type { CurrencyCode } from '../domain/money';
import { decideRefundApproval, decideRefundRejection, validateRefundRequest } from '../domain/refunds';
import { idSchema, reasonSchema } from '../../shared/schemas';
import { auditEntry } from './audit';
import { applyBookingTransition } from './bookings';
import type { ServiceDeps } from './context';
import { GatewayRefused, GatewayUnavailable, type PaymentGateway } from './gateways';
import { applyPaymentTransition } from './payments';
import type { RefundRequestRecord } from './ports';
import { fourEyesThresholdFor, loadSettings } from './settings';
import { parseInput } from './validation';

export const requestRefundInput = z.object({
  paymentId: idSchema,
  amountMinor: z
    .number({ error: 'amountMinor must be a number' })
    .int('amountMinor must be a whole number of minor units')
    .positive('amountMinor must be positive'),
  reason: reasonSchema,
});

const OPEN = ['REQUESTED', 'AWAITING_SECOND_APPROVAL', 'APPROVED'] as const;

/**
 * R24: a refund request (who, amount, reason) is approved or rejected by someone else with the
 * right role — by two people above the four-eyes threshold — then refunded at Stripe, then the
 * payment and the booking move. More than remains is refused before Stripe is called.
 */
export function createRefundService(deps: ServiceDeps & { gateway: PaymentGateway }) {
  const { uow, clock, gateway, events } = deps;

  async function process(actor: Actor, id: number): Promise<RefundRequestRecord> {
    const prepared = await uow.transaction(async (repos) => {
      await repos.payments.lockRefundRequest(id);
      const request = await repos.payments.findRefundRequest(id);
      if (!request) throw new DomainError('NOT_FOUND', `Refund request ${id} does not exist`);
      if (request.status === 'SUCCEEDED') return { request, payment: null };
      if (request.status !== 'APPROVED' && request.status !== 'FAILED') {
        throw new DomainError(
          'ILLEGAL_TRANSITION',
          `Refund request ${id} is ${request.status}; only approved requests can be processed`,
        );
      }
      await repos.payments.lockPayment(request.paymentId);
      const payment = await repos.payments.findById(request.paymentId);
      if (!payment?.stripePaymentIntentId)
        throw new DomainError('ILLEGAL_TRANSITION', `Payment ${request.paymentId} has no Stripe payment to refund`);
      // Checked again here, before Stripe is called: another refund may have landed since the request.
      validateRefundRequest({
        amountMinor: request.amountMinor,
        reason: request.reason,
        refundableMinor: payment.amountMinor - payment.refundedMinor,
      });
      if (request.status === 'FAILED')
        await repos.payments.updateRefundRequest(id, { status: 'APPROVED', failureMessage: null });
      return { request, payment };
    });
    if (!prepared.payment) return prepared.request;
    let refundId: string;
    try {
      const refund = await gateway.createRefund(
        {
          paymentIntentId: prepared.payment.stripePaymentIntentId ?? '',
          amountMinor: prepared.request.amountMinor,
          refundRequestId: id,
        },
        prepared.request.idempotencyKey,
      );
      refundId = refund.id;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await uow.transaction((repos) =>
        repos.payments.updateRefundRequest(id, {
          status: error instanceof GatewayRefused ? 'FAILED' : 'APPROVED',
          failureMessage: message,
        }),
      );
      throw new DomainError(
        'INTEGRATION_FAILED',
        error instanceof GatewayUnavailable
          ? `Stripe did not answer; refund request ${id} stays approved and can be processed again (the same refund is never made twice).`
          : `Stripe refused refund request ${id}: ${message}`,
      );
    }
    const result = await uow.transaction(async (repos) => {
      const now = clock.now();
      await repos.payments.lockRefundRequest(id);
      const current = await repos.payments.findRefundRequest(id);
      if (current?.status === 'SUCCEEDED') return { request: current, booking: null };
      await repos.payments.lockPayment(prepared.request.paymentId);
      const payment = await repos.payments.findById(prepared.request.paymentId);
      if (!payment) throw new Error('payment vanished');
      const refundable = payment.amountMinor - payment.refundedMinor;
      await applyPaymentTransition(
        repos,
        payment,
        'refund',
        { kind: 'SYSTEM', process: 'refunds' },
        {},
        prepared.request.amountMinor,
      );
      const updated = await repos.payments.updateRefundRequest(id, {
        status: 'SUCCEEDED',
        stripeRefundId: refundId,
        processedAt: now,
        failureMessage: null,
      });
      const bookingState = await repos.bookings.findById(payment.bookingId);
      let booking = null;
      if (bookingState?.status === 'COMPLETED') {
        booking = (
          await applyBookingTransition(repos, now, actor, 'refund', payment.bookingId, {
            reason: prepared.request.reason,
            extra: { refund: { amountMinor: prepared.request.amountMinor, refundableMinor: refundable } },
            handledEffects: ['refund_payment'],
          })
        ).booking;
      }
      await repos.audit.append(
        auditEntry(actor, 'refund.process', 'RefundRequest', id, now, {
          stripeRefundId: refundId,
          amountMinor: prepared.request.amountMinor,
        }),
      );
      return { request: updated, booking };
    });
    if (result.booking) {
      events?.publish({
        type: 'booking.changed',
        bookingId: result.booking.id,
        action: 'refund',
        status: result.booking.status,
        paymentStatus: result.booking.paymentStatus,
        version: result.booking.version,
        at: result.booking.updatedAt,
      });
    }
    return result.request;
  }

  return {
    async request(actor: Actor, input: unknown): Promise<RefundRequestRecord> {
      assertStaffCan(actor, 'refunds.request');
      const data = parseInput(requestRefundInput, input, 'refund request');
      return uow.transaction(async (repos) => {
        await repos.payments.lockPayment(data.paymentId);
        const payment = await repos.payments.findById(data.paymentId);
        if (!payment) throw new DomainError('NOT_FOUND', `Payment ${data.paymentId} does not exist`);
        const booking = await repos.bookings.findById(payment.bookingId);
        if (!booking) throw new Error('booking vanished');
        const refundable = bookingActionOpenFrom('refund', booking);
        if (!refundable) {
          throw new DomainError(
            'ILLEGAL_TRANSITION',
            booking.status === 'CONFIRMED' && booking.paymentStatus === 'PAID'
              ? `Booking ${booking.id} has not taken place yet; an admin cancels it with a full refund instead (R18)`
              : `Booking ${booking.id} is ${booking.status} (payment ${booking.paymentStatus}); only completed, paid sessions can be refunded (R19)`,
          );
        }
        const open = (
          await repos.payments.refundRequests({ paymentId: payment.id, statuses: [...OPEN], limit: 100 })
        ).reduce((sum, request) => sum + request.amountMinor, 0);
        validateRefundRequest({
          amountMinor: data.amountMinor,
          reason: data.reason,
          refundableMinor: payment.amountMinor - payment.refundedMinor - open,
        });
        const now = clock.now();
        const created = await repos.payments.createRefundRequest({
          paymentId: payment.id,
          bookingId: booking.id,
          amountMinor: data.amountMinor,
          currency: payment.currency,
          reason: data.reason,
          status: 'REQUESTED',
          requestedById: actor.kind === 'STAFF' ? actor.id : 0,
          idempotencyKey: `refund-request:${payment.id}:${now.getTime()}:${Math.random().toString(36).slice(2, 10)}`,
          source: 'console',
          createdAt: now,
        });
        // R22: the Stripe key derives from our own record id and the operation.
        const keyed = await repos.payments.updateRefundRequest(created.id, {
          idempotencyKey: `refund-request:${created.id}:refund`,
        });
        await repos.audit.append(
          auditEntry(actor, 'refund.request', 'RefundRequest', created.id, now, {
            paymentId: payment.id,
            amountMinor: data.amountMinor,
            reason: data.reason,
          }),
        );
        return keyed;
      });
    },

    async approve(actor: Actor, input: unknown): Promise<RefundRequestRecord> {
      assertStaffCan(actor, 'refunds.approve');
      const { id } = parseInput(z.object({ id: idSchema }), input, 'approval');
      const decided = await uow.transaction(async (repos) => {
        await repos.payments.lockRefundRequest(id);
        const request = await repos.payments.findRefundRequest(id);
        if (!request) throw new DomainError('NOT_FOUND', `Refund request ${id} does not exist`);
        const settings = await loadSettings(repos);
        const decision = decideRefundApproval(
          request,
          actor,
          fourEyesThresholdFor(settings, request.currency as CurrencyCode),
        );
        const staffId = actor.kind === 'STAFF' ? actor.id : null;
        const updated = await repos.payments.updateRefundRequest(id, {
          status: decision.status,
          ...(decision.slot === 'first' ? { firstApproverId: staffId } : { secondApproverId: staffId }),
        });
        await repos.audit.append(
          auditEntry(actor, `refund.approve.${decision.slot}`, 'RefundRequest', id, clock.now(), {
            status: decision.status,
          }),
        );
        return updated;
      });
      return decided.status === 'APPROVED' ? process(actor, id) : decided;
    },

    async reject(actor: Actor, input: unknown): Promise<RefundRequestRecord> {
      assertStaffCan(actor, 'refunds.approve');
      const data = parseInput(z.object({ id: idSchema, note: reasonSchema }), input, 'rejection');
      return uow.transaction(async (repos) => {
        await repos.payments.lockRefundRequest(data.id);
        const request = await repos.payments.findRefundRequest(data.id);
        if (!request) throw new DomainError('NOT_FOUND', `Refund request ${data.id} does not exist`);
        decideRefundRejection(request, actor, data.note);
        const updated = await repos.payments.updateRefundRequest(data.id, {
          status: 'REJECTED',
          rejectedById: actor.kind === 'STAFF' ? actor.id : null,
          rejectNote: data.note,
        });
        await repos.audit.append(
          auditEntry(actor, 'refund.reject', 'RefundRequest', data.id, clock.now(), { note: data.note }),
        );
        return updated;
      });
    },

    /** Runs an approved request again after Stripe was unreachable (same idempotency key). */
    async process(actor: Actor, input: unknown): Promise<RefundRequestRecord> {
      assertStaffCan(actor, 'refunds.process');
      const { id } = parseInput(z.object({ id: idSchema }), input, 'refund');
      return process(actor, id);
    },

    async list(actor: Actor, input: unknown) {
      assertStaffCan(actor, 'payments.read');
      const query = parseInput(
        z.object({
          status: z
            .enum(['REQUESTED', 'AWAITING_SECOND_APPROVAL', 'APPROVED', 'REJECTED', 'SUCCEEDED', 'FAILED', 'OPEN'])
            .optional(),
          cursor: z.number().int().positive().optional(),
          limit: z.number().int().min(1).max(200).optional(),
        }),
        input ?? {},
        'refund list query',
      );
      const limit = query.limit ?? 50;
      const statuses = query.status === 'OPEN' ? [...OPEN] : query.status ? [query.status] : undefined;
      const rows = await uow.read.payments.refundRequests({ statuses, beforeId: query.cursor, limit: limit + 1 });
      const items = rows.slice(0, limit);
      return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    },
  };
}

export type RefundService = ReturnType<typeof createRefundService>;
