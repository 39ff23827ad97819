import type { BookingEffect, PaymentEffect, RefundEffect } from '../../domain/effects';
import type { OutboxDraft } from '../ports';

/** The keys of a booking's meeting rows: the deliveries of the two look at each other (create before delete). */
export const meetingCreateKey = (bookingId: number) => `booking:${bookingId}:meeting:create`;
export const meetingDeleteKey = (bookingId: number) => `booking:${bookingId}:meeting:delete`;

/**
 * Turns a decision's effects into outbox rows, written in the same transaction as the state
 * change. Keys make each effect happen at most once: per transition for emails, per booking for the
 * meeting, per payment for cancelling its intent, per attempt for sending a refund to Stripe.
 */
export function bookingEffectDrafts(
  bookingId: number,
  transitionId: number,
  effects: readonly BookingEffect[],
  move?: { from: Date; to: Date; reason: string | null },
): OutboxDraft[] {
  // Emails about a move carry it (times as ISO text), so each says what was asked or done then.
  const moved = move ? { move: { from: move.from.toISOString(), to: move.to.toISOString(), reason: move.reason } } : {};
  return effects.flatMap((effect): OutboxDraft[] => {
    switch (effect.type) {
      case 'email':
        return [
          {
            key: `booking:${bookingId}:t${transitionId}:email:${effect.template}:${effect.to}`,
            kind: 'email',
            bookingId,
            payload: { bookingId, template: effect.template, to: effect.to, transitionId, ...moved },
          },
        ];
      case 'create_meeting':
        return [
          {
            key: meetingCreateKey(bookingId),
            kind: 'zoom.create_meeting',
            bookingId,
            payload: { bookingId },
          },
        ];
      case 'update_meeting':
        // Keyed by the transition: each move updates the meeting once, to the time the booking has then.
        return [
          {
            key: `booking:${bookingId}:t${transitionId}:meeting:update`,
            kind: 'zoom.update_meeting',
            bookingId,
            payload: { bookingId },
          },
        ];
      case 'delete_meeting':
        return [
          {
            key: meetingDeleteKey(bookingId),
            kind: 'zoom.delete_meeting',
            bookingId,
            payload: { bookingId },
          },
        ];
      // These move other aggregates through their own tables; their effects become the rows.
      case 'cancel_payment':
      case 'refund_in_full':
        return [];
    }
  });
}

export function paymentEffectDrafts(
  payment: { id: number; bookingId: number },
  effects: readonly PaymentEffect[],
): OutboxDraft[] {
  // The ledger effects post in the transaction itself (lifecycle/ledger.ts); only Stripe calls are rows.
  return effects
    .filter((effect) => effect.type === 'cancel_stripe_intent')
    .map((effect) => ({
      key: `payment:${payment.id}:${effect.type}`,
      kind: 'stripe.cancel_intent',
      bookingId: payment.bookingId,
      payload: { paymentId: payment.id },
    }));
}

/** The use case sends a refund at once; this row only catches a crash in between, so it waits a while. */
export const REFUND_SAFETY_NET_MS = 60_000;

export function refundEffectDrafts(
  request: { id: number; bookingId: number; attempt: number },
  effects: readonly RefundEffect[],
  now: Date,
): OutboxDraft[] {
  return effects.map((effect): OutboxDraft => {
    switch (effect.type) {
      case 'recover_teacher_part':
        return {
          key: `refund-request:${request.id}:reversal`,
          kind: 'stripe.reverse_transfer',
          bookingId: request.bookingId,
          payload: { refundRequestId: request.id },
        };
      case 'submit_refund':
        return {
          key: `refund-request:${request.id}:attempt:${request.attempt}:submit`,
          kind: 'stripe.refund',
          bookingId: request.bookingId,
          payload: { refundRequestId: request.id, attempt: request.attempt },
          notBefore: new Date(now.getTime() + REFUND_SAFETY_NET_MS),
        };
      case 'notify_staff':
        return {
          key: `refund-request:${request.id}:attempt:${request.attempt}:staff:${effect.template}`,
          kind: 'email.staff',
          bookingId: request.bookingId,
          payload: { refundRequestId: request.id, template: effect.template },
        };
    }
  });
}
