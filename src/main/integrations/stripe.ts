import Stripe from 'stripe';
import {
  GatewayNoAnswer,
  GatewayRefused,
  type CardDetails,
  type ConnectedAccount,
  type CreateIntentInput,
  type GatewayEvent,
  type IntentSnapshot,
  type PaymentGateway,
  type RefundSnapshot,
  type ReversalSnapshot,
  type TransferSnapshot,
} from '../services/gateways';

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** The sandbox's base URL; absent for the real Stripe. */
  baseUrl?: string;
  timeoutMs?: number;
  /** Retries of calls that move no money (reads, customers, cards); money-moving calls never retry here. */
  maxNetworkRetries?: number;
}

function snapshot(intent: Stripe.PaymentIntent): IntentSnapshot {
  const error = intent.last_payment_error;
  return {
    id: intent.id,
    status: intent.status,
    amountMinor: intent.amount,
    amountReceivedMinor: intent.amount_received,
    currency: intent.currency.toUpperCase(),
    clientSecret: intent.client_secret,
    latestChargeId:
      typeof intent.latest_charge === 'string' ? intent.latest_charge : (intent.latest_charge?.id ?? null),
    paymentMethodId:
      typeof intent.payment_method === 'string' ? intent.payment_method : (intent.payment_method?.id ?? null),
    lastError: error
      ? {
          code: error.code ?? null,
          declineCode: error.decline_code ?? null,
          message: error.message ?? 'The payment failed',
        }
      : null,
    metadata: intent.metadata,
  };
}

function refundSnapshot(refund: Stripe.Refund): RefundSnapshot {
  return {
    id: refund.id,
    amountMinor: refund.amount,
    status: refund.status ?? 'pending',
    paymentIntentId:
      typeof refund.payment_intent === 'string' ? refund.payment_intent : (refund.payment_intent?.id ?? null),
    failureReason: refund.failure_reason ?? null,
    metadata: refund.metadata ?? {},
  };
}

function accountOf(account: Stripe.Account): ConnectedAccount {
  return {
    id: account.id,
    payoutsEnabled: account.payouts_enabled,
    transfersActive: account.capabilities?.transfers === 'active',
    detailsSubmitted: account.details_submitted,
  };
}

const idOf = (value: string | { id: string } | null | undefined): string =>
  typeof value === 'string' ? value : (value?.id ?? '');

function transferSnapshot(transfer: Stripe.Transfer): TransferSnapshot {
  return {
    id: transfer.id,
    amountMinor: transfer.amount,
    currency: transfer.currency.toUpperCase(),
    destination: idOf(transfer.destination),
    transferGroup: transfer.transfer_group,
    amountReversedMinor: transfer.amount_reversed,
    reversed: transfer.reversed,
    metadata: transfer.metadata,
    created: transfer.created,
  };
}

function reversalSnapshot(reversal: Stripe.TransferReversal): ReversalSnapshot {
  return {
    id: reversal.id,
    transferId: idOf(reversal.transfer),
    amountMinor: reversal.amount,
    metadata: reversal.metadata ?? {},
  };
}

/** Stripe's balance sides (`[{amount, currency}]`) as amounts by upper-case currency. */
function byCurrency(side: { amount: number; currency: string }[]): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const { amount, currency } of side) {
    const code = currency.toUpperCase();
    sums[code] = (sums[code] ?? 0) + amount;
  }
  return sums;
}

function eventOf(event: Stripe.Event): GatewayEvent {
  const object = event.data.object as { id?: string; object?: string; payment_intent?: string | { id: string } | null };
  const paymentIntentId =
    object.object === 'payment_intent'
      ? (object.id ?? null)
      : typeof object.payment_intent === 'string'
        ? object.payment_intent
        : (object.payment_intent?.id ?? null);
  return {
    id: event.id,
    type: event.type,
    created: event.created,
    objectType: object.object ?? '',
    objectId: object.id ?? '',
    paymentIntentId,
  };
}

/**
 * Stripe's outcomes in our two kinds (R28). No answer — a connection error or timeout, a 409 for a
 * key still in use, a 429 (Stripe ran nothing) — may be retried with the same key. Any other answer,
 * 5xx included, is what Stripe keeps for that key: final.
 */
function translate(error: unknown): never {
  if (error instanceof Stripe.errors.StripeError) {
    const status = error.statusCode ?? null;
    if (error.type === 'StripeConnectionError' || status === null || status === 409 || status === 429) {
      throw new GatewayNoAnswer(`Stripe did not answer: ${error.message}`);
    }
    throw new GatewayRefused(error.message, error.code ?? null, error.decline_code ?? null, status);
  }
  throw error;
}

/** Calls that move money are retried by the services, after looking the object up (R28), never blindly here. */
const MOVES_MONEY = { maxNetworkRetries: 0 } as const;

export class StripePaymentGateway implements PaymentGateway {
  readonly mode: 'real' | 'sandbox';
  private readonly stripe: Stripe;

  constructor(private readonly settings: StripeSettings) {
    this.mode = settings.baseUrl ? 'sandbox' : 'real';
    const base = settings.baseUrl ? new URL(settings.baseUrl) : null;
    this.stripe = new Stripe(settings.secretKey, {
      maxNetworkRetries: settings.maxNetworkRetries ?? 2,
      timeout: settings.timeoutMs ?? 20_000,
      telemetry: false,
      ...(base
        ? { host: base.hostname, port: base.port, protocol: base.protocol.replace(':', '') as 'http' | 'https' }
        : {}),
    });
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof GatewayRefused) throw error;
      return translate(error);
    }
  }

  createCustomer(input: { email: string; name: string; studentId: number }, idempotencyKey: string): Promise<string> {
    return this.call(async () => {
      const customer = await this.stripe.customers.create(
        { email: input.email, name: input.name, metadata: { studentId: String(input.studentId) } },
        { idempotencyKey },
      );
      return customer.id;
    });
  }

  findCustomer(email: string, studentId: number): Promise<string | null> {
    return this.call(async () => {
      const list = await this.stripe.customers.list({ email, limit: 100 });
      return list.data.find((customer) => customer.metadata['studentId'] === String(studentId))?.id ?? null;
    });
  }

  attachPaymentMethod(paymentMethodId: string, customerId: string): Promise<CardDetails> {
    return this.call(async () => {
      const method = await this.stripe.paymentMethods.attach(paymentMethodId, { customer: customerId });
      if (!method.card)
        throw new GatewayRefused('Only card payment methods are supported', 'unsupported_payment_method');
      return {
        paymentMethodId: method.id,
        brand: method.card.brand,
        last4: method.card.last4,
        expMonth: method.card.exp_month,
        expYear: method.card.exp_year,
        country: method.card.country ?? null,
      };
    });
  }

  createPaymentIntent(input: CreateIntentInput, idempotencyKey: string): Promise<IntentSnapshot> {
    return this.call(async () => {
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: input.amountMinor,
          currency: input.currency.toLowerCase(),
          customer: input.customerId,
          ...(input.paymentMethodId ? { payment_method: input.paymentMethodId } : {}),
          description: input.description,
          metadata: { bookingId: String(input.bookingId), paymentId: String(input.paymentId) },
          // Cards only, confirmed from the console: no redirect-based methods, so no return_url.
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        },
        { idempotencyKey, ...MOVES_MONEY },
      );
      return snapshot(intent);
    });
  }

  findPaymentIntent(customerId: string, paymentId: number): Promise<IntentSnapshot | null> {
    return this.call(async () => {
      for await (const intent of this.stripe.paymentIntents.list({ customer: customerId, limit: 100 })) {
        if (intent.metadata['paymentId'] === String(paymentId) && intent.status !== 'canceled') return snapshot(intent);
      }
      return null;
    });
  }

  async confirmPaymentIntent(
    intentId: string,
    paymentMethodId: string | null,
    idempotencyKey: string,
  ): Promise<IntentSnapshot> {
    try {
      const intent = await this.stripe.paymentIntents.confirm(
        intentId,
        paymentMethodId ? { payment_method: paymentMethodId } : {},
        { idempotencyKey, ...MOVES_MONEY },
      );
      return snapshot(intent);
    } catch (error) {
      // A decline carries the intent as it now is; that is a result, not a failure to talk to Stripe.
      if (error instanceof Stripe.errors.StripeCardError && error.payment_intent) return snapshot(error.payment_intent);
      return translate(error);
    }
  }

  retrievePaymentIntent(intentId: string): Promise<IntentSnapshot> {
    return this.call(async () => snapshot(await this.stripe.paymentIntents.retrieve(intentId)));
  }

  cancelPaymentIntent(intentId: string, idempotencyKey: string): Promise<IntentSnapshot> {
    return this.call(async () =>
      snapshot(
        await this.stripe.paymentIntents.cancel(
          intentId,
          { cancellation_reason: 'requested_by_customer' },
          { idempotencyKey, ...MOVES_MONEY },
        ),
      ),
    );
  }

  createRefund(
    input: { paymentIntentId: string; amountMinor: number; refundRequestId: number; attempt: number },
    idempotencyKey: string,
  ): Promise<RefundSnapshot> {
    return this.call(async () => {
      const refund = await this.stripe.refunds.create(
        {
          payment_intent: input.paymentIntentId,
          amount: input.amountMinor,
          reason: 'requested_by_customer',
          metadata: { refundRequestId: String(input.refundRequestId), attempt: String(input.attempt) },
        },
        { idempotencyKey, ...MOVES_MONEY },
      );
      return refundSnapshot(refund);
    });
  }

  retrieveRefund(refundId: string): Promise<RefundSnapshot> {
    return this.call(async () => refundSnapshot(await this.stripe.refunds.retrieve(refundId)));
  }

  listRefunds(paymentIntentId: string): Promise<RefundSnapshot[]> {
    return this.call(async () => {
      const refunds: RefundSnapshot[] = [];
      for await (const refund of this.stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 }))
        refunds.push(refundSnapshot(refund));
      return refunds;
    });
  }

  eventsAfter(afterEventId: string | null): Promise<GatewayEvent[]> {
    // The list is newest first; walk back page by page until the cursor, then return oldest first.
    return this.call(async () => {
      const collected: Stripe.Event[] = [];
      let startingAfter: string | undefined;
      for (let page = 0; page < 50; page += 1) {
        const result = await this.stripe.events.list({
          limit: 100,
          ...(startingAfter ? { starting_after: startingAfter } : {}),
        });
        const index = afterEventId ? result.data.findIndex((event) => event.id === afterEventId) : -1;
        if (index >= 0) {
          collected.push(...result.data.slice(0, index));
          break;
        }
        collected.push(...result.data);
        if (!result.has_more || result.data.length === 0) break;
        startingAfter = result.data.at(-1)?.id;
      }
      return collected.reverse().map(eventOf);
    });
  }

  verifyWebhook(rawBody: string, signature: string): GatewayEvent {
    const event = this.stripe.webhooks.constructEvent(rawBody, signature, this.settings.webhookSecret, 300);
    return eventOf(event);
  }

  // ---- Connect: teachers' accounts, transfers, reversals (R40–R47) ----

  createConnectedAccount(
    input: { email: string; teacherId: number; country?: string },
    idempotencyKey: string,
  ): Promise<ConnectedAccount> {
    return this.call(async () =>
      accountOf(
        await this.stripe.accounts.create(
          {
            type: 'express',
            country: input.country ?? 'US',
            email: input.email,
            capabilities: { transfers: { requested: true } },
            metadata: { teacherId: String(input.teacherId) },
          },
          { idempotencyKey },
        ),
      ),
    );
  }

  retrieveConnectedAccount(accountId: string): Promise<ConnectedAccount> {
    return this.call(async () => accountOf(await this.stripe.accounts.retrieve(accountId)));
  }

  createOnboardingLink(
    accountId: string,
    returnUrl: string,
    refreshUrl: string,
  ): Promise<{ url: string; expiresAt: number }> {
    return this.call(async () => {
      const link = await this.stripe.accountLinks.create({
        account: accountId,
        return_url: returnUrl,
        refresh_url: refreshUrl,
        type: 'account_onboarding',
      });
      return { url: link.url, expiresAt: link.expires_at };
    });
  }

  createTransfer(
    input: {
      amountMinor: number;
      currency: string;
      destination: string;
      transferGroup: string;
      metadata: Record<string, string>;
      sourceTransaction?: string;
    },
    idempotencyKey: string,
  ): Promise<TransferSnapshot> {
    return this.call(async () =>
      transferSnapshot(
        await this.stripe.transfers.create(
          {
            amount: input.amountMinor,
            currency: input.currency.toLowerCase(),
            destination: input.destination,
            transfer_group: input.transferGroup,
            metadata: input.metadata,
            ...(input.sourceTransaction ? { source_transaction: input.sourceTransaction } : {}),
          },
          { idempotencyKey, ...MOVES_MONEY },
        ),
      ),
    );
  }

  findTransfers(query: { transferGroup?: string; destination?: string }): Promise<TransferSnapshot[]> {
    return this.call(async () => {
      const transfers: TransferSnapshot[] = [];
      const params: Stripe.TransferListParams = {
        limit: 100,
        ...(query.transferGroup !== undefined ? { transfer_group: query.transferGroup } : {}),
        ...(query.destination !== undefined ? { destination: query.destination } : {}),
      };
      for await (const transfer of this.stripe.transfers.list(params)) transfers.push(transferSnapshot(transfer));
      return transfers;
    });
  }

  retrieveTransfer(id: string): Promise<TransferSnapshot> {
    return this.call(async () => transferSnapshot(await this.stripe.transfers.retrieve(id)));
  }

  createTransferReversal(
    input: { transferId: string; amountMinor: number; metadata: Record<string, string> },
    idempotencyKey: string,
  ): Promise<ReversalSnapshot> {
    return this.call(async () =>
      reversalSnapshot(
        await this.stripe.transfers.createReversal(
          input.transferId,
          { amount: input.amountMinor, metadata: input.metadata },
          { idempotencyKey, ...MOVES_MONEY },
        ),
      ),
    );
  }

  listTransferReversals(transferId: string): Promise<ReversalSnapshot[]> {
    return this.call(async () => {
      const reversals: ReversalSnapshot[] = [];
      for await (const reversal of this.stripe.transfers.listReversals(transferId, { limit: 100 }))
        reversals.push(reversalSnapshot(reversal));
      return reversals;
    });
  }

  retrieveBalance(): Promise<{ available: Record<string, number>; pending: Record<string, number> }> {
    return this.call(async () => {
      const balance = await this.stripe.balance.retrieve();
      return { available: byCurrency(balance.available), pending: byCurrency(balance.pending) };
    });
  }
}
