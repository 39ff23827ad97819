import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/main/container';
import type { Actor } from '../../src/main/domain/actors';
import { DAY_MS, fixedClock, HOUR_MS, MINUTE_MS } from '../../src/main/domain/clock';
import type { DomainError } from '../../src/main/domain/errors';
import { SmtpSandbox } from '../../src/main/sandbox/smtp';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { ZoomSandbox } from '../../src/main/sandbox/zoom';
import { buildScenario } from '../factories/scenario';
import { DB_KINDS, openTestContainer } from '../support/test-db';

const START = new Date('2026-12-01T09:00:00Z');

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a refusal');
}

/**
 * R51–R53 end to end: moves as rows of the booking table — staff moving on both parties' behalf,
 * a party asking and the other answering, requests expiring — with R52's promises: no money moves,
 * a paid booking's meeting moves in place, both parties are told once each in their own time zones.
 */
describe.each(DB_KINDS)('rescheduling a booking, on %s', (kind) => {
  const clock = fixedClock(START);
  const stripe = new StripeSandbox({ clock: () => clock.now().getTime(), asyncTimers: false });
  const zoom = new ZoomSandbox({ clock: () => clock.now().getTime() });
  const smtp = new SmtpSandbox();
  let container: Container;
  let database: Awaited<ReturnType<typeof openTestContainer>>;

  beforeAll(async () => {
    await Promise.all([stripe.start(), zoom.start(), smtp.start()]);
    database = await openTestContainer(kind, clock, {
      integrations: { sandboxes: { stripe, zoom, smtp }, stripeTimeoutMs: 2000, stripeRetries: 0 },
    });
    container = database.container;
  });
  afterAll(async () => {
    await database.dispose();
    await Promise.all([stripe.stop(), zoom.stop(), smtp.stop()]);
  });

  const services = () => container.services;

  /** A booking three days ahead (Ana teaches from Tokyo, Bob learns from New York), driven to `state`. */
  async function booking(state: 'CONFIRMED/PAID' | 'CONFIRMED/UNPAID', startsInHours = 72) {
    clock.advance(7 * DAY_MS);
    const s = await buildScenario(container, {
      staff: { sue: 'SUPPORT', fay: 'FINANCE' },
      teachers: { ana: { timezone: 'Asia/Tokyo', gigs: { es: { rate: 4000 } } } },
      students: { bob: { timezone: 'America/New_York' } },
      bookings: { a: { student: 'bob', gig: 'ana.es', startsInHours, state } },
    });
    await container.outbox.drain();
    return {
      s,
      id: s.bookings.a.id,
      student: { kind: 'STUDENT', id: s.students.bob.id } as Actor,
      teacher: { kind: 'TEACHER', id: s.teachers.ana.id } as Actor,
    };
  }

  const mails = (bookingId: number, subject: string) =>
    smtp.messages.filter((mail) => mail.subject.startsWith(`Booking #${bookingId}`) && mail.subject.includes(subject));
  const moneyCalls = () =>
    stripe.requests.filter(
      (request) =>
        request.method === 'POST' &&
        (request.path.startsWith('/v1/payment_intents') ||
          request.path.startsWith('/v1/refunds') ||
          request.path.startsWith('/v1/transfers')),
    ).length;

  it('R51/R52: support moves a paid booking — same payment, no money call, the meeting moved in place, both told once in their own zones', async () => {
    const { s, id } = await booking('CONFIRMED/PAID');
    const before = await services().bookings.get(s.admin, { id });
    const meetingBefore = before.meeting;
    expect(meetingBefore).not.toBeNull();
    const payments = await container.uow.read.payments.forBooking(id);
    const calls = moneyCalls();
    const newStart = new Date(before.booking.startsAt.getTime() + DAY_MS + 2 * HOUR_MS);

    const moved = await services().bookings.reschedule(s.staff.sue, {
      id,
      startsAt: newStart,
      reason: 'The student is travelling that day',
    });
    expect(moved).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'PAID', rescheduleCount: 1 });
    expect(moved.startsAt).toEqual(newStart);
    expect(moved.endsAt).toEqual(new Date(newStart.getTime() + 60 * MINUTE_MS));
    await container.outbox.drain();

    // R52: the same payment, nothing charged or refunded.
    expect(await container.uow.read.payments.forBooking(id)).toEqual(payments);
    expect(moneyCalls()).toBe(calls);
    // The meeting: same id and join link, new start at Zoom and in our record.
    const after = await services().bookings.get(s.admin, { id });
    expect(after.meeting).toMatchObject({
      zoomMeetingId: meetingBefore?.zoomMeetingId,
      joinUrl: meetingBefore?.joinUrl,
      startsAt: newStart,
    });
    const atZoom = zoom.meetings.get(Number(meetingBefore?.zoomMeetingId));
    expect(atZoom?.start_time).toBe(newStart.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(atZoom?.join_url).toBe(meetingBefore?.joinUrl);
    // Both parties told once each, in their own time zones, with the unchanged link.
    const told = mails(id, 'moved to a new time');
    expect(told).toHaveLength(2);
    const toBob = told.find((mail) => mail.text.includes('America/New_York'));
    const toAna = told.find((mail) => mail.text.includes('Asia/Tokyo'));
    expect(toBob?.text).toContain(meetingBefore?.joinUrl ?? '?');
    expect(toAna?.text).toContain('The student is travelling that day');
    // R53: the move is a transition with from- and to-time, who, role and reason.
    const move = after.transitions.find((transition) => transition.action === 'reschedule');
    expect(move).toMatchObject({
      actorRole: 'SUPPORT',
      reason: 'The student is travelling that day',
      fromStartsAt: before.booking.startsAt,
      toStartsAt: newStart,
      fromStatus: 'CONFIRMED',
      toStatus: 'CONFIRMED',
    });
    // Delivered again (a repeated pass): nothing more goes out.
    await container.outbox.drain();
    expect(mails(id, 'moved to a new time')).toHaveLength(2);
  });

  it('R52: with Zoom down the move still commits; the meeting follows when Zoom is back, once', async () => {
    const { s, id } = await booking('CONFIRMED/PAID');
    const before = await services().bookings.get(s.admin, { id });
    const updates = zoom.updateCalls;
    zoom.faults.failNext(3, { kind: 'status', status: 503 });
    const newStart = new Date(before.booking.startsAt.getTime() + 3 * HOUR_MS);
    await services().bookings.reschedule(s.admin, { id, startsAt: newStart, reason: 'Teacher’s request by phone' });
    await container.outbox.drain();
    expect(zoom.meetings.get(Number(before.meeting?.zoomMeetingId))?.start_time).not.toBe(
      newStart.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    );
    // Retried with backoff until Zoom answers again.
    for (let attempt = 0; attempt < 6; attempt += 1) {
      clock.advance(10 * MINUTE_MS);
      await container.outbox.drain();
    }
    expect(zoom.meetings.get(Number(before.meeting?.zoomMeetingId))?.start_time).toBe(
      newStart.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    );
    expect(zoom.updateCalls - updates).toBe(1);
    expect(mails(id, 'moved to a new time')).toHaveLength(2);
  });

  it('R52: an unpaid booking keeps its state; its payment window follows the new start', async () => {
    const { s, id } = await booking('CONFIRMED/UNPAID', 30);
    const oldStart = (await services().bookings.get(s.admin, { id })).booking.startsAt;
    const newStart = new Date(oldStart.getTime() + 2 * DAY_MS);
    // Support may move it more than 24 h ahead of the start.
    await services().bookings.reschedule(s.staff.sue, { id, startsAt: newStart, reason: 'Exam week' });
    // At the old window (15 min before the old start) nothing expires.
    clock.set(new Date(oldStart.getTime() - 10 * MINUTE_MS));
    await services().bookings.expireUnpaid();
    expect((await services().bookings.get(s.admin, { id })).booking).toMatchObject({ status: 'CONFIRMED' });
    // At the new one it does (R16).
    clock.set(new Date(newStart.getTime() - 10 * MINUTE_MS));
    await services().bookings.expireUnpaid();
    expect((await services().bookings.get(s.admin, { id })).booking).toMatchObject({ status: 'CANCELLED' });
  });

  it('R51: refused — an overlap, the third move, the last 24 h (except for an admin), a new time too soon, finance', async () => {
    const { s, id } = await booking('CONFIRMED/PAID', 96);
    const base = (await services().bookings.get(s.admin, { id })).booking.startsAt;
    // Another booking of Ana's, two hours later.
    const other = await services().bookings.create(s.admin, {
      studentId: s.students.bob.id,
      gigId: s.teachers.ana.gigs.es.id,
      startsAt: new Date(base.getTime() + 2 * HOUR_MS),
      minutes: 60,
    });
    const overlap = await refusal(
      services().bookings.reschedule(s.staff.sue, {
        id,
        startsAt: new Date(base.getTime() + 90 * MINUTE_MS),
        reason: 'x',
      }),
    );
    expect(overlap).toMatchObject({ code: 'OVERLAP' });
    const soon = await refusal(
      services().bookings.reschedule(s.staff.sue, {
        id,
        startsAt: new Date(clock.now().getTime() + 30 * MINUTE_MS),
        reason: 'x',
      }),
    );
    expect(soon).toMatchObject({ code: 'VALIDATION' });
    expect(soon.message).toContain('at least 1 hour');
    // Two moves are allowed; the third is refused.
    await services().bookings.reschedule(s.staff.sue, { id, startsAt: new Date(base.getTime() + DAY_MS), reason: 'a' });
    await services().bookings.reschedule(s.staff.sue, { id, startsAt: base, reason: 'b' });
    const third = await refusal(
      services().bookings.reschedule(s.staff.sue, { id, startsAt: new Date(base.getTime() + DAY_MS), reason: 'c' }),
    );
    expect(third).toMatchObject({ code: 'GUARD_FAILED' });
    expect(third.message).toContain('already moved 2 times');
    // Nothing of the refusals stuck.
    expect((await services().bookings.get(s.admin, { id })).booking).toMatchObject({
      rescheduleCount: 2,
      startsAt: base,
    });
    await services().settings.update(s.admin, { maxReschedules: 5 });
    try {
      // In the last 24 h only an admin may move it.
      clock.set(new Date(base.getTime() - 20 * HOUR_MS));
      const late = await refusal(
        services().bookings.reschedule(s.staff.sue, { id, startsAt: new Date(base.getTime() + DAY_MS), reason: 'd' }),
      );
      expect(late.message).toContain('only an admin');
      const byAdmin = await services().bookings.reschedule(s.admin, {
        id,
        startsAt: new Date(base.getTime() + DAY_MS),
        reason: 'Teacher ill; student agreed by phone',
      });
      expect(byAdmin.rescheduleCount).toBe(3);
      // Finance may not move bookings at all (R51: support or an admin).
      expect(
        (
          await refusal(
            services().bookings.reschedule(s.staff.fay, {
              id,
              startsAt: new Date(base.getTime() + 2 * DAY_MS),
              reason: 'e',
            }),
          )
        ).code,
      ).toBe('FORBIDDEN');
    } finally {
      await services().settings.update(s.admin, { maxReschedules: 2 });
      await services().bookings.cancel(s.admin, { id: other.id, reason: 'cleanup' });
    }
  });

  it('R51: the student asks, the teacher accepts — moved; the teacher asks, the student declines — kept; the asker cannot answer', async () => {
    const { s, id, student, teacher } = await booking('CONFIRMED/PAID');
    const base = (await services().bookings.get(s.admin, { id })).booking.startsAt;
    const wanted = new Date(base.getTime() + 5 * HOUR_MS);
    const asked = await services().bookings.requestReschedule(student, {
      id,
      startsAt: wanted,
      reason: 'A doctor’s appointment',
    });
    expect(asked).toMatchObject({ startsAt: base, rescheduleRequest: { requestedBy: 'STUDENT', startsAt: wanted } });
    await container.outbox.drain();
    expect(mails(id, 'asks to move')).toHaveLength(1);
    expect(await services().bookings.rescheduleRequest(s.staff.sue, { id })).toMatchObject({
      status: 'REQUESTED',
      requestedBy: 'STUDENT',
      startsAt: wanted,
      reason: 'A doctor’s appointment',
    });
    // A second request while one is open is refused; the asker cannot answer their own.
    expect(
      (await refusal(services().bookings.requestReschedule(teacher, { id, startsAt: wanted, reason: 'x' }))).message,
    ).toContain('must be answered first');
    expect((await refusal(services().bookings.respondReschedule(student, { id, accept: true }))).message).toContain(
      'the other party answers',
    );
    // Nobody else's: another student gets 404.
    expect(
      (await refusal(services().bookings.respondReschedule({ kind: 'STUDENT', id: 999_999 }, { id, accept: true })))
        .code,
    ).toBe('NOT_FOUND');
    const accepted = await services().bookings.respondReschedule(teacher, { id, accept: true });
    expect(accepted).toMatchObject({
      startsAt: wanted,
      rescheduleCount: 1,
      paymentStatus: 'PAID',
      rescheduleRequest: null,
    });
    await container.outbox.drain();
    expect(mails(id, 'moved to a new time')).toHaveLength(2);
    expect(await services().bookings.rescheduleRequest(s.admin, { id })).toMatchObject({ status: 'ACCEPTED' });

    // The other way round, declined: nothing moves.
    await services().bookings.requestReschedule(teacher, {
      id,
      startsAt: new Date(wanted.getTime() + DAY_MS),
      reason: 'Conference',
    });
    const declined = await services().bookings.respondReschedule(student, { id, accept: false, reason: 'Cannot then' });
    expect(declined).toMatchObject({ startsAt: wanted, rescheduleCount: 1 });
    await container.outbox.drain();
    expect(mails(id, 'the move was declined')).toHaveLength(1);
    expect(await services().bookings.rescheduleRequest(s.admin, { id })).toMatchObject({
      status: 'DECLINED',
      answerReason: 'Cannot then',
    });
    const history = (await services().bookings.get(s.admin, { id })).transitions.map((row) => row.action);
    expect(history.filter((action) => action.includes('reschedule'))).toEqual([
      'request_reschedule',
      'accept_reschedule',
      'request_reschedule',
      'decline_reschedule',
    ]);
  });

  it('R53: an unanswered request expires at the earlier of 48 h or the start; it cannot be accepted after', async () => {
    const { s, id, student, teacher } = await booking('CONFIRMED/UNPAID', 120);
    const base = (await services().bookings.get(s.admin, { id })).booking.startsAt;
    await services().bookings.requestReschedule(teacher, {
      id,
      startsAt: new Date(base.getTime() + DAY_MS),
      reason: 'Travelling',
    });
    clock.advance(47 * HOUR_MS);
    expect(await services().bookings.expireRequests()).toBe(0);
    clock.advance(2 * HOUR_MS);
    expect(await services().bookings.expireRequests()).toBe(1);
    expect(await services().bookings.rescheduleRequest(s.admin, { id })).toMatchObject({ status: 'EXPIRED' });
    expect((await refusal(services().bookings.respondReschedule(student, { id, accept: true }))).message).toContain(
      'Nobody asked',
    );
    await container.outbox.drain();
    expect(mails(id, 'your request to move it expired')).toHaveLength(1);
    // A request made close to the start expires at the start.
    const { s: s2, id: id2, student: bob } = await booking('CONFIRMED/UNPAID', 30);
    const start2 = (await services().bookings.get(s2.admin, { id: id2 })).booking.startsAt;
    // Within 30 h of the start but more than 24 h: allowed.
    await services().bookings.requestReschedule(bob, {
      id: id2,
      startsAt: new Date(start2.getTime() + 2 * DAY_MS),
      reason: 'Ill',
    });
    expect(await services().bookings.rescheduleRequest(s2.admin, { id: id2 })).toMatchObject({ expiresAt: start2 });
  });
});
