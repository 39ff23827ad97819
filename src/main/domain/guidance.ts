import { MINUTE_MS } from './clock';
import type { BookingState } from './states';

export interface NextStep {
  text: string;
  /** When the step must be done by (the payment deadline), for the console to show in local time. */
  deadline: Date | null;
}

/**
 * What the student or teacher has to do next, in plain words for support staff walking them
 * through a booking (R10–R19).
 */
export function nextStepFor(
  state: BookingState,
  startsAt: Date,
  endsAt: Date,
  now: Date,
  paymentWindowMinutes: number,
): NextStep {
  const payable =
    state.status === 'CONFIRMED' && (state.paymentStatus === 'UNPAID' || state.paymentStatus === 'FAILED');
  return {
    text: describe(state, startsAt, endsAt, now, paymentWindowMinutes),
    deadline: payable ? new Date(startsAt.getTime() - paymentWindowMinutes * MINUTE_MS) : null,
  };
}

function describe(state: BookingState, startsAt: Date, endsAt: Date, now: Date, paymentWindowMinutes: number): string {
  switch (state.status) {
    case 'PENDING':
      return startsAt > now
        ? 'Waiting for the teacher to confirm or decline the request. The student needs to do nothing yet.'
        : 'The start time has passed without the teacher confirming; the booking can only be cancelled now.';
    case 'CONFIRMED':
      switch (state.paymentStatus) {
        case 'UNPAID':
          return `The teacher confirmed. The student must add a card and pay by the deadline (${paymentWindowMinutes} minutes before the start), or the booking is cancelled automatically.`;
        case 'PENDING':
          return 'The payment is in progress. If the bank asks for it, the student must complete card authentication (3-D Secure) in their app.';
        case 'FAILED':
          return 'The last payment failed. The student can retry with the same or another card before the deadline.';
        case 'PAID':
          return endsAt > now
            ? 'Paid. Student and teacher join with the Zoom link from their confirmation email at the start time.'
            : 'The session has ended. The teacher (or an admin) marks it completed; the system does so 24 hours after the end.';
        default:
          return 'Confirmed.';
      }
    case 'COMPLETED':
      return state.paymentStatus === 'PARTIALLY_REFUNDED'
        ? 'Completed; part of the payment was refunded. Nothing more is needed.'
        : 'Completed. Nothing more is needed unless a refund is requested.';
    case 'CANCELLED':
      return state.paymentStatus === 'REFUNDED'
        ? 'Cancelled and refunded in full. The refund reaches the student’s card within 5–10 business days.'
        : 'Cancelled. Nothing was charged; the student may book another time.';
    case 'REFUNDED':
      return 'Refunded in full. The refund reaches the student’s card within 5–10 business days.';
  }
}
