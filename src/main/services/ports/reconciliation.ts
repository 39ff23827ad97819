/** R26/R29: differences between our records and Stripe's, and Stripe events already applied (R25). */
export interface MismatchRecord {
  id: number;
  paymentId: number;
  bookingId: number;
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

export interface MismatchStore {
  open(input: Omit<MismatchRecord, 'id' | 'status' | 'resolvedAt' | 'resolvedById' | 'resolution'>): Promise<void>;
  list(query: { status?: 'OPEN' | 'RESOLVED' | undefined; limit: number }): Promise<MismatchRecord[]>;
  countOpen(): Promise<number>;
  find(id: number): Promise<MismatchRecord | null>;
  resolve(id: number, by: number, resolution: string, at: Date): Promise<void>;
}

export interface StripeEventStore {
  has(id: string): Promise<boolean>;
  /** Returns false when the event id was already recorded (applied once, R25). */
  record(id: string, type: string): Promise<boolean>;
}
