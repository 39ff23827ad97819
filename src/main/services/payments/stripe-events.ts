import { inTransaction, type ServiceDeps } from '../context';
import type { GatewayEvent, PaymentGateway } from '../gateways';
import { applyRefundOutcome } from '../refunds/outcomes';
import { syncIntent } from './intent-sync';

export type EventOutcome = 'applied' | 'duplicate' | 'ignored';

/**
 * A Stripe event, from the webhook or the poller: applied at most once per event id (R25), by
 * reading the object's current state at Stripe — so repeats and any order end the same. Refund
 * events settle refund requests (R27); intent and charge events settle payments.
 */
export function createStripeEventHandler(deps: ServiceDeps & { gateway: PaymentGateway }) {
  const { uow, clock, gateway } = deps;

  return async function handleEvent(event: GatewayEvent): Promise<EventOutcome> {
    // Webhooks and the poller both deliver every event: skip Stripe for ones already applied.
    if (await uow.read.stripeEvents.has(event.id)) return 'duplicate';
    if (event.objectType === 'refund') {
      const refund = await gateway.retrieveRefund(event.objectId);
      const byMetadata = Number(refund.metadata['refundRequestId']);
      const request =
        (await uow.read.refunds.findByStripeId(refund.id)) ??
        (Number.isSafeInteger(byMetadata) && byMetadata > 0 ? await uow.read.refunds.find(byMetadata) : null);
      return inTransaction(deps, async (repos, changes): Promise<EventOutcome> => {
        if (!(await repos.stripeEvents.record(event.id, event.type))) return 'duplicate';
        // A refund made elsewhere (Stripe's dashboard) is reconciliation's to list, never adopted here.
        if (!request) return 'ignored';
        await applyRefundOutcome(repos, clock.now(), request.id, refund, changes);
        return 'applied';
      });
    }
    const payment = event.paymentIntentId ? await uow.read.payments.findByIntentId(event.paymentIntentId) : null;
    const snapshot =
      payment && event.paymentIntentId ? await gateway.retrievePaymentIntent(event.paymentIntentId) : null;
    return inTransaction(deps, async (repos, changes): Promise<EventOutcome> => {
      if (!(await repos.stripeEvents.record(event.id, event.type))) return 'duplicate';
      if (!payment || !snapshot) return 'ignored';
      await syncIntent(repos, clock.now(), snapshot, payment.id, changes);
      return 'applied';
    });
  };
}
