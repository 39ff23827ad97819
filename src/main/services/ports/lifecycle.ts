/** One recorded transition of a payment, refund request or payout run (append-only). */
export type AggregateName = 'payment' | 'refund_request' | 'payout_run' | 'payout_line';

export interface LifecycleTransitionRecord {
  id: number;
  aggregate: AggregateName;
  aggregateId: number;
  bookingId: number | null;
  action: string;
  fromState: string | null;
  toState: string;
  actorKind: 'STAFF' | 'STUDENT' | 'TEACHER' | 'SYSTEM';
  actorId: number | null;
  actorRole: string;
  reason: string | null;
  data: Record<string, unknown> | null;
  at: Date;
}

export type NewLifecycleTransition = Omit<LifecycleTransitionRecord, 'id' | 'aggregate' | 'aggregateId'>;

export interface TransitionLogStore {
  forAggregate(aggregate: AggregateName, aggregateId: number): Promise<LifecycleTransitionRecord[]>;
  forBooking(bookingId: number): Promise<LifecycleTransitionRecord[]>;
}
