import { formatDateTime, formatMoney } from '../../format';
import type { RouterOutputs } from '../../router-types';

type Detail = RouterOutputs['bookings']['get'];
type BookingTransition = Detail['transitions'][number];
type MoneyTransition = Detail['moneyTransitions'][number];

/** One line of the booking's history, in words: who, what, and why. */
export interface TimelineEntry {
  readonly key: string;
  readonly at: Date;
  readonly who: string;
  readonly what: string;
  readonly reason: string | null;
}

const ROLE_WORD: Record<string, string> = { ADMIN: 'admin', FINANCE: 'finance', SUPPORT: 'support' };

/** "Fiona Finance (finance)", "The student", "Stripe", "The system". */
function whoActed(
  actor: { actorKind: string; actorId: number | null; actorRole: string },
  staffNames: Readonly<Record<number, string>>,
): string {
  if (actor.actorKind === 'STAFF') {
    const name = actor.actorId !== null ? staffNames[actor.actorId] : undefined;
    const role = ROLE_WORD[actor.actorRole] ?? actor.actorRole.toLowerCase();
    return `${name ?? `A staff member (#${actor.actorId ?? '?'})`} (${role})`;
  }
  if (actor.actorKind === 'STUDENT') return 'The student';
  if (actor.actorKind === 'TEACHER') return 'The teacher';
  return actor.actorRole === 'STRIPE' ? 'Stripe' : 'The system';
}

const when = (date: Date | null | undefined) => (date ? formatDateTime(date) : 'an unknown time');

/** What a booking transition did, as a verb phrase after its actor. */
function bookingWhat(transition: BookingTransition): string {
  const from = when(transition.fromStartsAt);
  const to = when(transition.toStartsAt);
  switch (transition.action) {
    case 'create':
      return 'booked the session';
    case 'confirm':
      return 'confirmed the booking; the student was asked to pay';
    case 'decline':
      return 'declined the booking';
    case 'cancel':
      return 'cancelled the booking';
    case 'start_payment':
      return 'started taking the payment';
    case 'payment_succeeded':
      return 'reported the payment succeeded';
    case 'payment_failed':
      return 'reported the payment failed';
    case 'expire_payment_window':
      return 'cancelled the booking: it was not paid in time';
    case 'complete':
      return 'marked the session completed';
    case 'cancel_paid':
      return 'cancelled the paid booking with a full refund';
    case 'refund':
      return transition.toPaymentStatus === 'REFUNDED'
        ? 'refunded the payment in full'
        : 'refunded part of the payment';
    case 'refund_failed':
      return 'reported a refund failed; that amount counts as paid again';
    case 'request_reschedule':
      return `asked to move the session from ${from} to ${to}`;
    case 'accept_reschedule':
      return `accepted moving the session from ${from} to ${to}`;
    case 'decline_reschedule':
      return `declined moving the session to ${to}`;
    case 'expire_reschedule':
      return `let the request to move the session to ${to} expire`;
    case 'reschedule':
      return `moved the session from ${from} to ${to}`;
    default:
      return transition.action.replaceAll('_', ' ');
  }
}

function amountOf(transition: MoneyTransition, currency: string): string | null {
  const amount = transition.data?.['amountMinor'];
  return typeof amount === 'number' ? formatMoney(amount, currency) : null;
}

/** What a payment's or a refund request's transition did, as a verb phrase after its actor. */
function moneyWhat(transition: MoneyTransition, currency: string): string {
  const amount = amountOf(transition, currency);
  const of = amount ? ` of ${amount}` : '';
  const id = transition.aggregateId;
  if (transition.aggregate === 'payment') {
    switch (transition.action) {
      case 'create':
        return `started payment #${id}`;
      case 'succeed':
        return `confirmed payment #${id} succeeded`;
      case 'fail':
        return `reported payment #${id} was declined`;
      case 'retry':
        return `retried payment #${id}`;
      case 'cancel':
        return `cancelled payment #${id}`;
      case 'refund':
        return `refunded${of} on payment #${id}`;
      case 'refund_failed':
        return `reported a refund${of} on payment #${id} failed`;
      default:
        return `${transition.action.replaceAll('_', ' ')} payment #${id}`;
    }
  }
  switch (transition.action) {
    case 'request':
      return `asked for a refund${of} (request #${id})`;
    case 'file_for_cancellation':
      return `filed a full refund${of} for the cancellation (request #${id})`;
    case 'approve':
      return transition.toState === 'AWAITING_SECOND_APPROVAL'
        ? `approved refund request #${id} — the first of two approvals; it awaits a second approver`
        : `approved refund request #${id}`;
    case 'reject':
      return `rejected refund request #${id}`;
    case 'stripe_pending':
      return `accepted refund #${id}; it is pending at the bank`;
    case 'stripe_succeeded':
      return `completed refund #${id}`;
    case 'stripe_failed':
      return `could not make refund #${id}`;
    case 'retry':
      return `sent refund #${id} again`;
    default:
      return `${transition.action.replaceAll('_', ' ')} refund request #${id}`;
  }
}

/**
 * The booking's whole history in one list, oldest first: its own changes (moves with their times),
 * its payments and its refund requests (each approver named), with the reason where one was given.
 */
export function timelineOf(detail: Detail): TimelineEntry[] {
  const names = detail.staffNames;
  const entries: TimelineEntry[] = [
    ...detail.transitions.map((transition) => ({
      key: `b${transition.id}`,
      at: transition.at,
      who: whoActed(transition, names),
      what: bookingWhat(transition),
      reason: transition.reason,
    })),
    ...detail.moneyTransitions.map((transition) => ({
      key: `${transition.aggregate}${transition.id}`,
      at: transition.at,
      who: whoActed(transition, names),
      what: moneyWhat(transition, detail.currency),
      reason: transition.reason,
    })),
  ];
  return entries.sort((a, b) => a.at.getTime() - b.at.getTime());
}
