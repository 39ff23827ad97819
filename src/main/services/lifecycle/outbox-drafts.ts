import type { Effect } from '../domain/effects';
import type { OutboxDraft } from './ports';

/**
 * Turns a decision's effects into outbox rows written in the same transaction as the state change.
 * Keys make each effect happen at most once: per transition for emails, per booking for the meeting.
 */
export function outboxDraftsFor(bookingId: number, transitionId: number, effects: readonly Effect[]): OutboxDraft[] {
  return effects.map((effect): OutboxDraft => {
    switch (effect.type) {
      case 'email':
        return {
          key: `booking:${bookingId}:t${transitionId}:email:${effect.template}:${effect.to}`,
          kind: 'email',
          bookingId,
          payload: { bookingId, template: effect.template, to: effect.to, transitionId },
        };
      case 'create_meeting':
        return {
          key: `booking:${bookingId}:meeting:create`,
          kind: 'zoom.create_meeting',
          bookingId,
          payload: { bookingId },
        };
      case 'delete_meeting':
        return {
          key: `booking:${bookingId}:meeting:delete`,
          kind: 'zoom.delete_meeting',
          bookingId,
          payload: { bookingId },
        };
      case 'cancel_payment_intent':
        return {
          key: `booking:${bookingId}:t${transitionId}:stripe:cancel_intent`,
          kind: 'stripe.cancel_intent',
          bookingId,
          payload: { bookingId, transitionId },
        };
      case 'refund_payment':
        return {
          key: `booking:${bookingId}:t${transitionId}:stripe:refund`,
          kind: 'stripe.refund',
          bookingId,
          payload: { bookingId, transitionId, amount: effect.amount },
        };
    }
  });
}
