import { meetingWanted } from '../../domain/booking-machine';
import type { BookingRecord, Repositories } from '../ports';

/** An open request to move the booking (R51), as a booking carries it while it is open. */
export interface OpenRescheduleView {
  requestedBy: 'STUDENT' | 'TEACHER';
  startsAt: Date;
  endsAt: Date;
  reason: string;
  expiresAt: Date;
}

/**
 * A booking as every transport shows it: the record (with `rescheduleCount`), its meeting's join
 * link while one is wanted, and the open request to move it, if any.
 */
export type BookingView = BookingRecord & {
  meetingJoinUrl: string | null;
  rescheduleRequest: OpenRescheduleView | null;
};

export async function bookingView(repos: Repositories, booking: BookingRecord): Promise<BookingView> {
  // Side by side: in a transaction both go in one round trip (driver-transaction.ts).
  const [meeting, open] = await Promise.all([
    repos.deliveries.findMeeting(booking.id),
    booking.status === 'CONFIRMED' ? repos.bookings.openReschedule(booking.id) : null,
  ]);
  const live = meeting !== null && meeting.deletedAt === null && meetingWanted(booking);
  return {
    ...booking,
    meetingJoinUrl: live ? meeting.joinUrl : null,
    rescheduleRequest: open
      ? {
          requestedBy: open.requestedByKind,
          startsAt: open.startsAt,
          endsAt: open.endsAt,
          reason: open.reason,
          expiresAt: open.expiresAt,
        }
      : null,
  };
}
