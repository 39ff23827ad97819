/** Side effects a transition asks for. Services turn them into outbox rows in the same transaction. */
export type EmailTemplate =
  | 'booking_requested'
  | 'booking_confirmed'
  | 'booking_declined'
  | 'booking_cancelled'
  | 'payment_received'
  | 'payment_failed'
  | 'booking_refunded';

export type Recipient = 'student' | 'teacher';

export type Effect =
  | { readonly type: 'email'; readonly template: EmailTemplate; readonly to: Recipient }
  | { readonly type: 'create_meeting' }
  | { readonly type: 'delete_meeting' }
  | { readonly type: 'cancel_payment_intent' }
  | { readonly type: 'refund_payment'; readonly amount: 'full' | 'requested' };

export const emailBoth = (template: EmailTemplate): Effect[] => [
  { type: 'email', template, to: 'student' },
  { type: 'email', template, to: 'teacher' },
];
