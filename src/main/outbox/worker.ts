import type { Clock } from '../domain/clock';
import type { EmailTemplate, Recipient } from '../domain/effects';
import { formatMinor } from '../domain/money';
import type { Logger } from '../log';
import { GatewayRefused, type Mailer, type MeetingGateway } from '../services/gateways';
import type { EventBus } from '../services/events';
import type { PaymentService } from '../services/payments';
import type { OutboxRecord, UnitOfWork } from '../services/ports';
import { renderEmail } from './templates';

const LEASE_MS = 60_000;
const MAX_ATTEMPTS = 10;
const CONCURRENCY = 8;

/** 2 s, 4 s, 8 s … capped at an hour, with jitter so a recovering service is not hit all at once. */
export function backoffMs(attempts: number, random = Math.random): number {
  const base = Math.min(3_600_000, 2000 * 2 ** Math.max(0, attempts));
  return Math.round(base * (0.8 + random() * 0.4));
}

export interface OutboxWorkerDeps {
  events?: EventBus;
  uow: UnitOfWork;
  clock: Clock;
  logger: Logger;
  meetings: MeetingGateway;
  mailer: Mailer;
  payments: PaymentService;
}

class Retry extends Error {}

/**
 * Delivers the side effects written in the same transaction as each state change: Zoom meetings,
 * emails, cancelling open intents. Keyed rows (one per effect), a lease so two workers never take
 * the same row, retries with exponential backoff, and a FAILED state staff can retry from.
 */
export function createOutboxWorker(deps: OutboxWorkerDeps) {
  const { uow, clock, logger } = deps;
  let running: Promise<number> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let kicked = false;
  // Read through a function: a kick arrives from another callback while a pass awaits.
  const wasKicked = () => kicked;

  async function deliverEmail(message: OutboxRecord): Promise<void> {
    const payload = message.payload as { bookingId: number; template: EmailTemplate; to: Recipient };
    const booking = await uow.read.bookings.findById(payload.bookingId);
    if (!booking) return;
    const [student, teacher, gig, meeting] = await Promise.all([
      uow.read.people.findStudent(booking.studentId),
      uow.read.people.findTeacher(booking.teacherId),
      uow.read.people.findGig(booking.gigId),
      uow.read.payments.findMeeting(booking.id),
    ]);
    if (!student || !teacher || !gig) throw new Error(`Booking ${booking.id} refers to a missing person or gig`);
    // The payment email carries the join link, so it waits for the meeting (R14).
    if (payload.template === 'payment_received' && (!meeting || meeting.deletedAt)) {
      if (booking.status !== 'CONFIRMED') return;
      throw new Retry('waiting for the Zoom meeting before sending the join link');
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
    // The Message-ID derives from the outbox key, so a re-sent copy is recognisably the same mail.
    const messageId = `<${message.key.replace(/[^A-Za-z0-9.:_-]/g, '-')}@linguaflex.ops>`;
    const sent = await deps.mailer.send({
      to: recipient.email,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId,
    });
    await uow.transaction((repos) =>
      repos.payments.recordEmail({
        outboxKey: message.key,
        bookingId: booking.id,
        template: payload.template,
        recipientRole: payload.to,
        recipient: recipient.email,
        subject: rendered.subject,
        messageId: sent,
        sentAt: clock.now(),
      }),
    );
  }

  async function createMeeting(message: OutboxRecord): Promise<void> {
    const bookingId = Number(message.payload['bookingId']);
    const booking = await uow.read.bookings.findById(bookingId);
    if (!booking || booking.status !== 'CONFIRMED' || booking.paymentStatus !== 'PAID') return; // cancelled meanwhile
    if (await uow.read.payments.findMeeting(bookingId)) return;
    const [teacher, gig] = await Promise.all([
      uow.read.people.findTeacher(booking.teacherId),
      uow.read.people.findGig(booking.gigId),
    ]);
    if (!teacher || !gig) throw new Error(`Booking ${bookingId} refers to a missing teacher or gig`);
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
    await uow.transaction((repos) =>
      repos.payments.saveMeeting({
        bookingId,
        zoomMeetingId: meeting.id,
        topic: `${gig.title} (${gig.language})`,
        startsAt: booking.startsAt,
        minutes: booking.minutes,
        timezone: teacher.timezone,
        joinUrl: meeting.joinUrl,
        startUrl: meeting.startUrl,
        password: meeting.password,
      }),
    );
  }

  async function deleteMeeting(message: OutboxRecord): Promise<void> {
    const bookingId = Number(message.payload['bookingId']);
    const meeting = await uow.read.payments.findMeeting(bookingId);
    if (!meeting || meeting.deletedAt) return;
    await deps.meetings.deleteMeeting(meeting.zoomMeetingId);
    await uow.transaction((repos) => repos.payments.markMeetingDeleted(bookingId, clock.now()));
  }

  async function cancelIntent(message: OutboxRecord): Promise<void> {
    const bookingId = Number(message.payload['bookingId']);
    const open = (await uow.read.payments.forBooking(bookingId)).filter(
      (payment) => (payment.status === 'PENDING' || payment.status === 'FAILED') && payment.stripePaymentIntentId,
    );
    for (const payment of open) {
      const snapshot = await deps.payments.ensureIntent(payment, null);
      if (['succeeded', 'canceled'].includes(snapshot.status)) {
        await deps.payments.syncIntent(snapshot, null);
        continue;
      }
      await deps.payments.cancelIntent(payment.id);
    }
  }

  async function deliver(message: OutboxRecord): Promise<void> {
    switch (message.kind) {
      case 'email':
        return deliverEmail(message);
      case 'zoom.create_meeting':
        return createMeeting(message);
      case 'zoom.delete_meeting':
        return deleteMeeting(message);
      case 'stripe.cancel_intent':
        return cancelIntent(message);
      default:
        throw new GatewayRefused(`No handler for outbox messages of kind ${message.kind}`, 'unknown_kind');
    }
  }

  async function deliverOne(message: OutboxRecord): Promise<void> {
    try {
      await deliver(message);
      await uow.transaction((repos) => repos.outboxWork.markDelivered(message.id, clock.now()));
      if (message.bookingId !== null)
        deps.events?.publish({
          type: 'booking.delivered',
          bookingId: message.bookingId,
          kind: message.kind,
          at: clock.now(),
        });
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      const giveUp = error instanceof GatewayRefused || message.attempts + 1 >= MAX_ATTEMPTS;
      // Waiting for another effect (the meeting) is not a failure: look again shortly.
      const delay = error instanceof Retry ? 500 : backoffMs(message.attempts);
      await uow.transaction((repos) =>
        repos.outboxWork.markFailed(message.id, text, new Date(clock.now().getTime() + delay), giveUp),
      );
      if (!(error instanceof Retry))
        logger.warn(`Delivery of ${message.kind} ${message.key} failed (attempt ${message.attempts + 1}): ${text}`);
    }
  }

  async function inParallel(messages: OutboxRecord[]): Promise<void> {
    for (let index = 0; index < messages.length; index += CONCURRENCY) {
      await Promise.all(messages.slice(index, index + CONCURRENCY).map(deliverOne));
    }
  }

  async function runOnce(): Promise<number> {
    const due = await uow.transaction((repos) => repos.outboxWork.claimDue(clock.now(), LEASE_MS, 50));
    // Rows are independent, so they go out several at a time; meetings and Stripe calls first,
    // because the payment emails carry the meeting's join link.
    await inParallel(due.filter((message) => message.kind !== 'email'));
    await inParallel(due.filter((message) => message.kind === 'email'));
    return due.length;
  }

  /** Runs a pass now unless one is running; returns how many rows it handled. */
  async function drain(): Promise<number> {
    if (running) {
      kicked = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      try {
        for (let pass = 0; pass < 20; pass += 1) {
          kicked = false;
          const handled = await runOnce();
          total += handled;
          if (handled === 0 && !wasKicked()) break;
        }
      } finally {
        running = null;
      }
      return total;
    })();
    return running;
  }

  return {
    drain,
    /** Ask for a pass soon (after a commit that wrote outbox rows). */
    kick(): void {
      setImmediate(() => void drain().catch((error: unknown) => logger.error('Outbox pass failed', error)));
    },
    start(intervalMs = 1000): void {
      timer ??= setInterval(
        () => void drain().catch((error: unknown) => logger.error('Outbox pass failed', error)),
        intervalMs,
      );
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
    async idle(): Promise<void> {
      while (running) await running;
    },
  };
}

export type OutboxWorker = ReturnType<typeof createOutboxWorker>;
