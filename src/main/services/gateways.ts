/**
 * What the services need from Stripe, Zoom and mail, in the services' own types (ports). The
 * adapters in src/main/integrations implement them over the real clients; the same adapters talk to
 * the local sandboxes when no credentials are configured.
 */
export interface CardDetails {
  paymentMethodId: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  country: string | null;
}

export interface IntentSnapshot {
  id: string;
  /** requires_payment_method | requires_confirmation | requires_action | processing | requires_capture | canceled | succeeded */
  status: string;
  amountMinor: number;
  amountReceivedMinor: number;
  currency: string;
  clientSecret: string | null;
  latestChargeId: string | null;
  /** The card the intent charges (given when it was created or confirmed). */
  paymentMethodId: string | null;
  lastError: { code: string | null; declineCode: string | null; message: string } | null;
  metadata: Record<string, string>;
}

export interface RefundSnapshot {
  id: string;
  amountMinor: number;
  /** pending | requires_action | succeeded | failed | canceled */
  status: string;
  paymentIntentId: string | null;
  failureReason: string | null;
  metadata: Record<string, string>;
}

export interface GatewayEvent {
  id: string;
  type: string;
  created: number;
  /** The kind of object the event is about (payment_intent, charge, refund …) and its id. */
  objectType: string;
  objectId: string;
  paymentIntentId: string | null;
}

/**
 * No answer came back (timeout, connection reset, a concurrent request with the same key still
 * running, a rate limit that ran nothing): the only case in which the same idempotency key may be
 * used again (R28) — after looking the object up, for calls that move money.
 */
export class GatewayNoAnswer extends Error {
  override readonly name = 'GatewayNoAnswer';
}

/** Zoom or the mail server failed for now (down, 5xx, 429): the outbox tries again later. */
export class GatewayUnavailable extends Error {
  override readonly name = 'GatewayUnavailable';
}

/**
 * An answer came back and refused the request (any 4xx, and 5xx: Stripe keeps that answer for the
 * key, so it is final for it). The message is the provider's.
 */
export class GatewayRefused extends Error {
  override readonly name = 'GatewayRefused';
  constructor(
    message: string,
    readonly code: string | null,
    readonly declineCode: string | null = null,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

/** A teacher's Stripe connected account, as payouts need it (R43, R44). */
export interface ConnectedAccount {
  id: string;
  payoutsEnabled: boolean;
  /** The transfers capability is active: transfers to the account are accepted. */
  transfersActive: boolean;
  detailsSubmitted: boolean;
}

/** A Connect transfer to a teacher's account (R44). Currency upper-case, as everywhere in the services. */
export interface TransferSnapshot {
  id: string;
  amountMinor: number;
  currency: string;
  destination: string;
  transferGroup: string | null;
  amountReversedMinor: number;
  reversed: boolean;
  metadata: Record<string, string>;
  created: number;
}

/** A (partial) reversal of a transfer (R45). */
export interface ReversalSnapshot {
  id: string;
  transferId: string;
  amountMinor: number;
  metadata: Record<string, string>;
}

export interface CreateIntentInput {
  amountMinor: number;
  currency: string;
  customerId: string;
  paymentMethodId: string | null;
  bookingId: number;
  paymentId: number;
  description: string;
}

export interface PaymentGateway {
  readonly mode: 'real' | 'sandbox';
  createCustomer(input: { email: string; name: string; studentId: number }, idempotencyKey: string): Promise<string>;
  /** A customer made earlier for this student (by metadata), after a create whose answer was lost. */
  findCustomer(email: string, studentId: number): Promise<string | null>;
  attachPaymentMethod(paymentMethodId: string, customerId: string): Promise<CardDetails>;
  createPaymentIntent(input: CreateIntentInput, idempotencyKey: string): Promise<IntentSnapshot>;
  /** The customer's intent for this payment (by metadata), if one was made; canceled ones aside. */
  findPaymentIntent(customerId: string, paymentId: number): Promise<IntentSnapshot | null>;
  /** A declined card comes back as a snapshot with `lastError`, not as a thrown error. */
  confirmPaymentIntent(
    intentId: string,
    paymentMethodId: string | null,
    idempotencyKey: string,
  ): Promise<IntentSnapshot>;
  retrievePaymentIntent(intentId: string): Promise<IntentSnapshot>;
  cancelPaymentIntent(intentId: string, idempotencyKey: string): Promise<IntentSnapshot>;
  createRefund(
    input: { paymentIntentId: string; amountMinor: number; refundRequestId: number; attempt: number },
    idempotencyKey: string,
  ): Promise<RefundSnapshot>;
  retrieveRefund(refundId: string): Promise<RefundSnapshot>;
  listRefunds(paymentIntentId: string): Promise<RefundSnapshot[]>;
  /** Events newer than `afterEventId`, oldest first. */
  eventsAfter(afterEventId: string | null): Promise<GatewayEvent[]>;
  /** Verifies a webhook's signature (300 s tolerance) and returns its event; throws when invalid. */
  verifyWebhook(rawBody: string, signature: string): GatewayEvent;
  /** An express account for a teacher, asking for the transfers capability; metadata names the teacher. */
  createConnectedAccount(
    input: { email: string; teacherId: number; country?: string },
    idempotencyKey: string,
  ): Promise<ConnectedAccount>;
  retrieveConnectedAccount(accountId: string): Promise<ConnectedAccount>;
  /** A short-lived, single-use Stripe onboarding link for the account. */
  createOnboardingLink(
    accountId: string,
    returnUrl: string,
    refreshUrl: string,
  ): Promise<{ url: string; expiresAt: number }>;
  /**
   * Moves money (R22, R28): never retried here. `GatewayRefused` with code `balance_insufficient` when the
   * platform's available balance does not cover it, `insufficient_capabilities_for_transfer` when the account
   * cannot receive transfers.
   */
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
  ): Promise<TransferSnapshot>;
  /** Every transfer (all pages, newest first) in a transfer group and/or to a destination: the look-up of R28. */
  findTransfers(query: { transferGroup?: string; destination?: string }): Promise<TransferSnapshot[]>;
  retrieveTransfer(id: string): Promise<TransferSnapshot>;
  /** Moves money (R22, R28, R45): never retried here. */
  createTransferReversal(
    input: { transferId: string; amountMinor: number; metadata: Record<string, string> },
    idempotencyKey: string,
  ): Promise<ReversalSnapshot>;
  /** Every reversal of a transfer (all pages, newest first). */
  listTransferReversals(transferId: string): Promise<ReversalSnapshot[]>;
  /** The platform's Stripe balance per currency (upper-case codes), available and pending, in minor units. */
  retrieveBalance(): Promise<{ available: Record<string, number>; pending: Record<string, number> }>;
}

export interface MeetingDetails {
  id: string;
  joinUrl: string;
  startUrl: string;
  password: string;
}

export interface MeetingGateway {
  readonly mode: 'real' | 'sandbox';
  createMeeting(input: {
    topic: string;
    startsAt: Date;
    minutes: number;
    timezone: string;
    agenda: string;
  }): Promise<MeetingDetails>;
  /** A meeting made earlier for this marker (in its agenda), so a retry never makes a second one. */
  /** The meeting whose agenda carries `marker`; `topicSuffix` narrows which listed meetings are read. */
  findMeeting(marker: string, topicSuffix?: string): Promise<MeetingDetails | null>;
  /** Deleting a meeting that no longer exists is not an error. */
  deleteMeeting(id: string): Promise<void>;
  /**
   * Moves a meeting in place (R52: same id and join link). Idempotent: the same time again is no
   * change. A meeting Zoom no longer has is GatewayRefused with code '3001'.
   */
  updateMeeting(id: string, input: { startsAt: Date; minutes: number; timezone: string }): Promise<void>;
}

export interface Mailer {
  readonly mode: 'real' | 'sandbox';
  send(message: { to: string; subject: string; text: string; html: string; messageId: string }): Promise<string>;
}
