import type { OpenRescheduleView } from '../services/bookings/views';
import { meetingWanted } from '../domain/booking-machine';
import type { BookingDetail } from '../services/bookings';
import type { BookingListRow, BookingRecord } from '../services/ports';

/** What the console receives for a booking: plain fields, never a Prisma type. */
export function bookingDto(
  record: BookingRecord & { meetingJoinUrl?: string | null; rescheduleRequest?: OpenRescheduleView | null },
) {
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
    meetingJoinUrl: record.meetingJoinUrl ?? null,
    rescheduleCount: record.rescheduleCount,
    // Present while a request to move the booking is open (R51).
    ...(record.rescheduleRequest ? { rescheduleRequest: record.rescheduleRequest } : {}),
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

/** The latest request to move a booking, as the booking carries it: only while it is open (R51). */
function openRequestOf(request: BookingDetail['rescheduleRequest']): OpenRescheduleView | null {
  if (request.status !== 'REQUESTED') return null;
  const { requestedBy, startsAt, endsAt, reason, expiresAt } = request;
  return { requestedBy, startsAt, endsAt, reason, expiresAt };
}

export function bookingDetailDto(detail: BookingDetail) {
  return {
    ...bookingDto({
      ...detail.booking,
      meetingJoinUrl:
        detail.meeting && !detail.meeting.deletedAt && meetingWanted(detail.booking) ? detail.meeting.joinUrl : null,
      rescheduleRequest: openRequestOf(detail.rescheduleRequest),
    }),
    student: detail.student,
    teacher: detail.teacher,
    gig: detail.gig,
    transitions: detail.transitions,
    moneyTransitions: detail.moneyTransitions,
    staffNames: detail.staffNames,
    notifications: detail.notifications.map((notification) => ({
      key: notification.key,
      kind: notification.kind,
      status: notification.status,
      payload: notification.payload as Record<string, unknown>,
    })),
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
    nextStep: detail.nextStep,
    actions: detail.actions,
    availableActions: detail.availableActions,
  };
}
