import type { EmailTemplate, Recipient } from '../domain/effects';

export interface EmailContext {
  bookingId: number;
  recipientName: string;
  otherName: string;
  gigTitle: string;
  language: string;
  startsAt: Date;
  minutes: number;
  timezone: string;
  total: string;
  joinUrl: string | null;
  /** The session was cancelled or completed before this mail went out: no meeting link will follow. */
  meetingNotNeeded?: boolean | undefined;
  cancelReason: string | null;
  /** R51–R53: the move this email is about (from the outbox row), with the asker's reason. */
  move?: { from: Date; to: Date; reason: string | null } | undefined;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** A time in the recipient's own zone (R52), with the zone's name. */
/** One formatter per time zone: building an Intl.DateTimeFormat costs far more than formatting with it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function at(context: EmailContext, instant: Date): string {
  let format = formatters.get(context.timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: context.timezone });
    formatters.set(context.timezone, format);
  }
  return `${format.format(instant)} (${context.timezone})`;
}

function when(context: EmailContext): string {
  return `${at(context, context.startsAt)}, ${context.minutes} minutes`;
}

/** Plain-text and HTML versions of every notice; the HTML is the text, escaped, with the link clickable. */
export function renderEmail(
  template: EmailTemplate,
  to: Recipient,
  context: EmailContext,
): { subject: string; text: string; html: string } {
  const session = `${context.gigTitle} (${context.language})`;
  const lines: string[] = [`Hello ${context.recipientName},`, ''];
  let subject: string;
  switch (template) {
    case 'booking_requested':
      subject = `New booking request #${context.bookingId}: ${session}`;
      lines.push(
        `${context.otherName} asked to book ${session} on ${when(context)}.`,
        'Please confirm or decline the request.',
      );
      break;
    case 'booking_confirmed':
      subject = `Booking #${context.bookingId} confirmed — please pay to secure it`;
      lines.push(
        `${context.otherName} confirmed your session ${session} on ${when(context)}.`,
        `Please pay ${context.total} before the session; unpaid bookings are cancelled shortly before the start.`,
      );
      break;
    case 'booking_declined':
      subject = `Booking #${context.bookingId} declined`;
      lines.push(
        `${context.otherName} could not take your session ${session} on ${when(context)}.`,
        ...(context.cancelReason ? [`Reason: ${context.cancelReason}`] : []),
        'Nothing was charged.',
      );
      break;
    case 'booking_cancelled':
      subject = `Booking #${context.bookingId} cancelled`;
      lines.push(
        `The session ${session} on ${when(context)} was cancelled.`,
        ...(context.cancelReason ? [`Reason: ${context.cancelReason}`] : []),
      );
      break;
    case 'payment_received':
      subject = `Booking #${context.bookingId} is paid — your Zoom link`;
      lines.push(
        to === 'student'
          ? `Thank you: we received ${context.total} for ${session} with ${context.otherName}.`
          : `${context.otherName} paid for ${session}. The session is confirmed.`,
        `When: ${when(context)}`,
        context.meetingNotNeeded
          ? 'No meeting link: the session was cancelled or has already ended.'
          : `Join: ${context.joinUrl ?? '(the link follows in a separate email)'}`,
      );
      break;
    case 'payment_failed':
      subject = `Booking #${context.bookingId}: the payment did not go through`;
      lines.push(
        `The payment of ${context.total} for ${session} failed. Please try again with the same or another card before the session.`,
      );
      break;
    case 'booking_refunded':
      subject = `Booking #${context.bookingId}: refund issued`;
      lines.push(`We refunded your session ${session}. The money reaches your card within 5–10 business days.`);
      break;
    case 'reschedule_requested': {
      const move = context.move;
      subject = `Booking #${context.bookingId}: ${context.otherName} asks to move the session`;
      lines.push(
        `${context.otherName} asks to move ${session}`,
        `from ${move ? at(context, move.from) : when(context)}`,
        `to ${move ? at(context, move.to) : '(see the booking)'}, ${context.minutes} minutes.`,
        ...(move?.reason ? [`Reason: ${move.reason}`] : []),
        'Please accept or decline; unanswered, the request expires after 48 hours or at the session’s start.',
      );
      break;
    }
    case 'reschedule_declined':
      subject = `Booking #${context.bookingId}: the move was declined`;
      lines.push(
        `${context.otherName} declined moving ${session}. It stays on ${when(context)}.`,
        ...(context.move?.reason ? [`Reason: ${context.move.reason}`] : []),
      );
      break;
    case 'reschedule_expired':
      subject = `Booking #${context.bookingId}: your request to move it expired`;
      lines.push(`Your request to move ${session} was not answered in time. It stays on ${when(context)}.`);
      break;
    case 'booking_rescheduled':
      subject = `Booking #${context.bookingId} moved to a new time`;
      lines.push(
        `${session} with ${context.otherName} has moved`,
        ...(context.move ? [`from ${at(context, context.move.from)}`] : []),
        `to ${when(context)}.`,
        ...(context.move?.reason ? [`Reason: ${context.move.reason}`] : []),
        ...(context.joinUrl ? [`Your join link is unchanged: ${context.joinUrl}`] : []),
      );
      break;
  }
  lines.push('', 'LinguaFlex');
  const text = lines.join('\n');
  const html = `<!doctype html><html><body><div style="font-family:sans-serif;line-height:1.5">${lines
    .map((line) => escapeHtml(line))
    .map((line) =>
      context.joinUrl
        ? line.replace(
            escapeHtml(context.joinUrl),
            `<a href="${escapeHtml(context.joinUrl)}">${escapeHtml(context.joinUrl)}</a>`,
          )
        : line,
    )
    .join('<br>')}</div></body></html>`;
  return { subject, text, html };
}
