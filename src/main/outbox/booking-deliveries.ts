import { meetingWanted } from '../domain/booking-machine';
import type { Clock } from '../domain/clock';
import type { EmailTemplate, Recipient } from '../domain/effects';
import { formatMinor } from '../domain/money';
import type { Mailer, MeetingGateway } from '../services/gateways';
import type { OutboxRecord, Repositories, UnitOfWork } from '../services/ports';
import { renderEmail } from './templates';

/** What a delivery records once its effect happened, in the transaction that marks its row delivered. */
export type Finish = (repos: Repositories) => Promise<void>;

/** Waiting for another effect (the meeting) is not a failure: the worker looks again shortly. */
export class WaitFor extends Error {}

export interface BookingDeliveryDeps {
  uow: UnitOfWork;
  clock: Clock;
  meetings: MeetingGateway;
  mailer: Mailer;
}

/** The Message-ID derives from the outbox key, so a re-sent copy is recognisably the same mail. */
export const messageIdFor = (key: string) => `<${key.replace(/[^A-Za-z0-9.:_-]/g, '-')}@linguaflex.ops>`;

/** Emails to the student or teacher of a booking, and its Zoom meeting (R14, R18). */
export function createBookingDeliveries(deps: BookingDeliveryDeps) {
  const { uow, clock } = deps;

  async function email(message: OutboxRecord): Promise<Finish | undefined> {
    const payload = message.payload as { bookingId: number; template: EmailTemplate; to: Recipient };
    const context = await uow.read.deliveries.bookingContext(payload.bookingId);
    if (!context) return undefined;
    const { booking, student, teacher, gig, meeting } = context;
    // The payment email carries the join link, so it waits for the meeting (R14) — while one is wanted.
    if (payload.template === 'payment_received' && (!meeting || meeting.deletedAt)) {
      if (!meetingWanted(booking)) return undefined;
      throw new WaitFor('waiting for the Zoom meeting before sending the join link');
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
      joinUrl: meeting?.deletedAt ? null : (meeting?.joinUrl ?? null),
      cancelReason: booking.cancelReason,
    });
    const sent = await deps.mailer.send({
      to: recipient.email,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId: messageIdFor(message.key),
    });
    // Recorded in the transaction that marks the row delivered: both, or neither.
    return (repos) =>
      repos.deliveries.recordEmail({
        outboxKey: message.key,
        bookingId: booking.id,
        template: payload.template,
        recipientRole: payload.to,
        recipient: recipient.email,
        subject: rendered.subject,
        messageId: sent,
        sentAt: clock.now(),
      });
  }

  async function createMeeting(message: OutboxRecord): Promise<Finish | undefined> {
    const bookingId = Number(message.payload['bookingId']);
    const context = await uow.read.deliveries.bookingContext(bookingId);
    // Cancelled or completed meanwhile: the table says no meeting is wanted any more.
    if (!context || !meetingWanted(context.booking) || context.meeting) return undefined;
    const { booking, teacher, gig } = context;
    const marker = `linguaflex:booking:${bookingId}`;
    // A retry may follow a create whose answer was lost: adopt that meeting instead of making another.
    const adopted = message.attempts > 0 ? await deps.meetings.findMeeting(marker) : null;
    const meeting =
      adopted ??
      (await deps.meetings.createMeeting({
        topic: `${gig.title} (${gig.language}) — booking #${bookingId}`,
        startsAt: booking.startsAt,
        minutes: booking.minutes,
        timezone: teacher.timezone,
        agenda: `LinguaFlex session. ${marker}`,
      }));
    return (repos) =>
      repos.deliveries.saveMeeting({
        bookingId,
        zoomMeetingId: meeting.id,
        topic: `${gig.title} (${gig.language})`,
        startsAt: booking.startsAt,
        minutes: booking.minutes,
        timezone: teacher.timezone,
        joinUrl: meeting.joinUrl,
        startUrl: meeting.startUrl,
        password: meeting.password,
      });
  }

  async function deleteMeeting(message: OutboxRecord): Promise<void> {
    const bookingId = Number(message.payload['bookingId']);
    const meeting = await uow.read.deliveries.findMeeting(bookingId);
    if (!meeting || meeting.deletedAt) return;
    await deps.meetings.deleteMeeting(meeting.zoomMeetingId);
    await uow.transaction((repos) => repos.deliveries.markMeetingDeleted(bookingId, clock.now()));
  }

  return { email, createMeeting, deleteMeeting };
}
