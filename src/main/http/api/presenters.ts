import type { z } from 'zod';
import { meetingWanted } from '../../domain/booking-machine';
import type { MarketplaceActor, MarketplaceUser } from '../../services/accounts';
import type { PartyBooking } from '../../services/marketplace';
import type { methodView } from '../../services/payments/methods';
import type { GigWithTeacher, PartyPaymentRow } from '../../services/ports';
import { isCurrencyCode, minorToDecimalString, type CurrencyCode } from '../../../shared/currency';
import type { bookingSchema, gigSchema, paymentMethodSchema, paymentSchema, userSchema } from './schemas';

/**
 * The services' records → the objects of seed-api.md, field for field. Money goes out as integers
 * in minor units plus exact decimal strings (never a float, R1); instants as ISO 8601 in UTC; the
 * host link and the meeting password only to the booking's teacher (R34's spirit); card display data
 * only to the student.
 */

export function currencyOf(code: string): CurrencyCode {
  if (!isCurrencyCode(code)) throw new Error(`A stored record has the unknown currency "${code}"`);
  return code;
}

/** 7875 USD → "78.75". */
export const decimalAmount = (minor: number, currency: string): string =>
  minorToDecimalString(minor, currencyOf(currency));

/** 90 → "1.50": minutes as hours with two places, rounded half up, in integers. */
export function hoursOf(minutes: number): string {
  const hundredths = Math.floor((minutes * 100 + 30) / 60);
  return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
}

const iso = (date: Date): string => date.toISOString();

export function presentUser(user: MarketplaceUser): z.input<typeof userSchema> {
  return { id: user.id, email: user.email, full_name: user.fullName, role: user.role, timezone: user.timezone };
}

export function presentGig(gig: GigWithTeacher): z.input<typeof gigSchema> {
  return {
    id: gig.id,
    teacher: gig.teacherId,
    teacher_name: gig.teacherName,
    title: gig.title,
    language: gig.language,
    hourly_rate_cents: gig.hourlyRateMinor,
    hourly_rate: decimalAmount(gig.hourlyRateMinor, gig.currency),
    currency: gig.currency,
  };
}

export function presentBooking(booking: PartyBooking, viewer: MarketplaceActor): z.input<typeof bookingSchema> {
  // A join link is shown only while the meeting is wanted (paid and not yet completed or cancelled).
  const meeting = booking.meeting && meetingWanted(booking) ? booking.meeting : null;
  const teacherView = viewer.kind === 'TEACHER' && viewer.id === booking.teacherId;
  return {
    id: booking.id,
    student: booking.studentId,
    teacher: booking.teacherId,
    gig: booking.gigId,
    student_name: booking.studentName,
    teacher_name: booking.teacherName,
    start_time: iso(booking.startsAt),
    end_time: iso(booking.endsAt),
    duration_hours: hoursOf(booking.minutes),
    status: booking.status,
    payment_status: booking.paymentStatus,
    currency: currencyOf(booking.currency),
    session_cost_cents: booking.baseMinor,
    platform_fee_cents: booking.feeMinor,
    total_amount_cents: booking.totalMinor,
    total_amount: decimalAmount(booking.totalMinor, booking.currency),
    payment_id: booking.paymentId,
    zoom_join_url: meeting?.joinUrl ?? null,
    zoom_meeting_id: meeting?.zoomMeetingId ?? null,
    ...(teacherView ? { zoom_start_url: meeting?.startUrl || null, zoom_password: meeting?.password || null } : {}),
    // R51–R53: the latest request to move it (NONE when there never was one).
    reschedule_request_status: booking.reschedule?.status ?? 'NONE',
    reschedule_requested_by: booking.reschedule?.requestedBy ?? null,
    reschedule_request_start_time: booking.reschedule ? iso(booking.reschedule.startsAt) : null,
    reschedule_request_end_time: booking.reschedule ? iso(booking.reschedule.endsAt) : null,
    reschedule_request_reason: booking.reschedule?.reason ?? null,
    notes: booking.notes,
    cancellation_reason: booking.cancelReason,
    next_step: booking.nextStep.text,
    created_at: iso(booking.createdAt),
    updated_at: iso(booking.updatedAt),
  };
}

export function presentPayment(payment: PartyPaymentRow, viewer: MarketplaceActor): z.input<typeof paymentSchema> {
  return {
    id: payment.id,
    booking_id: payment.bookingId,
    status: payment.status,
    amount_cents: payment.amountMinor,
    amount: decimalAmount(payment.amountMinor, payment.currency),
    currency: currencyOf(payment.currency),
    hourly_rate_cents: payment.hourlyRateMinor,
    session_duration_hours: hoursOf(payment.minutes),
    platform_fee_cents: payment.feeMinor,
    refunded_cents: payment.refundedMinor,
    ...(viewer.kind === 'STUDENT' ? { card_brand: payment.cardBrand, card_last4: payment.cardLast4 } : {}),
    created_at: iso(payment.createdAt),
    paid_at: payment.paidAt ? iso(payment.paidAt) : null,
    updated_at: iso(payment.updatedAt),
  };
}

/** A saved card; the most recently added one is the default. */
export function presentPaymentMethod(
  method: ReturnType<typeof methodView>,
  isDefault: boolean,
): z.input<typeof paymentMethodSchema> {
  return {
    id: method.id,
    stripe_payment_method_id: method.paymentMethodId,
    card_brand: method.brand,
    card_last_four: method.last4,
    card_exp_month: method.expMonth,
    card_exp_year: method.expYear,
    is_default: isDefault,
    created_at: iso(method.createdAt),
  };
}
