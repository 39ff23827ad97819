import { meetingWanted } from '../../domain/booking-machine';
import type { BookingRecord, Repositories } from '../ports';

/** A booking as every transport shows it: the record and its meeting's join link while one is wanted. */
export type BookingView = BookingRecord & { meetingJoinUrl: string | null };

export async function bookingView(repos: Repositories, booking: BookingRecord): Promise<BookingView> {
  const meeting = await repos.deliveries.findMeeting(booking.id);
  const live = meeting !== null && meeting.deletedAt === null && meetingWanted(booking);
  return { ...booking, meetingJoinUrl: live ? meeting.joinUrl : null };
}
