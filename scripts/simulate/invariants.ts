/**
 * What must hold after every step, and after the end of a run once everything has settled,
 * checked against the database (all rows are the run's own: every run starts from empty tables)
 * and against what the sandboxes hold (Stripe's snapshot, Zoom's meetings, the mails received).
 */
import { BOOKING_TRANSITIONS, type BookingContext } from '../../src/main/domain/booking-machine';
import type { TransitionRole } from '../../src/main/domain/actors';
import type { CurrencyCode } from '../../src/main/domain/money';
import { PAYMENT_TRANSITIONS, type PaymentContext } from '../../src/main/domain/payment-machine';
import {
  OPEN_REFUND_STATUSES,
  REFUND_TRANSITIONS,
  type RefundContext,
  type RefundRequestStatus,
} from '../../src/main/domain/refund-machine';
import type { BookingState } from '../../src/main/domain/states';
import { defaultSettings, fourEyesThresholdFor } from '../../src/main/services/settings';
import { InvariantViolation, type World } from './world';

// ---- what is read ---------------------------------------------------------------------------

interface BookingRow {
  id: number;
  studentId: number;
  teacherId: number;
  status: string;
  paymentStatus: string;
}
interface BookingTransitionRow {
  id: number;
  bookingId: number;
  action: string;
  fromStatus: string | null;
  toStatus: string;
  fromPaymentStatus: string | null;
  toPaymentStatus: string;
  actorRole: string;
}
interface LifecycleRow {
  id: number;
  aggregate: string;
  aggregateId: number;
  action: string;
  fromState: string | null;
  toState: string;
  actorRole: string;
  data: unknown;
}
interface PaymentRow {
  id: number;
  bookingId: number;
  status: string;
  amountMinor: number;
  refundedMinor: number;
  currency: string;
  stripePaymentIntentId: string | null;
}
interface RefundRow {
  id: number;
  paymentId: number;
  bookingId: number;
  status: string;
  amountMinor: number;
  currency: string;
  source: string;
  requestedById: number;
  firstApproverId: number | null;
  secondApproverId: number | null;
  stripeRefundId: string | null;
  attempt: number;
}
interface MismatchRow {
  id: number;
  paymentId: number;
  bookingId: number;
  kind: string;
  localState: string;
  stripeState: string;
  detail: string;
}

interface StripeIntent {
  id: string;
  status: string;
  amount: number;
  metadata: Record<string, string>;
  last_payment_error: unknown;
}
interface StripeCharge {
  id: string;
  payment_intent: string;
  status: string;
  amount: number;
}
interface StripeRefund {
  id: string;
  amount: number;
  charge: string;
  payment_intent: string | null;
  status: string;
  metadata: Record<string, string>;
  failure_reason?: string;
}

export interface Facts {
  bookings: BookingRow[];
  bookingTransitions: BookingTransitionRow[];
  lifecycle: LifecycleRow[];
  payments: PaymentRow[];
  refunds: RefundRow[];
  stripe: { intents: StripeIntent[]; charges: StripeCharge[]; refunds: StripeRefund[] };
}

async function loadFacts(world: World): Promise<Facts> {
  const q = world.sim.query.bind(world.sim);
  const [bookings, bookingTransitions, lifecycle, payments, refunds] = await Promise.all([
    q<BookingRow>(`SELECT id, "studentId", "teacherId", status, "paymentStatus" FROM "Booking" ORDER BY id`),
    q<BookingTransitionRow>(
      `SELECT id, "bookingId", action, "fromStatus", "toStatus", "fromPaymentStatus", "toPaymentStatus", "actorRole" FROM "BookingTransition" ORDER BY id`,
    ),
    q<LifecycleRow>(
      `SELECT id, aggregate, "aggregateId", action, "fromState", "toState", "actorRole", data FROM "LifecycleTransition" ORDER BY id`,
    ),
    q<PaymentRow>(
      `SELECT id, "bookingId", status, "amountMinor", "refundedMinor", currency, "stripePaymentIntentId" FROM "Payment" ORDER BY id`,
    ),
    q<RefundRow>(
      `SELECT id, "paymentId", "bookingId", status, "amountMinor", currency, source, "requestedById", "firstApproverId", "secondApproverId", "stripeRefundId", attempt FROM "RefundRequest" ORDER BY id`,
    ),
  ]);
  const snapshot = world.stripe.snapshot();
  return {
    bookings,
    bookingTransitions,
    lifecycle,
    payments,
    refunds,
    stripe: {
      intents: snapshot.intents as unknown as StripeIntent[],
      charges: snapshot.charges as unknown as StripeCharge[],
      refunds: snapshot.refunds as unknown as StripeRefund[],
    },
  };
}

type Found = InvariantViolation[];
const fail = (found: Found, invariant: string, message: string, numbers: Record<string, unknown> = {}) => {
  found.push(new InvariantViolation(invariant, message, numbers));
};

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const roleOf = (recorded: string) => recorded.toLowerCase() as TransitionRole;

// ---- transitions: every recorded change is a row of its table, in an unbroken chain ----------

const BOOKING_SAMPLES: Partial<BookingContext>[] = [
  { refund: { amountMinor: 1, refundableMinor: 1 } },
  { refund: { amountMinor: 1, refundableMinor: 2 } },
  { refundReversal: { refundedAfterMinor: 0 } },
  { refundReversal: { refundedAfterMinor: 1 } },
];

const bookingKey = (status: string | null, payment: string | null) =>
  status === null ? 'null' : `${status}/${payment ?? ''}`;

function bookingRowFits(t: BookingTransitionRow): boolean {
  const from = t.fromStatus === null ? null : bookingKey(t.fromStatus, t.fromPaymentStatus);
  const to = bookingKey(t.toStatus, t.toPaymentStatus);
  return BOOKING_TRANSITIONS.some((row) => {
    if (row.action !== t.action || !row.roles.includes(roleOf(t.actorRole))) return false;
    const starts =
      row.from === null
        ? from === null
        : row.from.some((state) => bookingKey(state.status, state.paymentStatus) === from);
    if (!starts) return false;
    const fromState =
      t.fromStatus === null ? null : ({ status: t.fromStatus, paymentStatus: t.fromPaymentStatus } as BookingState);
    const targets =
      typeof row.to === 'function'
        ? BOOKING_SAMPLES.map((sample) =>
            (row.to as (ctx: BookingContext, from: BookingState | null) => BookingState)(
              sample as BookingContext,
              fromState,
            ),
          )
        : [row.to];
    return targets.some((target) => bookingKey(target.status, target.paymentStatus) === to);
  });
}

function checkChains<T extends { id: number }>(
  found: Found,
  entity: string,
  rows: readonly T[],
  aggregateOf: (row: T) => number,
  fromOf: (row: T) => string,
  toOf: (row: T) => string,
  current: Map<number, string>,
): void {
  for (const [id, chain] of groupBy(rows, aggregateOf)) {
    let state = 'null';
    for (const row of chain) {
      if (fromOf(row) !== state) {
        fail(
          found,
          `${entity}-transition-chain-broken`,
          `${entity} ${id}: transition #${row.id} starts from ${fromOf(row)} but the previous one ended in ${state}`,
          { [`${entity}Id`]: id, transitionId: row.id },
        );
      }
      state = toOf(row);
    }
    const now = current.get(id);
    if (now !== undefined && now !== state)
      fail(
        found,
        `${entity}-state-differs-from-last-transition`,
        `${entity} ${id} is ${now} but its last recorded transition ended in ${state}`,
        { [`${entity}Id`]: id, current: now, lastTransitionTo: state },
      );
  }
  for (const [id, state] of current) {
    if (!rows.some((row) => aggregateOf(row) === id))
      fail(found, `${entity}-without-transitions`, `${entity} ${id} (${state}) has no recorded transition`, {
        [`${entity}Id`]: id,
      });
  }
}

function checkTransitions(facts: Facts, found: Found): void {
  for (const t of facts.bookingTransitions) {
    if (!bookingRowFits(t))
      fail(
        found,
        'booking-transition-illegal',
        `booking ${t.bookingId}: transition #${t.id} ${t.action} by ${t.actorRole} ${bookingKey(t.fromStatus, t.fromPaymentStatus)} → ${bookingKey(t.toStatus, t.toPaymentStatus)} is no row of BOOKING_TRANSITIONS`,
        { bookingId: t.bookingId, transitionId: t.id },
      );
  }
  checkChains(
    found,
    'booking',
    facts.bookingTransitions,
    (t) => t.bookingId,
    (t) => bookingKey(t.fromStatus, t.fromPaymentStatus),
    (t) => bookingKey(t.toStatus, t.toPaymentStatus),
    new Map(facts.bookings.map((b) => [b.id, bookingKey(b.status, b.paymentStatus)])),
  );

  // Payments: the rows of PAYMENT_TRANSITIONS, with the refunded amount followed along the chain so
  // that a refund's target (partly or fully refunded) is checked exactly.
  const payments = facts.lifecycle.filter((t) => t.aggregate === 'payment');
  const amounts = new Map(facts.payments.map((p) => [p.id, p]));
  for (const [paymentId, chain] of groupBy(payments, (t) => t.aggregateId)) {
    const payment = amounts.get(paymentId);
    let refunded = 0;
    for (const t of chain) {
      const moved = Number((t.data as { amountMinor?: unknown } | null)?.amountMinor ?? Number.NaN);
      const ctx: PaymentContext = {
        amountMinor: payment?.amountMinor ?? 0,
        refundedMinor: refunded,
        refundAmountMinor: moved,
        reversedAmountMinor: moved,
      };
      const fits = PAYMENT_TRANSITIONS.some(
        (row) =>
          row.action === t.action &&
          row.roles.includes(roleOf(t.actorRole)) &&
          (row.from === null
            ? t.fromState === null
            : t.fromState !== null && row.from.some((s) => s === t.fromState)) &&
          (typeof row.to === 'function' ? row.to(ctx, null) : row.to) === t.toState,
      );
      if (!fits)
        fail(
          found,
          'payment-transition-illegal',
          `payment ${paymentId}: transition #${t.id} ${t.action} by ${t.actorRole} ${t.fromState ?? 'null'} → ${t.toState} is no row of PAYMENT_TRANSITIONS (refunded before: ${refunded} of ${payment?.amountMinor ?? '?'})`,
          { paymentId, transitionId: t.id, refundedBefore: refunded, moved },
        );
      if (t.action === 'refund') refunded += moved;
      if (t.action === 'refund_failed') refunded -= moved;
    }
    if (payment && payment.refundedMinor !== refunded)
      fail(
        found,
        'payment-refunded-differs-from-transitions',
        `payment ${paymentId}: refundedMinor is ${payment.refundedMinor}, its transitions add up to ${refunded}`,
        { paymentId, refundedMinor: payment.refundedMinor, fromTransitions: refunded },
      );
  }
  checkChains(
    found,
    'payment',
    payments,
    (t) => t.aggregateId,
    (t) => t.fromState ?? 'null',
    (t) => t.toState,
    new Map(facts.payments.map((p) => [p.id, p.status])),
  );

  const refunds = facts.lifecycle.filter((t) => t.aggregate === 'refund_request');
  const samples: Partial<RefundContext>[] = [
    { amountMinor: 2, fourEyesThresholdMinor: 1 },
    { amountMinor: 1, fourEyesThresholdMinor: 2 },
  ];
  for (const t of refunds) {
    const fits = REFUND_TRANSITIONS.some((row) => {
      if (row.action !== t.action || !row.roles.includes(roleOf(t.actorRole))) return false;
      if (row.from === null ? t.fromState !== null : !row.from.some((s) => s === t.fromState)) return false;
      const targets =
        typeof row.to === 'function'
          ? samples.map((sample) =>
              (row.to as (ctx: RefundContext, from: RefundRequestStatus | null) => RefundRequestStatus)(
                sample as RefundContext,
                null,
              ),
            )
          : [row.to];
      return targets.includes(t.toState as RefundRequestStatus);
    });
    if (!fits)
      fail(
        found,
        'refund-transition-illegal',
        `refund request ${t.aggregateId}: transition #${t.id} ${t.action} by ${t.actorRole} ${t.fromState ?? 'null'} → ${t.toState} is no row of REFUND_TRANSITIONS`,
        { refundRequestId: t.aggregateId, transitionId: t.id },
      );
  }
  checkChains(
    found,
    'refund',
    refunds,
    (t) => t.aggregateId,
    (t) => t.fromState ?? 'null',
    (t) => t.toState,
    new Map(facts.refunds.map((r) => [r.id, r.status])),
  );
}

// ---- money: ours ------------------------------------------------------------------------------

const TOOK_MONEY = new Set(['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED']);
const OPEN = new Set<string>(OPEN_REFUND_STATUSES);

function checkOurMoney(facts: Facts, found: Found): void {
  const refundsByPayment = groupBy(facts.refunds, (r) => r.paymentId);
  for (const payment of facts.payments) {
    if (payment.refundedMinor < 0 || payment.refundedMinor > payment.amountMinor)
      fail(
        found,
        'payment-refunded-out-of-range',
        `payment ${payment.id}: refundedMinor ${payment.refundedMinor} is outside 0…${payment.amountMinor}`,
        { paymentId: payment.id, refundedMinor: payment.refundedMinor, amountMinor: payment.amountMinor },
      );
    const requests = refundsByPayment.get(payment.id) ?? [];
    const succeeded = sum(requests.filter((r) => r.status === 'SUCCEEDED').map((r) => r.amountMinor));
    if (succeeded !== payment.refundedMinor)
      fail(
        found,
        'payment-refunded-differs-from-requests',
        `payment ${payment.id}: refundedMinor is ${payment.refundedMinor} but its SUCCEEDED refund requests add up to ${succeeded}`,
        { paymentId: payment.id, refundedMinor: payment.refundedMinor, succeededRequests: succeeded },
      );
    const reserved = sum(requests.filter((r) => OPEN.has(r.status)).map((r) => r.amountMinor));
    if (payment.refundedMinor + reserved > payment.amountMinor)
      fail(
        found,
        'refund-reservation-exceeds-payment',
        `payment ${payment.id}: refunded ${payment.refundedMinor} + open requests ${reserved} > paid ${payment.amountMinor} (R24/R27)`,
        { paymentId: payment.id, refundedMinor: payment.refundedMinor, reserved, amountMinor: payment.amountMinor },
      );
    if (requests.length > 0 && !TOOK_MONEY.has(payment.status) && requests.some((r) => r.status === 'SUCCEEDED'))
      fail(found, 'refund-of-unpaid-payment', `payment ${payment.id} is ${payment.status} but has succeeded refunds`, {
        paymentId: payment.id,
      });
  }
  // R24: above the threshold two approvers, neither the requester (R18's cancellation aside).
  const settings = defaultSettings();
  for (const request of facts.refunds) {
    const threshold = fourEyesThresholdFor(settings, request.currency as CurrencyCode);
    const approved = !['REQUESTED', 'AWAITING_SECOND_APPROVAL', 'REJECTED'].includes(request.status);
    if (!approved || request.source === 'cancel_paid') continue;
    const approvers = [request.firstApproverId, request.secondApproverId].filter((id): id is number => id !== null);
    const needed = request.amountMinor > threshold ? 2 : 1;
    if (new Set(approvers).size < needed || approvers.includes(request.requestedById))
      fail(
        found,
        'four-eyes',
        `refund request ${request.id} (${request.amountMinor} ${request.currency}, threshold ${threshold}) went to Stripe with approvers ${approvers.join(', ') || 'none'}, requested by ${request.requestedById}`,
        { refundRequestId: request.id, approvers, requestedBy: request.requestedById },
      );
  }
}

/** A booking's payment status is its payments' (the one that took money, else the open one). */
function checkBookingAgreesWithPayment(facts: Facts, found: Found): void {
  const byBooking = groupBy(facts.payments, (p) => p.bookingId);
  for (const booking of facts.bookings) {
    const payments = byBooking.get(booking.id) ?? [];
    const took = payments.filter((p) => TOOK_MONEY.has(p.status));
    const open = payments.filter((p) => p.status === 'PENDING' || p.status === 'FAILED');
    if (took.length + open.length > 1)
      fail(
        found,
        'booking-has-two-live-payments',
        `booking ${booking.id} has ${took.length + open.length} payments that are open or took money`,
        { bookingId: booking.id, payments: payments.map((p) => `${p.id}:${p.status}`) },
      );
    const expected = took[0]?.status ?? open[0]?.status ?? 'UNPAID';
    if (booking.paymentStatus !== expected)
      fail(
        found,
        'booking-payment-status-disagrees',
        `booking ${booking.id} is ${booking.status}/${booking.paymentStatus} but its payment says ${expected}`,
        {
          bookingId: booking.id,
          payments: payments.map((p) => `${p.id}:${p.status}:${p.refundedMinor}/${p.amountMinor}`),
        },
      );
  }
}

// ---- money: Stripe's ------------------------------------------------------------------------

function checkStripeMoney(facts: Facts, found: Found): void {
  const { intents, charges, refunds } = facts.stripe;
  const succeeded = charges.filter((c) => c.status === 'succeeded');
  for (const [intentId, list] of groupBy(succeeded, (c) => c.payment_intent)) {
    if (list.length > 1)
      fail(found, 'intent-charged-twice', `intent ${intentId} has ${list.length} succeeded charges`, {
        intentId,
        charges: list.map((c) => c.id),
      });
  }
  const intentById = new Map(intents.map((i) => [i.id, i]));
  const chargedIntents = [...new Set(succeeded.map((c) => c.payment_intent))];
  for (const [bookingId, list] of groupBy(chargedIntents, (id) => intentById.get(id)?.metadata['bookingId'] ?? '?')) {
    if (list.length > 1)
      fail(found, 'booking-charged-twice', `booking ${bookingId} was charged by ${list.length} intents`, {
        bookingId,
        intents: list,
      });
  }
  const live = refunds.filter((r) => r.status !== 'failed' && r.status !== 'canceled');
  for (const [requestId, list] of groupBy(live, (r) => r.metadata['refundRequestId'] ?? '?')) {
    if (list.length > 1)
      fail(
        found,
        'refund-request-refunded-twice',
        `refund request ${requestId} has ${list.length} refunds at Stripe that did not fail: ${list.map((r) => `${r.id} ${r.amount} ${r.status}`).join(', ')}`,
        { refundRequestId: requestId, refunds: list.map((r) => r.id) },
      );
  }
  const chargeById = new Map(charges.map((c) => [c.id, c]));
  for (const [chargeId, list] of groupBy(live, (r) => r.charge)) {
    const charge = chargeById.get(chargeId);
    const total = sum(list.map((r) => r.amount));
    if (charge && total > charge.amount)
      fail(
        found,
        'stripe-refunds-exceed-charge',
        `charge ${chargeId}: succeeded and pending refunds add up to ${total} > ${charge.amount}`,
        { chargeId, refunded: total, charged: charge.amount },
      );
  }
}

// ---- meetings and emails ---------------------------------------------------------------------

const MARKER = /linguaflex:booking:(\d+)$/;

function meetingsFor(world: World): { created: Map<number, number>; live: Map<number, number> } {
  const count = (agendas: readonly string[]) => {
    const counts = new Map<number, number>();
    for (const agenda of agendas) {
      const id = Number(MARKER.exec(agenda)?.[1] ?? Number.NaN);
      if (Number.isSafeInteger(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  };
  return {
    created: count(world.meetingsCreated.map((m) => m.agenda)),
    live: count([...world.zoom.meetings.values()].map((m) => m.agenda)),
  };
}

/** Distinct payment_received mails (a re-sent copy keeps its Message-ID) per booking and recipient. */
function paidMails(world: World, bookingId: number, email: string): number {
  const ids = new Set<string>();
  for (const mail of world.smtp.messages) {
    if (mail.subject.startsWith(`Booking #${bookingId} is paid`) && mail.to.includes(email))
      ids.add(mail.messageId ?? mail.id);
  }
  return ids.size;
}

function checkDeliveries(world: World, facts: Facts, found: Found, final: boolean): void {
  const { created, live } = meetingsFor(world);
  const paid = new Set(
    facts.bookingTransitions.filter((t) => t.action === 'payment_succeeded').map((t) => t.bookingId),
  );
  const students = new Map(world.cast.students.map((s) => [s.id, s.email]));
  const teachers = new Map(world.cast.teachers.map((t) => [t.id, t.email]));
  for (const booking of facts.bookings) {
    const made = created.get(booking.id) ?? 0;
    const open = live.get(booking.id) ?? 0;
    const mails = {
      student: paidMails(world, booking.id, students.get(booking.studentId) ?? '?'),
      teacher: paidMails(world, booking.id, teachers.get(booking.teacherId) ?? '?'),
    };
    const numbers = {
      bookingId: booking.id,
      state: `${booking.status}/${booking.paymentStatus}`,
      meetingsCreated: made,
      meetingsLive: open,
      paymentMails: mails,
    };
    if (made > 1) fail(found, 'meeting-created-twice', `booking ${booking.id} got ${made} Zoom meetings`, numbers);
    if (mails.student > 1 || mails.teacher > 1)
      fail(found, 'payment-mail-twice', `booking ${booking.id}: payment_received sent more than once`, numbers);
    if (!paid.has(booking.id)) {
      if (made > 0 || mails.student + mails.teacher > 0)
        fail(
          found,
          'delivery-for-unpaid-booking',
          `booking ${booking.id} was never paid but has a meeting or a payment mail`,
          numbers,
        );
      continue;
    }
    if (!final) continue;
    const stillPaid = booking.status === 'CONFIRMED' && booking.paymentStatus === 'PAID';
    // More than one is 'meeting-created-twice' (above); here: none, or none left, for a paid booking.
    if (stillPaid && made <= 1 && open !== 1)
      fail(
        found,
        'final-meeting-missing',
        `paid booking ${booking.id} has ${open} live of ${made} created Zoom meetings (R14: exactly one)`,
        numbers,
      );
    if ((booking.status === 'COMPLETED' || booking.status === 'REFUNDED') && made === 0)
      fail(
        found,
        'final-meeting-not-once-for-completed',
        `booking ${booking.id}, paid and then ${booking.status}, never had a Zoom meeting (R14: exactly one)`,
        numbers,
      );
    if (booking.status === 'CANCELLED' && open !== 0)
      fail(
        found,
        'final-meeting-not-deleted',
        `booking ${booking.id} was cancelled after it was paid but its Zoom meeting is still there (R18)`,
        numbers,
      );
    if (mails.student !== 1 || mails.teacher !== 1)
      fail(
        found,
        stillPaid ? 'final-payment-mail-not-once' : 'final-payment-mail-not-once-after-cancel-or-complete',
        `booking ${booking.id} was paid (now ${booking.status}/${booking.paymentStatus}); payment_received went ${mails.student}× to the student and ${mails.teacher}× to the teacher (R14: once each)`,
        numbers,
      );
  }
}

// ---- the end: our records equal Stripe's -----------------------------------------------------

function expectedPaymentStatus(intent: StripeIntent, refunded: number): string[] {
  switch (intent.status) {
    case 'succeeded':
      return [refunded === 0 ? 'PAID' : refunded >= intent.amount ? 'REFUNDED' : 'PARTIALLY_REFUNDED'];
    case 'canceled':
      return ['CANCELED'];
    case 'requires_payment_method':
      return intent.last_payment_error ? ['FAILED'] : ['PENDING'];
    default:
      return ['PENDING'];
  }
}

async function checkAgreesWithStripe(world: World, facts: Facts, found: Found): Promise<void> {
  const mismatches = await world.sim.query<MismatchRow>(
    `SELECT id, "paymentId", "bookingId", kind, "localState", "stripeState", detail FROM "ReconciliationMismatch" WHERE status = 'OPEN' ORDER BY id`,
  );
  const intentById = new Map(facts.stripe.intents.map((i) => [i.id, i]));
  const stripeRefunds = groupBy(facts.stripe.refunds, (r) => r.payment_intent ?? '?');
  const paidAfterCancel = new Set<number>();
  // Stripe says the intent succeeded after we cancelled: a real race the system reports (R26).
  for (const mismatch of mismatches) {
    const payment = facts.payments.find((p) => p.id === mismatch.paymentId);
    const intent = payment?.stripePaymentIntentId ? intentById.get(payment.stripePaymentIntentId) : undefined;
    if (mismatch.kind === 'paid_after_cancel' && payment?.status === 'CANCELED' && intent?.status === 'succeeded')
      paidAfterCancel.add(payment.id);
  }
  const known = new Set(facts.payments.map((p) => p.stripePaymentIntentId).filter((id) => id !== null));
  for (const intent of facts.stripe.intents) {
    if (intent.status !== 'canceled' && !known.has(intent.id))
      fail(
        found,
        'final-intent-unknown',
        `Stripe intent ${intent.id} (${intent.status}, ${intent.amount}) for payment ${intent.metadata['paymentId'] ?? '?'} is recorded on no payment`,
        { intentId: intent.id, status: intent.status, paymentId: intent.metadata['paymentId'] },
      );
  }

  // Each refund first: a wrong refund request explains a wrong payment, not the other way round.
  const statusOf: Record<string, string> = {
    succeeded: 'SUCCEEDED',
    pending: 'PENDING',
    requires_action: 'PENDING',
    failed: 'FAILED',
    canceled: 'FAILED',
  };
  const requestById = new Map(facts.refunds.map((r) => [r.id, r]));
  for (const refund of facts.stripe.refunds) {
    const request = requestById.get(Number(refund.metadata['refundRequestId']));
    const numbers = {
      stripeRefund: refund.id,
      amount: refund.amount,
      stripeStatus: refund.status,
      request: request
        ? `${request.id} ${request.status} attempt ${request.attempt} refund ${request.stripeRefundId ?? 'none'}`
        : 'none',
    };
    if (!request) {
      fail(
        found,
        'final-refund-unknown',
        `Stripe refund ${refund.id} (${refund.amount} ${refund.status}) belongs to no refund request`,
        numbers,
      );
      continue;
    }
    const dead = refund.status === 'failed' || refund.status === 'canceled';
    if (request.stripeRefundId !== refund.id) {
      if (!dead)
        fail(
          found,
          'final-refund-not-recorded',
          `Stripe refund ${refund.id} (${refund.amount} ${refund.status}) of refund request ${request.id} is not the one the request records (${request.stripeRefundId ?? 'none'}, ${request.status})`,
          numbers,
        );
      continue;
    }
    if (statusOf[refund.status] !== request.status)
      fail(
        found,
        'final-refund-status-differs',
        `refund request ${request.id} is ${request.status} but its Stripe refund ${refund.id} is ${refund.status}`,
        numbers,
      );
  }
  const stripeRefundIds = new Set(facts.stripe.refunds.map((r) => r.id));
  for (const request of facts.refunds) {
    if (request.stripeRefundId !== null && !stripeRefundIds.has(request.stripeRefundId))
      fail(
        found,
        'final-refund-status-differs',
        `refund request ${request.id} records Stripe refund ${request.stripeRefundId}, which does not exist`,
        { refundRequestId: request.id },
      );
    if (request.status === 'APPROVED' || request.status === 'PENDING')
      fail(
        found,
        'final-refund-stuck',
        `refund request ${request.id} is still ${request.status} (attempt ${request.attempt}, Stripe refund ${request.stripeRefundId ?? 'none'}) after everything settled`,
        { refundRequestId: request.id, status: request.status },
      );
  }
  for (const payment of facts.payments) {
    if (!payment.stripePaymentIntentId) continue;
    const intent = intentById.get(payment.stripePaymentIntentId);
    if (!intent) {
      fail(
        found,
        'final-payment-differs-from-intent',
        `payment ${payment.id}'s intent ${payment.stripePaymentIntentId} does not exist at Stripe`,
        { paymentId: payment.id },
      );
      continue;
    }
    const refunds = stripeRefunds.get(intent.id) ?? [];
    const stripeRefunded = sum(refunds.filter((r) => r.status === 'succeeded').map((r) => r.amount));
    const expected = expectedPaymentStatus(intent, stripeRefunded);
    if (paidAfterCancel.has(payment.id)) expected.push('CANCELED');
    if (!expected.includes(payment.status))
      fail(
        found,
        payment.status === 'CANCELED' && intent.status !== 'succeeded'
          ? 'final-canceled-payment-intent-still-open'
          : 'final-payment-differs-from-intent',
        `payment ${payment.id} is ${payment.status} but Stripe's intent is ${intent.status} (refunded ${stripeRefunded} of ${intent.amount}); expected ${expected.join(' or ')}`,
        { paymentId: payment.id, ours: payment.status, intent: intent.status, stripeRefunded, amount: intent.amount },
      );
    if (stripeRefunded !== payment.refundedMinor)
      fail(
        found,
        'final-refunded-differs-from-stripe',
        `payment ${payment.id}: refundedMinor ${payment.refundedMinor}, Stripe's succeeded refunds ${stripeRefunded} (${refunds.map((r) => `${r.id} ${r.amount} ${r.status} req ${r.metadata['refundRequestId'] ?? '?'}`).join(', ') || 'none'})`,
        { paymentId: payment.id, ours: payment.refundedMinor, stripe: stripeRefunded },
      );
  }

  // Last, as they are usually a consequence of the differences above.
  for (const mismatch of mismatches) {
    const payment = facts.payments.find((p) => p.id === mismatch.paymentId);
    const intent = payment?.stripePaymentIntentId ? intentById.get(payment.stripePaymentIntentId) : undefined;
    if (mismatch.kind === 'paid_after_cancel' && payment?.status === 'CANCELED' && intent?.status === 'succeeded') {
      world.expected.set('paid_after_cancel mismatch', (world.expected.get('paid_after_cancel mismatch') ?? 0) + 1);
      world.note(
        `  expected mismatch: payment ${payment.id} paid at Stripe after it was cancelled here (a race, shown to staff)`,
      );
      continue;
    }
    fail(
      found,
      'final-open-mismatch',
      `open reconciliation mismatch #${mismatch.id} ${mismatch.kind} on payment ${mismatch.paymentId}: here ${mismatch.localState}, Stripe ${mismatch.stripeState} (${mismatch.detail})`,
      {
        mismatch: mismatch.kind,
        paymentId: mismatch.paymentId,
        local: mismatch.localState,
        stripe: mismatch.stripeState,
        paymentNow: payment?.status,
        intentNow: intent?.status,
      },
    );
  }
}

// ---- entry points -------------------------------------------------------------------------------

function raise(world: World, found: Found): void {
  for (const violation of found) {
    if (world.ignores(violation.invariant)) {
      world.ignored.set(violation.invariant, (world.ignored.get(violation.invariant) ?? 0) + 1);
      continue;
    }
    throw violation;
  }
}

export async function checkAfterStep(world: World): Promise<void> {
  const facts = await loadFacts(world);
  const found: Found = [];
  checkTransitions(facts, found);
  checkOurMoney(facts, found);
  checkBookingAgreesWithPayment(facts, found);
  checkStripeMoney(facts, found);
  checkDeliveries(world, facts, found, false);
  raise(world, found);
}

export async function checkAtEnd(world: World): Promise<void> {
  const facts = await loadFacts(world);
  const found: Found = [];
  checkTransitions(facts, found);
  checkOurMoney(facts, found);
  checkBookingAgreesWithPayment(facts, found);
  checkStripeMoney(facts, found);
  checkDeliveries(world, facts, found, true);
  await checkAgreesWithStripe(world, facts, found);
  raise(world, found);
}
