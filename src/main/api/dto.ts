import type { BookingDetail } from '../services/bookings';
import type { BookingListRow, BookingRecord } from '../services/ports';

/** What the console receives for a booking: plain fields, never a Prisma type. */
export function bookingDto(record: BookingRecord) {
  return {
    id: record.id,
    studentId: record.studentId,
    teacherId: record.teacherId,
    gigId: record.gigId,
    startsAt: record.startsAt,
    endsAt: record.endsAt,
    minutes: record.minutes,
    status: record.status,
    paymentStatus: record.paymentStatus,
    currency: record.currency,
    hourlyRateMinor: record.hourlyRateMinor,
    baseMinor: record.baseMinor,
    feeMinor: record.feeMinor,
    totalMinor: record.totalMinor,
    teacherMinor: record.teacherMinor,
    platformMinor: record.platformMinor,
    feeRateBps: record.feeRateBps,
    minimumFeeMinor: record.minimumFeeMinor,
    notes: record.notes,
    cancelReason: record.cancelReason,
    version: record.version,
    meetingJoinUrl: null as string | null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export function bookingRowDto(row: BookingListRow) {
  return {
    ...bookingDto(row),
    studentName: row.studentName,
    studentEmail: row.studentEmail,
    teacherName: row.teacherName,
    gigTitle: row.gigTitle,
    language: row.language,
  };
}

export function bookingDetailDto(detail: BookingDetail) {
  return {
    ...bookingDto(detail.booking),
    student: detail.student,
    teacher: detail.teacher,
    gig: detail.gig,
    transitions: detail.transitions,
    notifications: detail.notifications.map((notification) => ({
      key: notification.key,
      kind: notification.kind,
      status: notification.status,
      payload: notification.payload as Record<string, unknown>,
    })),
    meetingJoinUrl: detail.meeting && !detail.meeting.deletedAt ? detail.meeting.joinUrl : null,
    meeting: detail.meeting
      ? {
          zoomMeetingId: detail.meeting.zoomMeetingId,
          topic: detail.meeting.topic,
          joinUrl: detail.meeting.joinUrl,
          startUrl: detail.meeting.startUrl,
          password: detail.meeting.password,
          createdAt: detail.meeting.createdAt,
          deletedAt: detail.meeting.deletedAt,
        }
      : null,
    emails: detail.emails,
  };
}
