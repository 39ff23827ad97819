import { paymentTookMoney } from '../../domain/payment-machine';
import { inTransaction, type ServiceDeps } from '../context';
import type { GatewayEvent, PaymentGateway, TransferSnapshot } from '../gateways';
import type { PaymentRecord } from '../ports';
import { applyRefundOutcome } from '../refunds/outcomes';
import { syncIntent } from './intent-sync';

export type EventOutcome = 'applied' | 'duplicate' | 'ignored';

/**
 * A payment that took the money and whose intent Stripe already told us succeeded, with its charge:
 * a succeeded PaymentIntent is final at Stripe (it cannot be confirmed, canceled or failed again, and
 * refunds do not change it), so reading it again and syncing would change nothing — an event about
 * it is only recorded (R25), in one statement of its own. Every paid flow's later events
 * (payment_intent.succeeded after the confirm's own sync, charge.succeeded, …) arrive in this state:
 * each used to cost a request to Stripe and a transaction of six statements.
 */
export function settledAtStripe(payment: PaymentRecord): boolean {
  return (
    payment.stripeStatus === 'succeeded' &&
    payment.stripeChargeId !== null &&
    payment.lastError === null &&
    paymentTookMoney(payment.status)
  );
}

/** Connect's events are finance's to apply (payouts/): each returns whether anything changed. */
export interface ConnectEvents {
  onTransfer(transfer: TransferSnapshot): Promise<boolean>;
  onAccount(stripeAccountId: string): Promise<boolean>;
}

/**
 * A Stripe event, from the webhook or the poller: applied at most once per event id (R25), by
 * reading the object's current state at Stripe — so repeats and any order end the same. Refund
 * events settle refund requests (R27); intent and charge events settle payments.
 */
export function createStripeEventHandler(deps: ServiceDeps & { gateway: PaymentGateway }, connect: ConnectEvents) {
  const { uow, clock, gateway } = deps;

  return async function handleEvent(event: GatewayEvent): Promise<EventOutcome> {
    // Webhooks and the poller both deliver every event: skip Stripe for ones already applied.
    if (await uow.read.stripeEvents.has(event.id)) return 'duplicate';
    if (event.objectType === 'transfer') {
      // A payout line waiting to hear of its transfer adopts it (R44); Stripe's current state decides.
      const transfer = await gateway.retrieveTransfer(event.objectId);
      const adopted = await connect.onTransfer(transfer);
      const fresh = await uow.read.stripeEvents.record(event.id, event.type);
      return !fresh ? 'duplicate' : adopted ? 'applied' : 'ignored';
    }
    if (event.objectType === 'account') {
      const changed = await connect.onAccount(event.objectId);
      const fresh = await uow.read.stripeEvents.record(event.id, event.type);
      return !fresh ? 'duplicate' : changed ? 'applied' : 'ignored';
    }
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
    if (payment && settledAtStripe(payment)) {
      const fresh = await uow.read.stripeEvents.record(event.id, event.type);
      return fresh ? 'applied' : 'duplicate';
    }
    const snapshot =
      payment && event.paymentIntentId ? await gateway.retrievePaymentIntent(event.paymentIntentId) : null;
    return inTransaction(deps, async (repos, changes): Promise<EventOutcome> => {
      if (!(await repos.stripeEvents.record(event.id, event.type))) return 'duplicate';
      if (!payment || !snapshot) return 'ignored';
      await syncIntent(repos, clock.now(), snapshot, payment, changes);
      return 'applied';
    });
  };
}
