import { bookingActionOpenFrom } from '../../domain/booking-machine';
import { DomainError } from '../../domain/errors';
import { paymentActionOpenFrom } from '../../domain/payment-machine';
import { remainingRefundable } from '../../domain/refunds';
import { moneyText } from '../../domain/money';
import { OPEN_REFUND_STATUSES, refundActionOpenFrom } from '../../domain/refund-machine';
import { auditEntry } from '../audit';
import { inTransaction, type ServiceDeps } from '../context';
import { applyRefundTransition, fileRefundRequest } from '../lifecycle/refund';
import { refundsInContext } from './context';
import { refundAttemptKey } from '../lifecycle/refund-keys';
import type { RefundRequestRecord, Repositories } from '../ports';
import { implement } from '../use-case';
import { REFUND_USE_CASES } from './specs';
import type { SubmitRefund } from './submission';

/**
 * What would make submitting this refund fail before anything happened, checked where the approval
 * is decided (R24, R27): no Stripe payment to refund; a payment whose state no longer allows a
 * refund; more than remains (open requests of others reserved); or a payment that reconciliation
 * found to disagree with Stripe (a refund made in Stripe's dashboard: Stripe would refuse, or pay
 * back twice) until staff resolved that.
 */
async function assertCanBeCarriedOut(repos: Repositories, request: RefundRequestRecord): Promise<void> {
  const label = `Refund request ${request.id} cannot be carried out`;
  const payment = await repos.payments.findById(request.paymentId);
  if (!payment?.stripePaymentIntentId)
    throw new DomainError(
      'ILLEGAL_TRANSITION',
      `${label}: payment ${request.paymentId} was never taken through Stripe`,
    );
  if (!paymentActionOpenFrom('refund', payment.status))
    throw new DomainError(
      'ILLEGAL_TRANSITION',
      `${label}: payment ${payment.id} is ${payment.status}; only paid or partly refunded payments can be refunded`,
    );
  const remaining = remainingRefundable(payment, await repos.refunds.reservedMinor(payment.id, request.id));
  if (request.amountMinor > remaining)
    throw new DomainError(
      'REFUND_EXCEEDS_REMAINING',
      `${label}: its ${moneyText(request.amountMinor, payment.currency)} exceeds the ${moneyText(Math.max(0, remaining), payment.currency)} still refundable on payment ${payment.id}`,
    );
  const disagreements = await repos.mismatches.openForPayment(payment.id);
  const first = disagreements[0];
  if (first)
    throw new DomainError(
      'GUARD_FAILED',
      `${label} yet: reconciliation found that payment ${payment.id} disagrees with Stripe (${first.detail} Here: ${first.localState}; Stripe: ${first.stripeState}). Resolve that under Reconciliation first; nothing was approved.`,
      { mismatchId: first.id },
    );
}

/**
 * R24/R27: a refund request (who, amount, reason) is approved or rejected by someone else with the
 * right role — two people above the four-eyes threshold — then sent to Stripe, whose answer
 * decides. More than remains (open requests reserved) is refused before Stripe is called.
 */
export function createRefundRequests(deps: ServiceDeps, submitRefund: SubmitRefund) {
  const { uow, clock } = deps;

  async function load(id: number): Promise<RefundRequestRecord> {
    const request = await uow.read.refunds.find(id);
    if (!request) throw new DomainError('NOT_FOUND', `Refund request ${id} does not exist`);
    return request;
  }

  const request = implement(REFUND_USE_CASES.request, async (actor, input) =>
    inTransaction(deps, async (repos, changes) => {
      const payment = await repos.payments.lock(input.paymentId);
      if (!payment) throw new DomainError('NOT_FOUND', `Payment ${input.paymentId} does not exist`);
      // Nothing to refund at Stripe: a request could never be carried out, so none is filed.
      if (!payment.stripePaymentIntentId)
        throw new DomainError(
          'ILLEGAL_TRANSITION',
          `Payment ${payment.id} was never taken through Stripe, so there is nothing to refund there`,
        );
      const booking = await repos.bookings.findById(payment.bookingId);
      if (!booking) throw new DomainError('NOT_FOUND', `Booking ${payment.bookingId} does not exist`);
      if (!bookingActionOpenFrom('refund', booking)) {
        throw new DomainError(
          'ILLEGAL_TRANSITION',
          bookingActionOpenFrom('cancel_paid', booking)
            ? `Booking ${booking.id} has not taken place yet; an admin cancels it with a full refund instead (R18)`
            : `Booking ${booking.id} is ${booking.status} (payment ${booking.paymentStatus}); only completed, paid sessions can be refunded (R19)`,
        );
      }
      const now = clock.now();
      const created = await fileRefundRequest(
        repos,
        now,
        actor,
        {
          action: 'request',
          paymentId: payment.id,
          bookingId: booking.id,
          amountMinor: input.amountMinor,
          currency: payment.currency,
          reason: input.reason,
          source: 'console',
        },
        changes,
      );
      await repos.audit.append(
        auditEntry(actor, 'refund.request', 'RefundRequest', created.id, now, {
          paymentId: payment.id,
          amountMinor: input.amountMinor,
          reason: input.reason,
        }),
      );
      return created;
    }),
  );

  const approve = implement(REFUND_USE_CASES.approve, async (actor, input) => {
    const decided = await inTransaction(deps, async (repos, changes) => {
      await repos.refunds.lock(input.id);
      const current = await repos.refunds.find(input.id);
      if (!current) throw new DomainError('NOT_FOUND', `Refund request ${input.id} does not exist`);
      // An approval that could not be carried out saves nothing: what would make the refund be refused
      // before anything happened (here or at Stripe) refuses the approval, inside its transaction.
      await assertCanBeCarriedOut(repos, current);
      const slot = current.status === 'REQUESTED' ? 'first' : 'second';
      const updated = await applyRefundTransition(
        repos,
        clock.now(),
        actor,
        current,
        {
          action: 'approve',
          changes:
            slot === 'first'
              ? { firstApproverId: actor.kind === 'STAFF' ? actor.id : null }
              : { secondApproverId: actor.kind === 'STAFF' ? actor.id : null },
        },
        changes,
      );
      await repos.audit.append(
        auditEntry(actor, `refund.approve.${slot}`, 'RefundRequest', input.id, clock.now(), { status: updated.status }),
      );
      return updated;
    });
    // Approved for good: send it now, so the approver sees Stripe's answer (the outbox row is a net).
    if (refundActionOpenFrom('stripe_pending', decided.status)) return (await submitRefund(decided.id)) ?? decided;
    return decided;
  });

  const reject = implement(REFUND_USE_CASES.reject, async (actor, input) =>
    inTransaction(deps, async (repos, changes) => {
      await repos.refunds.lock(input.id);
      const current = await repos.refunds.find(input.id);
      if (!current) throw new DomainError('NOT_FOUND', `Refund request ${input.id} does not exist`);
      const updated = await applyRefundTransition(
        repos,
        clock.now(),
        actor,
        current,
        {
          action: 'reject',
          reason: input.note,
          changes: { rejectedById: actor.kind === 'STAFF' ? actor.id : null, rejectNote: input.note },
        },
        changes,
      );
      await repos.audit.append(
        auditEntry(actor, 'refund.reject', 'RefundRequest', input.id, clock.now(), { note: input.note }),
      );
      return updated;
    }),
  );

  /** Sends an approved request again (its answer was lost), or retries a failed one as a new refund. */
  const process = implement(REFUND_USE_CASES.process, async (actor, input) => {
    const current = await load(input.id);
    if (refundActionOpenFrom('retry', current.status)) {
      await inTransaction(deps, async (repos, changes) => {
        await repos.refunds.lock(current.id);
        const locked = (await repos.refunds.find(current.id)) ?? current;
        const attempt = locked.attempt + 1;
        await applyRefundTransition(
          repos,
          clock.now(),
          actor,
          locked,
          {
            action: 'retry',
            changes: {
              attempt,
              idempotencyKey: refundAttemptKey(locked.id, attempt),
              stripeRefundId: null,
              submittedAt: null,
              failureMessage: null,
              failureReason: null,
            },
            data: { previousStripeRefundId: locked.stripeRefundId, attempt },
          },
          changes,
        );
        await repos.audit.append(
          auditEntry(actor, 'refund.retry', 'RefundRequest', locked.id, clock.now(), { attempt }),
        );
      });
    } else if (!refundActionOpenFrom('stripe_pending', current.status)) {
      throw new DomainError(
        'ILLEGAL_TRANSITION',
        `Refund request ${current.id} is ${current.status}; only approved requests can be sent and failed ones retried`,
      );
    }
    return (await submitRefund(current.id)) ?? current;
  });

  const list = implement(REFUND_USE_CASES.list, async (_actor, input) => {
    const limit = input.limit ?? 50;
    const statuses = input.status === 'OPEN' ? OPEN_REFUND_STATUSES : input.status ? [input.status] : undefined;
    const rows = await uow.read.refunds.list({ statuses, beforeId: input.cursor, limit: limit + 1 });
    const items = await refundsInContext(uow.read, rows.slice(0, limit));
    return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
  });

  return { request, approve, reject, process, list };
}
