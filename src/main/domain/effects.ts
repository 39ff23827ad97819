/**
 * Side effects the transition tables ask for. Services turn them into outbox rows (or into the
 * transition of another aggregate) in the same transaction as the state change; nothing else
 * writes an outbox row.
 */
export type EmailTemplate =
  | 'booking_requested'
  | 'booking_confirmed'
  | 'booking_declined'
  | 'booking_cancelled'
  | 'payment_received'
  | 'payment_failed'
  | 'booking_refunded'
  /** R51–R53: a move asked for, answered, or made. */
  | 'reschedule_requested'
  | 'reschedule_declined'
  | 'reschedule_expired'
  | 'booking_rescheduled';

export type Recipient = 'student' | 'teacher';

export type BookingEffect =
  | { readonly type: 'email'; readonly template: EmailTemplate; readonly to: Recipient }
  | { readonly type: 'create_meeting' }
  | { readonly type: 'delete_meeting' }
  /** R52: a paid booking's meeting moved in place (same id and join link). */
  | { readonly type: 'update_meeting' }
  /** The booking's open payment is cancelled through the payment table (R13, R16). */
  | { readonly type: 'cancel_payment' }
  /** A full refund is filed, already approved, through the refund-request table (R18). */
  | { readonly type: 'refund_in_full' };

/** R40: money moved — the ledger posts it in the same transaction as the state change. */
export type LedgerEffect = {
  readonly type: 'post_ledger';
  readonly entry: 'payment_succeeded' | 'refund_succeeded' | 'refund_failed';
};

export type PaymentEffect = { readonly type: 'cancel_stripe_intent' } | LedgerEffect;

/** Staff emails about refunds: the outcome nobody should miss (R27). */
export type StaffTemplate = 'refund_failed';

export type RefundEffect =
  /** Send the refund to Stripe (done at once by the use case; the outbox row is the safety net). */
  | { readonly type: 'submit_refund' }
  | { readonly type: 'notify_staff'; readonly template: StaffTemplate }
  /** R45: the session was already paid out — recover the teacher's part by a transfer reversal. */
  | { readonly type: 'recover_teacher_part' };

export const emailBoth = (template: EmailTemplate): BookingEffect[] => [
  { type: 'email', template, to: 'student' },
  { type: 'email', template, to: 'teacher' },
];
