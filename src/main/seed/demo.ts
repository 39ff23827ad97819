import { randomBytes } from 'node:crypto';
import type { Container } from '../container';
import type { Actor, StaffRole } from '../domain/actors';
import type { Clock } from '../domain/clock';
import { createServices } from '../services';
import { generateBookings, generatePeople, type SeedBooking, type SeedOptions } from './generator';

/**
 * The demo set of a fresh database (issue 10, point 7), made through the product's own paths — the
 * services, the local sandboxes and the outbox — so every demo booking behaves like a real one on
 * every screen: paid bookings have their Stripe customer, card, intent and charge, their Zoom meeting
 * and both emails; refunds were requested, approved (two people above the threshold) and made at
 * Stripe; cancelled paid bookings were refunded in full and their meeting deleted; the ledger was
 * posted by the same transactions. Reconciliation finds nothing to say about it.
 *
 * The deterministic generator (src/main/seed/generator.ts) decides who books what, when, and how
 * each booking ends; its histories are replayed step by step in time order on a clock of their own,
 * so a session that lies in the past was booked, paid and completed in the past. (Stripe's, Zoom's
 * and the mail server's own timestamps are of the moment the demo was loaded.)
 *
 * `npm run seed` (src/main/db/bulk-seed.ts) stays the bulk writer of benchmark data: it writes rows
 * directly, without Stripe objects, meetings or emails, and is meant for measuring, not for demos.
 */
export interface DemoResult {
  teachers: number;
  students: number;
  gigs: number;
  bookings: number;
  /** Steps that the product refused (none expected); the demo goes on without them. */
  problems: string[];
}

interface Step {
  at: Date;
  booking: number;
  action: string;
  reason: string | null;
}

/** A clock the demo moves along its timeline; never backwards. */
function timelineClock(start: Date): Clock & { set(at: Date): void } {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    set: (at) => {
      now = Math.max(now, at.getTime());
    },
  };
}

const CARD_PAID = 'pm_card_visa';
const CARD_DECLINED = 'pm_card_chargeCustomerFail';

export async function loadDemoData(
  container: Container,
  options: SeedOptions,
  signal?: AbortSignal,
): Promise<DemoResult> {
  const people = generatePeople(options);
  const planned = generateBookings(options, people, 0, options.bookings);
  const firstAt = Math.min(...planned.map((booking) => booking.createdAt.getTime()));
  const clock = timelineClock(new Date(Math.min(firstAt, options.now.getTime()) - 60_000));
  const services = createServices(
    { uow: container.uow, clock, events: container.events },
    { gateway: container.integrations.gateway },
    { kick: () => container.outbox.kick() },
  );
  const problems: string[] = [];

  // Demo colleagues whose names appear in the histories; disabled, with unusable random passwords.
  const staff: Record<'admin' | 'finance' | 'support', Actor & { kind: 'STAFF' }> = await container.uow.transaction(
    async (repos) => {
      const made = {} as Record<'admin' | 'finance' | 'support', Actor & { kind: 'STAFF' }>;
      for (const [key, role, name] of [
        ['admin', 'ADMIN', 'Demo Admin'],
        ['finance', 'FINANCE', 'Demo Finance'],
        ['support', 'SUPPORT', 'Demo Support'],
      ] as const satisfies readonly (readonly [string, StaffRole, string])[]) {
        const record = await repos.staff.create({
          email: `demo-${key}@demo.linguaflex.test`,
          name,
          role,
          passwordHash: `disabled$${randomBytes(16).toString('hex')}`,
          createdAt: clock.now(),
        });
        await repos.staff.setActive(record.id, false, clock.now());
        made[key] = { kind: 'STAFF', id: record.id, role };
      }
      return made;
    },
  );

  const teacherIds: number[] = [];
  for (const teacher of people.teachers) {
    const made = await services.people.create(staff.admin, { kind: 'teacher', ...teacher });
    teacherIds.push(made.id);
  }
  const studentIds: number[] = [];
  for (const student of people.students) {
    const made = await services.people.create(staff.admin, { kind: 'student', ...student });
    studentIds.push(made.id);
  }
  const gigIds: number[] = [];
  for (const gig of people.gigs) {
    const made = await services.people.createGig(staff.admin, {
      teacherId: teacherIds[gig.teacherKey] ?? 0,
      title: gig.title,
      language: gig.language,
      hourlyRateMinor: gig.hourlyRateMinor,
      currency: gig.currency,
    });
    gigIds.push(made.id);
  }

  // Every step of every history, in time order (the completions are the system's own sweep).
  const steps: Step[] = planned
    .flatMap((booking, index) =>
      booking.transitions.map((transition) => ({
        at: transition.at,
        booking: index,
        action: transition.action,
        reason: transition.reason,
      })),
    )
    .filter((step) => step.action !== 'complete')
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.booking - b.booking);

  const bookingIds = new Map<number, number>();
  const intents = new Map<number, { paymentId: number; intentId: string }>();
  const cards = new Map<string, string>();
  const student = (booking: SeedBooking): Actor => ({ kind: 'STUDENT', id: studentIds[booking.studentKey] ?? 0 });
  const teacher = (booking: SeedBooking): Actor => ({ kind: 'TEACHER', id: teacherIds[booking.teacherKey] ?? 0 });

  async function card(booking: SeedBooking, token: string): Promise<string> {
    const studentId = studentIds[booking.studentKey] ?? 0;
    const key = `${studentId}:${token}`;
    let id = cards.get(key);
    if (!id) {
      id = (await services.payments.attachMethod(staff.admin, { studentId, paymentMethodId: token })).paymentMethodId;
      cards.set(key, id);
    }
    return id;
  }

  async function run(step: Step): Promise<void> {
    const booking = planned[step.booking];
    if (!booking) return;
    const id = bookingIds.get(step.booking) ?? 0;
    const reason = step.reason ?? 'Demo';
    switch (step.action) {
      case 'create': {
        const made = await services.bookings.create(student(booking), {
          studentId: studentIds[booking.studentKey] ?? 0,
          gigId: gigIds[booking.gigKey] ?? 0,
          startsAt: booking.startsAt,
          minutes: booking.minutes,
          ...(booking.notes ? { notes: booking.notes } : {}),
        });
        bookingIds.set(step.booking, made.id);
        return;
      }
      case 'confirm':
        await services.bookings.confirm(teacher(booking), { id });
        return;
      case 'decline':
        await services.bookings.decline(teacher(booking), { id, reason });
        return;
      case 'cancel':
        await services.bookings.cancel(student(booking), { id, reason });
        return;
      case 'start_payment': {
        const failing = booking.paymentStatus === 'FAILED';
        const method = await card(booking, failing ? CARD_DECLINED : CARD_PAID);
        const intent = await services.payments.createIntent(staff.admin, { bookingId: id, paymentMethodId: method });
        intents.set(step.booking, { paymentId: intent.paymentId, intentId: intent.paymentIntentId });
        return;
      }
      case 'payment_failed':
      case 'payment_succeeded': {
        const intent = intents.get(step.booking);
        if (!intent) throw new Error('no intent');
        // The outbox makes the meeting and sends both emails (delivered before the session moves on).
        await services.payments.confirm(staff.admin, { paymentIntentId: intent.intentId });
        return;
      }
      case 'cancel_paid':
        // R18: an admin cancels a paid, upcoming session with a full refund; the meeting is deleted.
        await services.bookings.cancelPaid(staff.admin, { id, reason });
        return;
      case 'refund': {
        if (booking.status === 'CANCELLED') return; // the refund of cancel_paid above
        const intent = intents.get(step.booking);
        if (!intent) throw new Error('no payment');
        const full = booking.paymentStatus === 'REFUNDED';
        const amountMinor = full ? booking.quote.totalMinor : Math.floor(booking.quote.totalMinor * 0.3);
        const request = await services.refunds.request(staff.support, {
          paymentId: intent.paymentId,
          amountMinor,
          reason,
        });
        const first = await services.refunds.approve(staff.finance, { id: request.id });
        // Above the four-eyes threshold a second person approves (R24).
        if (first.status === 'AWAITING_SECOND_APPROVAL')
          await services.refunds.approve(staff.admin, { id: request.id });
        return;
      }
      default:
        return;
    }
  }

  for (const step of steps) {
    if (signal?.aborted) {
      problems.push('stopped before it was complete: the app was closing');
      break;
    }
    clock.set(step.at);
    if (step.action === 'refund' || step.action === 'cancel_paid') {
      // What paid bookings are owed (meetings, emails) is delivered first, as it would have been by
      // now; then the system's timed transitions at this moment (R17 completes sessions 24 h after
      // their end, so they can be refunded).
      await container.outbox.drain();
      await services.bookings.expireUnpaid();
      await services.bookings.autoComplete();
    }
    if (step.action !== 'create' && !bookingIds.has(step.booking)) continue;
    try {
      await run(step);
    } catch (error) {
      problems.push(
        `booking ${bookingIds.get(step.booking) ?? `#${step.booking}`} ${step.action}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  await container.outbox.drain();
  clock.set(options.now);
  await services.bookings.expireUnpaid();
  await services.bookings.autoComplete();
  await container.outbox.drain();
  await container.db.maintain();
  return {
    teachers: teacherIds.length,
    students: studentIds.length,
    gigs: gigIds.length,
    bookings: bookingIds.size,
    problems,
  };
}
