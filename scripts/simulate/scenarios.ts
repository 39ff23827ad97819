/**
 * The shortest reproductions of what the simulation found, as named command lists, so a fix can be
 * checked in seconds: `npm run simulate -- --scenario <name>` (or `--scenario all`). Each runs in a
 * fresh world like a random run (every invariant after every step, then the end-of-run checks) and
 * reports the violation it still shows, or that it passes now.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/main/domain/clock';
import * as C from './commands';

export interface Scenario {
  readonly what: string;
  readonly commands: () => C.SimCommand[];
}

const PAY_SOON = (gig = 0, card: C.Card = 'pm_card_visa') => new C.BookAndPay(0, gig, 75 * MINUTE_MS, 30, card);

export const SCENARIOS: Record<string, Scenario> = {
  'payment-mail-dropped-after-cancel': {
    what: 'A paid booking cancelled (R18) before the outbox ran: payment_received is never sent (R14 once each).',
    commands: () => [PAY_SOON(), new C.CancelPaid(0, 0)],
  },
  'meeting-and-mail-dropped-after-complete': {
    what: 'A paid session completed before the outbox ran: no meeting was ever made and payment_received is never sent.',
    commands: () => [PAY_SOON(), new C.AdvanceClock(3 * DAY_MS), new C.CompleteBooking(0, 'teacher')],
  },
  'duplicate-meeting-after-start': {
    what: 'Zoom made the meeting but its answer was lost; the retry after the session started finds no "upcoming" meeting and makes a second one.',
    commands: () => [
      PAY_SOON(0),
      new C.DrainOutbox(),
      PAY_SOON(1),
      new C.ZoomLostAnswer(),
      new C.DrainOutbox(),
      new C.AdvanceClock(6 * HOUR_MS),
      new C.DrainOutbox(),
    ],
  },
  'duplicate-meeting-after-crash': {
    what: 'The process dies after Zoom made the meeting, before it was saved: the redelivery (attempts still 0) never looks it up and makes a second one.',
    commands: () => [
      PAY_SOON(0, 'pm_card_authenticationRequired'),
      new C.CancelBooking(0, 'student'),
      PAY_SOON(0),
      new C.ArmCrash('any money call'),
      new C.DrainOutbox(),
    ],
  },
  'orphan-meeting-after-cancel': {
    what: 'Zoom made the meeting but its answer was lost; the booking is cancelled (R18) before the retry, which then skips it, and the delete finds no meeting here: it stays at Zoom.',
    commands: () => [
      PAY_SOON(0),
      new C.DrainOutbox(),
      new C.ZoomLostAnswer(),
      PAY_SOON(1),
      new C.DrainOutbox(),
      new C.CancelPaid(1, 0),
    ],
  },
  'cancel-intent-5xx-leaves-intent-open': {
    what: 'A 5xx answer to cancelling a cancelled booking\'s intent is taken for "already settled": the outbox row is done and the intent stays open at Stripe.',
    commands: () => [
      new C.CreateBooking('student', 0, 0, 75 * MINUTE_MS, 30),
      new C.ConfirmBooking(0, 'teacher'),
      new C.CreateIntent(0, 'student', false, false),
      new C.CancelBooking(0, 'student'),
      new C.StripeFault(['500']),
      new C.DrainOutbox(),
    ],
  },
  'stale-refund-outcome-fails-new-attempt': {
    what: "An earlier attempt's failed refund, polled late, marks the retried request FAILED while the retry's refund succeeded at Stripe: refunded there, not here.",
    commands: () => [
      PAY_SOON(),
      new C.DrainOutbox(),
      new C.AdvanceClock(3 * DAY_MS),
      new C.CompleteBooking(0, 'teacher'),
      new C.RequestRefund(0, 'half', 1),
      new C.FailNextRefund(),
      new C.ApproveRefund(0, 1),
      new C.SettleStripe(true),
      new C.Reconcile(),
      new C.StripeFault(['ok', 'timeout-after', '500']),
      new C.ProcessRefund(0, 0),
      new C.PollEvents(),
    ],
  },
  'second-partial-refund-of-cancelled-booking': {
    what: 'After the R18 refund was refused, two partial refunds of the cancelled booking: the second moves the payment but not the booking.',
    commands: () => [
      PAY_SOON(),
      new C.StripeFault(['500']),
      new C.CancelPaid(0, 0),
      new C.RequestRefund(0, 'half', 1),
      new C.RequestRefund(0, 'what remains', 1),
      new C.ApproveRefund(1, 1),
      new C.ApproveRefund(2, 1),
    ],
  },
  'deadlock-retry-payment-vs-cancel': {
    what: 'PostgreSQL only (--db postgres), timing-dependent: retrying a failed payment while the student cancels: the two lock payment and booking in opposite orders, deadlock (40P01) escapes as an internal error.',
    commands: () =>
      [0, 1, 2, 3, 4, 5].flatMap((n) => [
        new C.BookAndPay(n % 2, n % 3, (2 + n * 5) * HOUR_MS, 30, 'pm_card_chargeCustomerFail'),
        n % 2 === 0
          ? new C.Parallel(new C.ConfirmPayment(n, 'student', false, false, false), new C.CancelBooking(n, 'student'))
          : new C.Parallel(new C.CancelBooking(n, 'student'), new C.ConfirmPayment(n, 'student', false, false, false)),
      ]),
  },
  'confirm-leaks-gateway-error': {
    what: 'Confirming gets a 5xx, then reading the intent times out: the use case throws a raw GatewayNoAnswer instead of a DomainError.',
    commands: () => [
      new C.CreateBooking('student', 0, 0, 75 * MINUTE_MS, 30),
      new C.ConfirmBooking(0, 'teacher'),
      new C.AttachCard(0, 'pm_card_visa', 'student'),
      new C.CreateIntent(0, 'student', true, false),
      new C.StripeFault(['500', 'timeout-before']),
      new C.ConfirmPayment(0, 'student', false, false, false),
    ],
  },
};
