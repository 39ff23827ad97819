import { refundActionOpenFrom } from '../../domain/refund-machine';
import { inTransaction, type ServiceDeps } from '../context';
import type { PaymentGateway } from '../gateways';
import { applyRefundTransition } from '../lifecycle/refund';
import { moneyCall } from '../money-calls';
import { STRIPE } from '../../domain/actors';
import type { RefundRequestRecord } from '../ports';
import { applyRefundOutcome } from './outcomes';

/**
 * Sends an approved refund request to Stripe (R22, R27, R28). Safe to call twice at once (the
 * approving console and the outbox's safety net): both use the attempt's key, Stripe makes one
 * refund, and the second outcome finds the first already applied. A request that is not APPROVED
 * has nothing to send.
 */
export function createRefundSubmission(deps: ServiceDeps & { gateway: PaymentGateway }) {
  const { uow, clock, gateway } = deps;

  return async function submitRefund(requestId: number): Promise<RefundRequestRecord | null> {
    const request = await uow.read.refunds.find(requestId);
    if (!request) return null;
    // Only an approved request goes to Stripe; a pending, succeeded or failed one already went.
    if (!refundActionOpenFrom('stripe_pending', request.status)) return request;
    const payment = await uow.read.payments.findById(request.paymentId);
    const intentId = payment?.stripePaymentIntentId;
    if (!intentId) {
      return inTransaction(deps, async (repos, changes) => {
        await repos.refunds.lock(request.id);
        const current = (await repos.refunds.find(request.id)) ?? request;
        return applyRefundTransition(
          repos,
          clock.now(),
          STRIPE,
          current,
          {
            action: 'stripe_failed',
            changes: { failureMessage: `Payment ${request.paymentId} has no Stripe payment to refund` },
            reason: 'no Stripe payment',
          },
          changes,
        );
      });
    }
    const result = await moneyCall({
      what: `Refund request ${request.id}`,
      maySendAgain: request.submittedAt !== null || request.attempt > 1,
      // By our metadata: this request's refund of this attempt (an earlier attempt's is not adopted).
      lookup: async () =>
        (await gateway.listRefunds(intentId)).find(
          (refund) =>
            refund.metadata['refundRequestId'] === String(request.id) &&
            (refund.metadata['attempt'] ?? String(request.attempt)) === String(request.attempt) &&
            refund.status !== 'failed' &&
            refund.status !== 'canceled',
        ) ?? null,
      markSent: () =>
        uow.transaction((repos) => repos.refunds.recordSubmission(request.id, { submittedAt: clock.now() })),
      send: () =>
        gateway.createRefund(
          {
            paymentIntentId: intentId,
            amountMinor: request.amountMinor,
            refundRequestId: request.id,
            attempt: request.attempt,
          },
          request.idempotencyKey,
        ),
    });
    return inTransaction(deps, async (repos, changes) => {
      if (result.kind === 'answered') return applyRefundOutcome(repos, clock.now(), request.id, result.value, changes);
      // An answer came back and refused: final for this key (R28). Staff may retry as a new refund.
      await repos.refunds.lock(request.id);
      const current = (await repos.refunds.find(request.id)) ?? request;
      if (!refundActionOpenFrom('stripe_failed', current.status)) return current;
      return applyRefundTransition(
        repos,
        clock.now(),
        STRIPE,
        current,
        {
          action: 'stripe_failed',
          changes: {
            failureMessage: `Stripe refused the refund: ${result.error.message}`,
            failureReason: result.error.code ?? `http_${result.error.status ?? 'error'}`,
          },
          reason: result.error.code ?? 'refused',
        },
        changes,
      );
    });
  };
}

export type SubmitRefund = ReturnType<typeof createRefundSubmission>;
