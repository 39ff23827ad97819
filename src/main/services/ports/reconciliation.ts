/** R26/R29: differences between our records and Stripe's, and Stripe events already applied (R25). */
export interface MismatchRecord {
  id: number;
  /** A payment's difference names the payment and its booking; a transfer's names the payout line and run. */
  paymentId: number | null;
  bookingId: number | null;
  payoutLineId: number | null;
  payoutRunId: number | null;
  kind: string;
  localState: string;
  stripeState: string;
  detail: string;
  status: 'OPEN' | 'RESOLVED';
  detectedAt: Date;
  resolvedAt: Date | null;
  resolvedById: number | null;
  resolution: string | null;
}

/** A new difference: what it is about (a payment, or a payout line's transfer) and the two sides. */
export type MismatchInput = Pick<MismatchRecord, 'kind' | 'localState' | 'stripeState' | 'detail' | 'detectedAt'> &
  ({ paymentId: number; bookingId: number } | { payoutRunId: number; payoutLineId: number | null });

export interface MismatchStore {
  open(input: MismatchInput): Promise<void>;
  list(query: { status?: 'OPEN' | 'RESOLVED' | undefined; limit: number }): Promise<MismatchRecord[]>;
  /** The open differences of one payment: while Stripe disagrees with us, no refund on it is approved. */
  openForPayment(paymentId: number): Promise<MismatchRecord[]>;
  countOpen(): Promise<number>;
  find(id: number): Promise<MismatchRecord | null>;
  resolve(id: number, by: number, resolution: string, at: Date): Promise<void>;
}

export interface StripeEventStore {
  has(id: string): Promise<boolean>;
  /** Returns false when the event id was already recorded (applied once, R25). */
  record(id: string, type: string): Promise<boolean>;
}
