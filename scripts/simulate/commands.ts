/**
 * The simulation's commands: each one thing an actor, the system or the world does, as a small
 * class with a readable label. Commands name the run's records by creation order ("booking #2":
 * the run's second booking, wrapping around) and resolve them when they run, so every command runs
 * in every sequence and shrinking only ever removes commands or simplifies their values.
 */
import fc from 'fast-check';
import type { Actor } from '../../src/main/domain/actors';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/main/domain/clock';
import { pollStripeEvents } from '../../src/main/jobs';
import { checkAfterStep } from './invariants';
import { CRASH_TARGETS, type CrashTarget, type Entry, type Step, type World } from './world';

export interface Model {
  steps: number;
}

export abstract class SimCommand implements fc.AsyncCommand<Model, World>, Step {
  abstract readonly entry: Entry;
  abstract label(): string;
  abstract act(world: World): Promise<string>;
  check(): boolean {
    return true;
  }
  async run(model: Model, world: World): Promise<void> {
    model.steps += 1;
    await world.runStep(this, checkAfterStep);
  }
  toString(): string {
    return this.label();
  }
}

// ---- helpers ------------------------------------------------------------------------------------

export function formatMs(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS}d`;
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS}h`;
  return `${ms / MINUTE_MS}m`;
}

/** Records are named by creation order: the first booking of the run is booking #1 (wrapping around). */
const nth = (index: number) => `#${index + 1}`;

/** The `index`-th record in creation order, wrapping around; null when there is none. */
function pick<T>(list: readonly T[], index: number): T | null {
  if (list.length === 0) return null;
  return list[index % list.length] ?? null;
}

interface BookingPick {
  id: number;
  studentId: number;
  teacherId: number;
  status: string;
  paymentStatus: string;
}

async function pickBooking(world: World, index: number): Promise<BookingPick | null> {
  return pick(
    await world.sim.query<BookingPick>(
      `SELECT id, "studentId", "teacherId", status, "paymentStatus" FROM "Booking" ORDER BY id`,
    ),
    index,
  );
}

interface IntentPick {
  paymentId: number;
  intentId: string;
  bookingId: number;
  studentId: number;
}

async function pickIntent(world: World, index: number): Promise<IntentPick | null> {
  return pick(
    await world.sim.query<IntentPick>(
      `SELECT p.id AS "paymentId", p."stripePaymentIntentId" AS "intentId", p."bookingId", b."studentId"
       FROM "Payment" p JOIN "Booking" b ON b.id = p."bookingId"
       WHERE p."stripePaymentIntentId" IS NOT NULL ORDER BY p.id`,
    ),
    index,
  );
}

async function pickRefund(world: World, index: number): Promise<{ id: number; status: string } | null> {
  return pick(
    await world.sim.query<{ id: number; status: string }>(`SELECT id, status FROM "RefundRequest" ORDER BY id`),
    index,
  );
}

async function latestCard(world: World, studentId: number): Promise<string | undefined> {
  const rows = await world.sim.query<{ pm: string }>(
    `SELECT "stripePaymentMethodId" AS pm FROM "PaymentMethod" WHERE "studentId" = $1 ORDER BY id DESC LIMIT 1`,
    [studentId],
  );
  return rows[0]?.pm;
}

const studentActor = (id: number): Actor => ({ kind: 'STUDENT', id });
const teacherActor = (id: number): Actor => ({ kind: 'TEACHER', id });

/** Runs both, concurrently; each outcome is judged on its own. */
async function both(world: World, entry: Entry, label: string, a: () => Promise<string>, b: () => Promise<string>) {
  const results = await Promise.allSettled([a(), b()]);
  return results
    .map((result) => (result.status === 'fulfilled' ? result.value : world.outcomeOf(result.reason, entry, label)))
    .join(' ‖ ');
}

/** Crashes and legal refusals of a sub-action become its outcome text; anything else is a violation. */
async function attempt(world: World, entry: Entry, label: string, work: () => Promise<string>): Promise<string> {
  try {
    return await work();
  } catch (error) {
    return world.outcomeOf(error, entry, label);
  }
}

/** The cast's gigs (world.ts): teacher 1 teaches the first and the third. */
const GIGS = ['teacher 1, USD 30/h', 'teacher 2, USD 120/h', 'teacher 1, JPY 16000/h'];
const gigName = (index: number) => GIGS[index % GIGS.length] ?? `gig ${index + 1}`;

// ---- people's actions ---------------------------------------------------------------------------

export type Booker = 'student' | 'admin' | 'support';

export class CreateBooking extends SimCommand {
  readonly entry = 'use-case';
  constructor(
    readonly by: Booker,
    readonly student: number,
    readonly gig: number,
    readonly startsInMs: number,
    readonly minutes: number,
  ) {
    super();
  }
  label() {
    return `CreateBooking(by ${this.by}, student ${this.student + 1}, gig ${this.gig + 1} (${gigName(this.gig)}), starts in ${formatMs(this.startsInMs)}, ${this.minutes} min)`;
  }
  async act(world: World) {
    const booking = await createBooking(world, this.by, this.student, this.gig, this.startsInMs, this.minutes);
    return `booking ${booking.id} ${booking.status}, ${booking.totalMinor} ${booking.currency}`;
  }
}

async function createBooking(
  world: World,
  by: Booker,
  studentIndex: number,
  gigIndex: number,
  inMs: number,
  minutes: number,
) {
  const { cast } = world;
  const student = cast.students[studentIndex % cast.students.length] ?? cast.students[0];
  const gig = cast.gigs[gigIndex % cast.gigs.length] ?? cast.gigs[0];
  if (!student || !gig) throw new Error('the cast has no students or gigs');
  const actor: Actor = by === 'student' ? studentActor(student.id) : by === 'admin' ? cast.admins[0] : cast.support;
  return world.app.services.bookings.create(actor, {
    studentId: student.id,
    gigId: gig.id,
    startsAt: new Date(world.clock.now().getTime() + inMs),
    minutes,
  });
}

export class ConfirmBooking extends SimCommand {
  readonly entry = 'use-case';
  constructor(
    readonly booking: number,
    readonly by: 'teacher' | 'admin',
  ) {
    super();
  }
  label() {
    return `ConfirmBooking(booking ${nth(this.booking)}, by ${this.by})`;
  }
  async act(world: World) {
    const booking = await pickBooking(world, this.booking);
    if (!booking) return 'no booking yet';
    const actor = this.by === 'teacher' ? teacherActor(booking.teacherId) : world.cast.admins[0];
    const view = await world.app.services.bookings.confirm(actor, { id: booking.id });
    return `booking ${view.id} ${view.status}/${view.paymentStatus}`;
  }
}

export class DeclineBooking extends SimCommand {
  readonly entry = 'use-case';
  constructor(readonly booking: number) {
    super();
  }
  label() {
    return `DeclineBooking(booking ${nth(this.booking)}, by teacher)`;
  }
  async act(world: World) {
    const booking = await pickBooking(world, this.booking);
    if (!booking) return 'no booking yet';
    const view = await world.app.services.bookings.decline(teacherActor(booking.teacherId), {
      id: booking.id,
      reason: 'not available',
    });
    return `booking ${view.id} ${view.status}/${view.paymentStatus}`;
  }
}

export const CARDS = [
  'pm_card_visa',
  'pm_card_mastercard',
  'pm_card_chargeCustomerFail',
  'pm_card_authenticationRequired',
  'pm_card_refundFail',
  'pm_card_pendingRefund',
] as const;
export type Card = (typeof CARDS)[number];

export class AttachCard extends SimCommand {
  readonly entry = 'use-case';
  constructor(
    readonly student: number,
    readonly card: Card,
    readonly by: 'student' | 'admin',
  ) {
    super();
  }
  label() {
    return `AttachCard(student ${this.student + 1}, ${this.card}, by ${this.by})`;
  }
  async act(world: World) {
    const student = world.cast.students[this.student % world.cast.students.length];
    if (!student) return 'no student';
    const actor = this.by === 'student' ? studentActor(student.id) : world.cast.admins[0];
    const method = await world.app.services.payments.attachMethod(actor, {
      studentId: student.id,
      paymentMethodId: this.card,
    });
    return `${method.paymentMethodId} (${method.brand} ${method.last4})`;
  }
}

export class CreateIntent extends SimCommand {
  readonly entry = 'use-case';
  constructor(
    readonly booking: number,
    readonly by: 'student' | 'admin',
    readonly withCard: boolean,
    readonly twice: boolean,
  ) {
    super();
  }
  label() {
    return `CreateIntent(booking ${nth(this.booking)}, by ${this.by}, ${this.withCard ? "with the student's latest card" : 'no card'}${this.twice ? ', twice at once' : ''})`;
  }
  async act(world: World) {
    const booking = await pickBooking(world, this.booking);
    if (!booking) return 'no booking yet';
    const card = this.withCard ? await latestCard(world, booking.studentId) : undefined;
    const actor = this.by === 'student' ? studentActor(booking.studentId) : world.cast.admins[0];
    const once = async () => {
      const intent = await world.app.services.payments.createIntent(actor, {
        bookingId: booking.id,
        paymentMethodId: card,
      });
      return `payment ${intent.paymentId} ${intent.status}, ${intent.paymentIntentId} ${intent.stripeStatus}${intent.created ? '' : ' (existing)'}`;
    };
    if (!this.twice) return once();
    return both(world, this.entry, this.label(), once, once);
  }
}

export class ConfirmPayment extends SimCommand {
  readonly entry = 'use-case';
  constructor(
    readonly intent: number,
    readonly by: 'student' | 'admin',
    readonly withLatestCard: boolean,
    readonly twice: boolean,
    readonly slowFirst: boolean,
  ) {
    super();
  }
  label() {
    return `ConfirmPayment(intent ${nth(this.intent)}, by ${this.by}, ${this.withLatestCard ? "student's latest card" : "intent's card"}${this.twice ? ', twice at once' : ''}${this.slowFirst ? ', Stripe slow' : ''})`;
  }
  async act(world: World) {
    const intent = await pickIntent(world, this.intent);
    if (!intent) return 'no intent yet';
    const card = this.withLatestCard ? await latestCard(world, intent.studentId) : undefined;
    const actor = this.by === 'student' ? studentActor(intent.studentId) : world.cast.admins[0];
    if (this.slowFirst) world.stripe.faults.failNext(1, { kind: 'slow', delayMs: 120 });
    const once = async () => {
      const result = await world.app.services.payments.confirm(actor, {
        paymentIntentId: intent.intentId,
        paymentMethodId: card,
      });
      return `payment ${result.paymentId} ${result.status} (${result.stripeStatus ?? '-'}: ${result.message})`;
    };
    if (!this.twice) return once();
    return both(world, this.entry, this.label(), once, once);
  }
}

export class CompleteBooking extends SimCommand {
  readonly entry = 'use-case';
  constructor(
    readonly booking: number,
    readonly by: 'teacher' | 'admin',
  ) {
    super();
  }
  label() {
    return `CompleteBooking(booking ${nth(this.booking)}, by ${this.by})`;
  }
  async act(world: World) {
    const booking = await pickBooking(world, this.booking);
    if (!booking) return 'no booking yet';
    const actor = this.by === 'teacher' ? teacherActor(booking.teacherId) : world.cast.admins[0];
    const view = await world.app.services.bookings.complete(actor, { id: booking.id });
    return `booking ${view.id} ${view.status}/${view.paymentStatus}`;
  }
}

export class CancelBooking extends SimCommand {
  readonly entry = 'use-case';
  constructor(
    readonly booking: number,
    readonly by: Booker,
  ) {
    super();
  }
  label() {
    return `CancelBooking(booking ${nth(this.booking)}, by ${this.by})`;
  }
  async act(world: World) {
    const booking = await pickBooking(world, this.booking);
    if (!booking) return 'no booking yet';
    const actor =
      this.by === 'student'
        ? studentActor(booking.studentId)
        : this.by === 'admin'
          ? world.cast.admins[0]
          : world.cast.support;
    const view = await world.app.services.bookings.cancel(actor, { id: booking.id, reason: 'plans changed' });
    return `booking ${view.id} ${view.status}/${view.paymentStatus}`;
  }
}

export class CancelPaid extends SimCommand {
  readonly entry = 'use-case';
  constructor(
    readonly booking: number,
    readonly admin: number,
  ) {
    super();
  }
  label() {
    return `CancelPaid(booking ${nth(this.booking)}, by admin ${this.admin + 1}) [R18]`;
  }
  async act(world: World) {
    const booking = await pickBooking(world, this.booking);
    if (!booking) return 'no booking yet';
    const view = await world.app.services.bookings.cancelPaid(
      world.cast.admins[this.admin % 2] ?? world.cast.admins[0],
      {
        id: booking.id,
        reason: 'teacher ill',
      },
    );
    return `booking ${view.id} ${view.status}/${view.paymentStatus}`;
  }
}

export const REFUND_AMOUNTS = ['1 cent', 'a quarter', 'half', 'what remains', 'the full amount'] as const;
export type RefundAmount = (typeof REFUND_AMOUNTS)[number];
const REQUESTERS = ['support', 'finance 1', 'admin 1'] as const;
const DECIDERS = ['finance 1', 'finance 2', 'admin 1', 'admin 2', 'support'] as const;

function staffNamed(world: World, name: string): Actor {
  const { cast } = world;
  switch (name) {
    case 'finance 1':
      return cast.finance[0];
    case 'finance 2':
      return cast.finance[1];
    case 'admin 1':
      return cast.admins[0];
    case 'admin 2':
      return cast.admins[1];
    default:
      return cast.support;
  }
}

export class RequestRefund extends SimCommand {
  readonly entry = 'use-case';
  constructor(
    readonly booking: number,
    readonly amount: RefundAmount,
    readonly by: number,
  ) {
    super();
  }
  label() {
    return `RequestRefund(booking ${nth(this.booking)}, ${this.amount}, by ${REQUESTERS[this.by % REQUESTERS.length] ?? 'support'})`;
  }
  async act(world: World) {
    const booking = await pickBooking(world, this.booking);
    if (!booking) return 'no booking yet';
    const payments = await world.sim.query<{ id: number; status: string; amountMinor: number; refundedMinor: number }>(
      `SELECT id, status, "amountMinor", "refundedMinor" FROM "Payment" WHERE "bookingId" = $1 ORDER BY (status IN ('PAID','PARTIALLY_REFUNDED','REFUNDED')) DESC, id DESC`,
      [booking.id],
    );
    const payment = payments[0];
    if (!payment) return `booking ${booking.id} has no payment`;
    const reserved = (
      await world.sim.query<{ total: number | string | null }>(
        `SELECT SUM("amountMinor") AS total FROM "RefundRequest" WHERE "paymentId" = $1 AND status IN ('REQUESTED','AWAITING_SECOND_APPROVAL','APPROVED','PENDING')`,
        [payment.id],
      )
    )[0]?.total;
    const remaining = payment.amountMinor - payment.refundedMinor - Number(reserved ?? 0);
    const amount = {
      '1 cent': 1,
      'a quarter': Math.max(1, Math.floor(payment.amountMinor / 4)),
      half: Math.max(1, Math.floor(payment.amountMinor / 2)),
      'what remains': Math.max(1, remaining),
      'the full amount': payment.amountMinor,
    }[this.amount];
    const actor = staffNamed(world, REQUESTERS[this.by % REQUESTERS.length] ?? 'support');
    const request = await world.app.services.refunds.request(actor, {
      paymentId: payment.id,
      amountMinor: amount,
      reason: 'lesson quality',
    });
    return `refund request ${request.id} ${request.status}: ${amount} of payment ${payment.id} (${payment.amountMinor})`;
  }
}

export class ApproveRefund extends SimCommand {
  readonly entry = 'use-case';
  constructor(
    readonly refund: number,
    readonly by: number,
  ) {
    super();
  }
  label() {
    return `ApproveRefund(refund request ${nth(this.refund)}, by ${DECIDERS[this.by % DECIDERS.length] ?? 'support'})`;
  }
  async act(world: World) {
    const request = await pickRefund(world, this.refund);
    if (!request) return 'no refund request yet';
    const actor = staffNamed(world, DECIDERS[this.by % DECIDERS.length] ?? 'support');
    const after = await world.app.services.refunds.approve(actor, { id: request.id });
    return `refund request ${after.id} ${request.status} → ${after.status}${after.stripeRefundId ? ` (${after.stripeRefundId})` : ''}`;
  }
}

export class RejectRefund extends SimCommand {
  readonly entry = 'use-case';
  constructor(
    readonly refund: number,
    readonly by: number,
  ) {
    super();
  }
  label() {
    return `RejectRefund(refund request ${nth(this.refund)}, by ${DECIDERS[this.by % DECIDERS.length] ?? 'support'})`;
  }
  async act(world: World) {
    const request = await pickRefund(world, this.refund);
    if (!request) return 'no refund request yet';
    const actor = staffNamed(world, DECIDERS[this.by % DECIDERS.length] ?? 'support');
    const after = await world.app.services.refunds.reject(actor, { id: request.id, note: 'not justified' });
    return `refund request ${after.id} ${request.status} → ${after.status}`;
  }
}

export class ProcessRefund extends SimCommand {
  readonly entry = 'use-case';
  constructor(
    readonly refund: number,
    readonly by: number,
  ) {
    super();
  }
  label() {
    return `RetryRefund(refund request ${nth(this.refund)}, by ${this.by % 2 === 0 ? 'finance 2' : 'admin 1'}) [refunds.process]`;
  }
  async act(world: World) {
    const request = await pickRefund(world, this.refund);
    if (!request) return 'no refund request yet';
    const actor = this.by % 2 === 0 ? world.cast.finance[1] : world.cast.admins[0];
    const after = await world.app.services.refunds.process(actor, { id: request.id });
    return `refund request ${after.id} ${request.status} → ${after.status} (attempt ${after.attempt})`;
  }
}

/** A whole happy path as one step, so that runs reach paid bookings, refunds and their failures. */
export class BookAndPay extends SimCommand {
  readonly entry = 'use-case';
  constructor(
    readonly student: number,
    readonly gig: number,
    readonly startsInMs: number,
    readonly minutes: number,
    readonly card: Card,
  ) {
    super();
  }
  label() {
    return `BookAndPay(student ${this.student + 1}, gig ${this.gig + 1} (${gigName(this.gig)}), starts in ${formatMs(this.startsInMs)}, ${this.minutes} min, ${this.card}: create, teacher confirms, attach, intent, confirm)`;
  }
  async act(world: World) {
    const booking = await createBooking(world, 'student', this.student, this.gig, this.startsInMs, this.minutes);
    const student = studentActor(booking.studentId);
    await world.app.services.bookings.confirm(teacherActor(booking.teacherId), { id: booking.id });
    const method = await world.app.services.payments.attachMethod(student, {
      studentId: booking.studentId,
      paymentMethodId: this.card,
    });
    const intent = await world.app.services.payments.createIntent(student, {
      bookingId: booking.id,
      paymentMethodId: method.paymentMethodId,
    });
    const paid = await world.app.services.payments.confirm(student, { paymentIntentId: intent.paymentIntentId });
    return `booking ${booking.id}, payment ${paid.paymentId} ${paid.status} (${paid.stripeStatus ?? '-'})`;
  }
}

// ---- Stripe's customer and Stripe itself -----------------------------------------------------------

export class Complete3DS extends SimCommand {
  readonly entry = 'system';
  constructor(
    readonly intent: number,
    readonly ok: boolean,
  ) {
    super();
  }
  label() {
    return `Complete3DS(intent ${nth(this.intent)}, ${this.ok ? 'passes' : 'fails'}) [at Stripe]`;
  }
  act(world: World) {
    return pickIntent(world, this.intent).then((intent) => {
      if (!intent) return 'no intent yet';
      try {
        world.stripe.completeAuthentication(intent.intentId, this.ok);
        return `${intent.intentId} ${this.ok ? 'authenticated' : 'authentication failed'}`;
      } catch (error) {
        return `nothing to authenticate (${error instanceof Error ? error.message : String(error)})`;
      }
    });
  }
}

export class SettleStripe extends SimCommand {
  readonly entry = 'system';
  constructor(readonly all: boolean) {
    super();
  }
  label() {
    return this.all ? 'SettleStripe(every pending refund outcome now)' : 'SettleStripe(outcomes due by the clock)';
  }
  act(world: World) {
    const ran = this.all ? world.stripe.settleAsync() : world.stripe.tick();
    return Promise.resolve(`${ran} asynchronous refund outcome(s)`);
  }
}

export const STRIPE_FAULTS = ['ok', '500', '503', 'timeout-before', 'timeout-after', 'slow'] as const;
export type StripeFaultKind = (typeof STRIPE_FAULTS)[number];

const FAULT_WORDS: Record<StripeFaultKind, string> = {
  ok: 'goes through',
  '500': 'answers 500',
  '503': 'answers 503',
  'timeout-before': 'is lost (timeout before any work)',
  'timeout-after': 'loses its answer (timeout after the work)',
  slow: 'is slow',
};

/** What Stripe does with its next requests, in order (whichever requests they are). */
export class StripeFault extends SimCommand {
  readonly entry = 'system';
  constructor(readonly kinds: readonly StripeFaultKind[]) {
    super();
  }
  label() {
    const nth = ['next', 'second', 'third', 'fourth'];
    return `StripeFault(${this.kinds.map((kind, i) => `the ${nth[i] ?? `${i + 1}th`} request ${FAULT_WORDS[kind]}`).join(', ')})`;
  }
  act(world: World) {
    for (const kind of this.kinds) {
      world.stripe.faults.failNext(
        1,
        kind === '500' || kind === '503'
          ? { kind: 'status', status: Number(kind) }
          : kind === 'slow' || kind === 'ok'
            ? { kind: 'slow', delayMs: kind === 'ok' ? 0 : 120 }
            : { kind },
      );
    }
    return Promise.resolve(`${world.stripe.faults.pending} fault(s) queued`);
  }
}

export class FailNextRefund extends SimCommand {
  readonly entry = 'system';
  label() {
    return 'FailNextRefund(the next refund Stripe makes succeeds, then fails later)';
  }
  act(world: World) {
    world.stripe.failNextRefund();
    return Promise.resolve('armed');
  }
}

// ---- the system's passes ------------------------------------------------------------------------

export class AdvanceClock extends SimCommand {
  readonly entry = 'system';
  constructor(readonly ms: number) {
    super();
  }
  label() {
    return `AdvanceClock(+${formatMs(this.ms)})`;
  }
  act(world: World) {
    world.clock.advance(this.ms);
    return Promise.resolve(world.clock.now().toISOString());
  }
}

export class Sweeps extends SimCommand {
  readonly entry = 'system';
  constructor(readonly which: 'expire unpaid' | 'auto-complete' | 'both') {
    super();
  }
  label() {
    return `Sweeps(${this.which})`;
  }
  async act(world: World) {
    const done: string[] = [];
    if (this.which !== 'auto-complete') {
      const result = await world.app.services.bookings.expireUnpaid();
      done.push(`expired [${result.done.join(', ')}]`);
    }
    if (this.which !== 'expire unpaid') {
      const result = await world.app.services.bookings.autoComplete();
      done.push(`completed [${result.done.join(', ')}]`);
    }
    return done.join(', ');
  }
}

export class DrainOutbox extends SimCommand {
  readonly entry = 'system';
  label() {
    return 'DrainOutbox()';
  }
  async act(world: World) {
    return `${await world.app.outbox.drain()} row(s) handled`;
  }
}

export class DrainTwoWorkers extends SimCommand {
  readonly entry = 'system';
  label() {
    return 'DrainTwoWorkers(two outbox workers, as on two hosts, at the same time)';
  }
  async act(world: World) {
    const [a, b] = await Promise.allSettled([world.app.outbox.drain(), world.app.outbox2.drain()]);
    return [a, b]
      .map((result) =>
        result.status === 'fulfilled'
          ? `${result.value} row(s) handled`
          : world.outcomeOf(result.reason, this.entry, this.label()),
      )
      .join(' ‖ ');
  }
}

export class PollEvents extends SimCommand {
  readonly entry = 'system';
  label() {
    return 'PollStripeEvents()';
  }
  async act(world: World) {
    return `${await pollStripeEvents(world.app.container, world.logger)} event(s) applied`;
  }
}

export const REDELIVERY = ['all again', 'shuffled', 'newest first', 'one at random'] as const;
export type Redelivery = (typeof REDELIVERY)[number];

export class RedeliverEvents extends SimCommand {
  readonly entry = 'system';
  constructor(
    readonly mode: Redelivery,
    readonly seed: number,
  ) {
    super();
  }
  label() {
    return `RedeliverEvents(${this.mode}${this.mode === 'shuffled' || this.mode === 'one at random' ? `, seed ${this.seed}` : ''}) [webhook deliveries]`;
  }
  async act(world: World) {
    const events = await world.app.gateway.eventsAfter(null);
    let order = [...events];
    let state = this.seed >>> 0;
    const random = () => {
      state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
      return state / 2 ** 32;
    };
    if (this.mode === 'newest first') order.reverse();
    if (this.mode === 'shuffled')
      for (let i = order.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j] as (typeof order)[number], order[i] as (typeof order)[number]];
      }
    if (this.mode === 'one at random')
      order = order.length > 0 ? [order[Math.floor(random() * order.length)] as (typeof order)[number]] : [];
    const counts = new Map<string, number>();
    for (const event of order) {
      const outcome = await attempt(world, this.entry, this.label(), () =>
        world.app.services.payments.handleEvent(event),
      );
      const key = outcome.startsWith('refused') ? 'refused' : outcome.startsWith('CRASH') ? 'crash' : outcome;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (world.app.life.dead) break;
    }
    return `${order.length} event(s): ${[...counts].map(([key, n]) => `${n} ${key}`).join(', ')}`;
  }
}

export class Reconcile extends SimCommand {
  readonly entry = 'system';
  label() {
    return 'Reconcile()';
  }
  async act(world: World) {
    const report = await world.app.services.reconciliation.run();
    return `checked ${report.checked}, settled ${report.settled}, new mismatches ${report.mismatches}${report.errors.length > 0 ? `, errors: ${report.errors.join('; ')}` : ''}`;
  }
}

// ---- faults of the world ------------------------------------------------------------------------

export class ArmCrash extends SimCommand {
  readonly entry = 'system';
  constructor(readonly on: CrashTarget) {
    super();
  }
  label() {
    return `ArmCrash(the process dies right after Stripe answers the next ${this.on})`;
  }
  act(world: World) {
    world.crash = this.on;
    return Promise.resolve('armed');
  }
}

export class Restart extends SimCommand {
  readonly entry = 'system';
  label() {
    return 'Restart(a clean restart: new services and outbox worker, start-up reconciliation)';
  }
  async act(world: World) {
    await world.restart('asked');
    return `generation ${world.app.generation}`;
  }
}

export class ZoomOutage extends SimCommand {
  readonly entry = 'system';
  constructor(readonly steps: number) {
    super();
  }
  label() {
    return `ZoomOutage(for ${this.steps} step(s))`;
  }
  act(world: World) {
    world.zoomOutage(this.steps);
    return Promise.resolve('Zoom answers 503');
  }
}

export class ZoomLostAnswer extends SimCommand {
  readonly entry = 'system';
  label() {
    return "ZoomLostAnswer(Zoom's next answer is lost after the work)";
  }
  act(world: World) {
    world.zoom.faults.failNext(1, { kind: 'timeout-after' });
    return Promise.resolve('armed');
  }
}

export class SmtpOutage extends SimCommand {
  readonly entry = 'system';
  constructor(readonly steps: number) {
    super();
  }
  label() {
    return `SmtpOutage(for ${this.steps} step(s))`;
  }
  async act(world: World) {
    await world.smtpOutage(this.steps);
    return 'the mail server is down';
  }
}

export class SmtpRefuse extends SimCommand {
  readonly entry = 'system';
  label() {
    return 'SmtpRefuse(the next message gets a 451)';
  }
  act(world: World) {
    world.smtp.failNext(1);
    return Promise.resolve('armed');
  }
}

/** Two actions at the same time (races between people, the worker and Stripe's events). */
export class Parallel extends SimCommand {
  readonly entry = 'use-case';
  constructor(
    readonly a: SimCommand,
    readonly b: SimCommand,
  ) {
    super();
  }
  label() {
    return `Parallel(${this.a.label()} ‖ ${this.b.label()})`;
  }
  async act(world: World) {
    const commands = [this.a, this.b];
    const results = await Promise.allSettled(commands.map((command) => command.act(world)));
    return results
      .map((result, i) => {
        const command = commands[i] ?? this.a;
        return result.status === 'fulfilled'
          ? result.value
          : world.outcomeOf(result.reason, command.entry, command.label());
      })
      .join(' ‖ ');
  }
}

// ---- the arbitrary ------------------------------------------------------------------------------

export type Profile = 'ci' | 'full';

const index = fc.nat({ max: 4 });
const startsIn = fc.constantFrom(75 * MINUTE_MS, 2 * HOUR_MS, 5 * HOUR_MS, 26 * HOUR_MS, 3 * DAY_MS, 10 * DAY_MS);
const minutes = fc.constantFrom(30, 60, 120);
const student = fc.nat({ max: 1 });
const gig = fc.nat({ max: 2 });
const card = fc.constantFrom(...CARDS);

const byStudentOrAdmin = fc.constantFrom<'student' | 'admin'>('student', 'admin');
const byTeacherOrAdmin = fc.constantFrom<'teacher' | 'admin'>('teacher', 'admin');
const booker = fc.constantFrom<Booker>('student', 'admin', 'support');

/** People's and the system's actions: also what may run at the same time as another one. */
const ACTIONS = {
  create: fc
    .tuple(booker, student, gig, startsIn, minutes)
    .map(([by, s, g, at, m]) => new CreateBooking(by, s, g, at, m)),
  confirm: fc.tuple(index, byTeacherOrAdmin).map(([b, by]) => new ConfirmBooking(b, by)),
  intent: fc
    .tuple(index, byStudentOrAdmin, fc.boolean(), fc.boolean())
    .map(([b, by, withCard, twice]) => new CreateIntent(b, by, withCard, twice)),
  pay: fc
    .tuple(index, byStudentOrAdmin, fc.boolean(), fc.boolean(), fc.boolean())
    .map(([i, by, latest, twice, slow]) => new ConfirmPayment(i, by, latest, twice, slow)),
  complete: fc.tuple(index, byTeacherOrAdmin).map(([b, by]) => new CompleteBooking(b, by)),
  request: fc
    .tuple(index, fc.constantFrom(...REFUND_AMOUNTS), fc.nat({ max: 2 }))
    .map(([b, a, by]) => new RequestRefund(b, a, by)),
  approve: fc.tuple(index, fc.nat({ max: 4 })).map(([r, by]) => new ApproveRefund(r, by)),
  process: fc.tuple(index, fc.nat({ max: 1 })).map(([r, by]) => new ProcessRefund(r, by)),
  cancel: fc.tuple(index, booker).map(([b, by]) => new CancelBooking(b, by)),
  cancelPaid: fc.tuple(index, fc.nat({ max: 1 })).map(([b, a]) => new CancelPaid(b, a)),
  sweeps: fc
    .constantFrom<'expire unpaid' | 'auto-complete' | 'both'>('expire unpaid', 'auto-complete', 'both')
    .map((which) => new Sweeps(which)),
  drain: fc.constant(null).map(() => new DrainOutbox()),
  poll: fc.constant(null).map(() => new PollEvents()),
  threeDS: fc.tuple(index, fc.boolean()).map(([i, ok]) => new Complete3DS(i, ok)),
  reconcile: fc.constant(null).map(() => new Reconcile()),
  redeliver: fc.tuple(fc.constantFrom(...REDELIVERY), fc.nat()).map(([mode, seed]) => new RedeliverEvents(mode, seed)),
} satisfies Record<string, fc.Arbitrary<SimCommand>>;

export function commandArbitrary(profile: Profile): fc.Arbitrary<SimCommand> {
  const lost = profile === 'full' ? 2 : 1;
  const oneFault = fc.oneof(
    { arbitrary: fc.constantFrom<StripeFaultKind>('500', '503'), weight: 4 },
    { arbitrary: fc.constantFrom<StripeFaultKind>('ok', 'slow'), weight: 2 },
    { arbitrary: fc.constantFrom<StripeFaultKind>('timeout-before', 'timeout-after'), weight: lost },
  );
  const racing = fc.oneof(...Object.values(ACTIONS));
  const weighted: fc.WeightedArbitrary<SimCommand>[] = [
    { arbitrary: ACTIONS.create, weight: 6 },
    {
      arbitrary: fc
        .tuple(student, gig, startsIn, minutes, card)
        .map(([s, g, at, m, c]) => new BookAndPay(s, g, at, m, c)),
      weight: 6,
    },
    { arbitrary: ACTIONS.confirm, weight: 5 },
    { arbitrary: index.map((b) => new DeclineBooking(b)), weight: 1 },
    { arbitrary: fc.tuple(student, card, byStudentOrAdmin).map(([s, c, by]) => new AttachCard(s, c, by)), weight: 4 },
    { arbitrary: ACTIONS.intent, weight: 5 },
    { arbitrary: ACTIONS.pay, weight: 6 },
    { arbitrary: ACTIONS.threeDS, weight: 3 },
    {
      arbitrary: fc
        .constantFrom(5 * MINUTE_MS, 20 * MINUTE_MS, HOUR_MS, 6 * HOUR_MS, 25 * HOUR_MS, 3 * DAY_MS)
        .map((ms) => new AdvanceClock(ms)),
      weight: 6,
    },
    { arbitrary: ACTIONS.complete, weight: 3 },
    { arbitrary: ACTIONS.request, weight: 6 },
    { arbitrary: ACTIONS.approve, weight: 7 },
    { arbitrary: fc.tuple(index, fc.nat({ max: 4 })).map(([r, by]) => new RejectRefund(r, by)), weight: 1 },
    { arbitrary: ACTIONS.process, weight: 3 },
    { arbitrary: ACTIONS.cancel, weight: 2 },
    { arbitrary: ACTIONS.cancelPaid, weight: 3 },
    { arbitrary: ACTIONS.sweeps, weight: 2 },
    { arbitrary: fc.boolean().map((all) => new SettleStripe(all)), weight: 3 },
    { arbitrary: ACTIONS.drain, weight: 5 },
    { arbitrary: fc.constant(null).map(() => new DrainTwoWorkers()), weight: 2 },
    { arbitrary: ACTIONS.poll, weight: 4 },
    { arbitrary: ACTIONS.redeliver, weight: 2 },
    { arbitrary: ACTIONS.reconcile, weight: 3 },
    {
      arbitrary: fc.array(oneFault, { minLength: 1, maxLength: 3 }).map((kinds) => new StripeFault(kinds)),
      weight: 3,
    },
    { arbitrary: fc.constant(null).map(() => new FailNextRefund()), weight: 1 },
    { arbitrary: fc.constantFrom(...CRASH_TARGETS).map((on) => new ArmCrash(on)), weight: 3 },
    { arbitrary: fc.constant(null).map(() => new Restart()), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: 4 }).map((steps) => new ZoomOutage(steps)), weight: 1 },
    { arbitrary: fc.constant(null).map(() => new ZoomLostAnswer()), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: 4 }).map((steps) => new SmtpOutage(steps)), weight: 1 },
    { arbitrary: fc.constant(null).map(() => new SmtpRefuse()), weight: 1 },
    { arbitrary: fc.tuple(racing, racing).map(([a, b]) => new Parallel(a, b)), weight: 3 },
  ];
  return fc.oneof(...weighted);
}
