import { meetingWanted } from '../domain/booking-machine';
import type { Clock } from '../domain/clock';
import type { EmailTemplate, Recipient } from '../domain/effects';
import { formatMinor } from '../domain/money';
import type { Mailer, MeetingGateway } from '../services/gateways';
import { meetingCreateKey, meetingDeleteKey } from '../services/lifecycle/outbox-drafts';
import type { DeliveryRecord, OutboxRecord, UnitOfWork } from '../services/ports';
import { renderEmail } from './templates';

/** The row waits for another to be delivered first; it is looked at again after `retryInMs`. */
export class WaitFor extends Error {
  constructor(
    message: string,
    readonly retryInMs = 500,
  ) {
    super(message);
  }
}

export interface BookingDeliveryDeps {
  uow: UnitOfWork;
  clock: Clock;
  meetings: MeetingGateway;
  mailer: Mailer;
}

/** Written into each meeting's agenda, so a meeting whose create answer was lost can be found at Zoom. */
const meetingMarker = (bookingId: number) => `linguaflex:booking:${bookingId}`;
/** How our meetings' topics end: a lost-answer look-up reads the details of those only. */
const meetingTopicSuffix = (bookingId: number) => ` — booking #${bookingId}`;

/** The Message-ID derives from the outbox key, so a re-sent copy is recognisably the same mail. */
export const messageIdFor = (key: string) => `<${key.replace(/[^A-Za-z0-9.:_-]/g, '-')}@linguaflex.ops>`;

/** Emails to the student or teacher of a booking, and its Zoom meeting (R14, R18). */
export function createBookingDeliveries(deps: BookingDeliveryDeps) {
  const { uow, clock } = deps;

  async function email(message: OutboxRecord): Promise<DeliveryRecord | undefined> {
    const payload = message.payload as {
      bookingId: number;
      template: EmailTemplate;
      to: Recipient;
      move?: { from: string; to: string; reason: string | null };
    };
    const context = await uow.read.deliveries.bookingContext(payload.bookingId);
    if (!context) return undefined;
    const { booking, student, teacher, gig, meeting } = context;
    // The payment email carries the join link, so it waits for the meeting (R14) while the session
    // still wants one. The receipt itself is owed once the payment succeeded (R14: once each), so a
    // booking cancelled or completed before this row ran still gets it, without a link.
    const wanted = meetingWanted(booking);
    if (payload.template === 'payment_received' && wanted && (!meeting || meeting.deletedAt)) {
      // A creation that gave up is listed for staff; once retried and made, this email follows.
      const creation = await uow.read.outbox.statusOf(meetingCreateKey(booking.id));
      throw creation === 'FAILED'
        ? new WaitFor('waiting for the Zoom meeting, whose creation failed: retry it under Reconciliation', 60_000)
        : new WaitFor('waiting for the Zoom meeting before sending the join link');
    }
    const recipient = payload.to === 'student' ? student : teacher;
    const rendered = renderEmail(payload.template, payload.to, {
      bookingId: booking.id,
      recipientName: recipient.name,
      otherName: payload.to === 'student' ? teacher.name : student.name,
      gigTitle: gig.title,
      language: gig.language,
      startsAt: booking.startsAt,
      minutes: booking.minutes,
      timezone: recipient.timezone,
      total: formatMinor(booking.totalMinor, booking.currency),
      joinUrl: !wanted || meeting?.deletedAt ? null : (meeting?.joinUrl ?? null),
      meetingNotNeeded: !wanted,
      cancelReason: booking.cancelReason,
      move: payload.move
        ? { from: new Date(payload.move.from), to: new Date(payload.move.to), reason: payload.move.reason }
        : undefined,
    });
    const sent = await deps.mailer.send({
      to: recipient.email,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId: messageIdFor(message.key),
    });
    // Recorded with the row marked delivered: both, or neither.
    return {
      kind: 'email',
      email: {
        outboxKey: message.key,
        bookingId: booking.id,
        template: payload.template,
        recipientRole: payload.to,
        recipient: recipient.email,
        subject: rendered.subject,
        messageId: sent,
        sentAt: clock.now(),
      },
    };
  }

  /**
   * R14: the meeting the payment's transition asked for. Whether one is made was decided when that
   * effect was written; a booking cancelled since gets it deleted by its cancellation's own effect,
   * which waits for this row (deleteMeeting). Only when that deletion already ran is nothing made,
   * as a meeting made now would be left at Zoom.
   */
  async function createMeeting(message: OutboxRecord): Promise<DeliveryRecord | undefined> {
    const bookingId = Number(message.payload['bookingId']);
    const context = await uow.read.deliveries.bookingContext(bookingId);
    if (!context || context.meeting) return undefined;
    const deletion = await uow.read.outbox.statusOf(meetingDeleteKey(bookingId));
    if (deletion !== null && deletion !== 'PENDING') return undefined;
    const { booking, teacher, gig } = context;
    const marker = meetingMarker(bookingId);
    // An earlier delivery may have reached Zoom (its answer lost, or the process died before saving
    // it): adopt that meeting instead of making another. The claim's lease is the mark written
    // before the call, so a crash is recognised as well as a failure.
    const mayExist = message.attempts > 0 || message.interrupted === true;
    const adopted = mayExist ? await deps.meetings.findMeeting(marker, meetingTopicSuffix(bookingId)) : null;
    const meeting =
      adopted ??
      (await deps.meetings.createMeeting({
        topic: `${gig.title} (${gig.language})${meetingTopicSuffix(bookingId)}`,
        startsAt: booking.startsAt,
        minutes: booking.minutes,
        timezone: teacher.timezone,
        agenda: `LinguaFlex session. ${marker}`,
      }));
    return {
      kind: 'meeting',
      meeting: {
        bookingId,
        zoomMeetingId: meeting.id,
        topic: `${gig.title} (${gig.language})`,
        startsAt: booking.startsAt,
        minutes: booking.minutes,
        timezone: teacher.timezone,
        joinUrl: meeting.joinUrl,
        startUrl: meeting.startUrl,
        password: meeting.password,
      },
    };
  }

  /**
   * R52: a moved booking's meeting follows it in place (same id and join link), to the time the
   * booking has when this runs — so moves delivered late or out of order end at the latest time.
   */
  async function updateMeeting(message: OutboxRecord): Promise<DeliveryRecord | undefined> {
    const bookingId = Number(message.payload['bookingId']);
    const context = await uow.read.deliveries.bookingContext(bookingId);
    if (!context || !meetingWanted(context.booking)) return undefined;
    const meeting = await uow.read.deliveries.findMeeting(bookingId);
    // Being created (from before the move): wait for it, then move it; a deleted one stays deleted.
    // A creation that gave up makes the meeting at the booking's time when it is retried: nothing to move.
    if (!meeting) {
      if ((await uow.read.outbox.statusOf(meetingCreateKey(bookingId))) === 'FAILED') return undefined;
      throw new WaitFor('waiting for the Zoom meeting before moving it');
    }
    if (meeting.deletedAt) return undefined;
    const { booking, teacher } = context;
    if (meeting.startsAt.getTime() === booking.startsAt.getTime() && meeting.minutes === booking.minutes)
      return undefined;
    await deps.meetings.updateMeeting(meeting.zoomMeetingId, {
      startsAt: booking.startsAt,
      minutes: booking.minutes,
      timezone: teacher.timezone,
    });
    return { kind: 'meeting_moved', bookingId, startsAt: booking.startsAt, minutes: booking.minutes };
  }

  /**
   * R18: a cancelled paid booking's meeting goes. It follows the meeting's creation: while that row
   * is still to run, this one waits (the creation's status is read before the meeting, as both
   * commit together). A creation that gave up may still have made the meeting with its answer
   * lost, so Zoom is asked by the booking's marker before concluding there is nothing to delete.
   */
  async function deleteMeeting(message: OutboxRecord): Promise<void> {
    const bookingId = Number(message.payload['bookingId']);
    const creation = await uow.read.outbox.statusOf(meetingCreateKey(bookingId));
    if (creation === 'PENDING') throw new WaitFor('waiting for the Zoom meeting to be made before deleting it');
    const meeting = await uow.read.deliveries.findMeeting(bookingId);
    if (meeting?.deletedAt) return;
    if (meeting) {
      await deps.meetings.deleteMeeting(meeting.zoomMeetingId);
      await uow.transaction((repos) => repos.deliveries.markMeetingDeleted(bookingId, clock.now()));
      return;
    }
    if (creation !== 'FAILED') return;
    const orphan = await deps.meetings.findMeeting(meetingMarker(bookingId), meetingTopicSuffix(bookingId));
    if (orphan) await deps.meetings.deleteMeeting(orphan.id);
  }

  return { email, createMeeting, updateMeeting, deleteMeeting };
}
