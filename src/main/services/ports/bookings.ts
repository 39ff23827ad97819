import type { CurrencyCode } from '../../domain/money';
import type { BookingPaymentStatus, BookingQueue, BookingState, BookingStatus } from '../../domain/states';

export interface QuoteSnapshot {
  currency: CurrencyCode;
  hourlyRateMinor: number;
  baseMinor: number;
  feeMinor: number;
  totalMinor: number;
  teacherMinor: number;
  platformMinor: number;
  feeRateBps: number;
  minimumFeeMinor: number;
}

export interface BookingRecord extends QuoteSnapshot {
  id: number;
  studentId: number;
  teacherId: number;
  gigId: number;
  startsAt: Date;
  endsAt: Date;
  minutes: number;
  status: BookingStatus;
  paymentStatus: BookingPaymentStatus;
  notes: string | null;
  cancelReason: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A booking row as the queues show it: the booking plus the names staff search by and its join link. */
export interface BookingListRow extends BookingRecord {
  studentName: string;
  studentEmail: string;
  teacherName: string;
  gigTitle: string;
  language: string;
  meetingJoinUrl: string | null;
}

/** A booking as its student or teacher sees it (R50): names, its payment, its meeting while live. */
export interface BookingPartyRow extends BookingRecord {
  studentName: string;
  teacherName: string;
  /** The booking's payment (the latest that was not cancelled), if any. */
  paymentId: number | null;
  meeting: { zoomMeetingId: string; joinUrl: string; startUrl: string; password: string } | null;
}

export interface PartyBookingQuery {
  studentId?: number | undefined;
  teacherId?: number | undefined;
  status?: BookingStatus | undefined;
  paymentStatus?: BookingPaymentStatus | undefined;
  /** Newest first; `beforeId` pages on. */
  beforeId?: number | undefined;
  limit: number;
}

export interface TransitionRecord {
  id: number;
  bookingId: number;
  action: string;
  fromStatus: BookingStatus | null;
  toStatus: BookingStatus;
  fromPaymentStatus: BookingPaymentStatus | null;
  toPaymentStatus: BookingPaymentStatus;
  actorKind: 'STAFF' | 'STUDENT' | 'TEACHER' | 'SYSTEM';
  actorId: number | null;
  actorRole: string;
  reason: string | null;
  at: Date;
}

export type NewTransition = Omit<TransitionRecord, 'id' | 'bookingId'>;

export interface NewBooking extends QuoteSnapshot {
  studentId: number;
  teacherId: number;
  gigId: number;
  startsAt: Date;
  endsAt: Date;
  minutes: number;
  status: BookingStatus;
  paymentStatus: BookingPaymentStatus;
  notes: string | null;
  createdAt: Date;
}

export type BookingQueueFilter = BookingQueue | 'UPCOMING' | 'TO_COMPLETE';

export interface BookingListQuery {
  queue?: BookingQueueFilter | undefined;
  status?: BookingStatus | undefined;
  paymentStatus?: BookingPaymentStatus | undefined;
  teacherId?: number | undefined;
  studentId?: number | undefined;
  search?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  sort: 'startsAt' | '-startsAt' | 'createdAt' | '-createdAt';
  after?: { at: Date; id: number } | undefined;
  /** Rows to skip, for comparison with keyset paging in the benchmark; the console never uses it. */
  offset?: number | undefined;
  limit: number;
  now: Date;
}

export interface BookingStore {
  count(): Promise<number>;
  findById(id: number): Promise<BookingRecord | null>;
  /** Locks the booking's row until the transaction ends (one payment per booking, R21). */
  lock(id: number): Promise<void>;
  insert(booking: NewBooking, transition: NewTransition): Promise<{ booking: BookingRecord; transitionId: number }>;
  /**
   * The only write of a booking's state: the decided transition, if the booking is still at
   * `expectedVersion`; null when someone else changed it first (the caller reports a conflict).
   */
  applyTransition(
    id: number,
    expectedVersion: number,
    to: BookingState,
    changes: { cancelReason?: string | null; updatedAt: Date },
    transition: NewTransition,
  ): Promise<{ booking: BookingRecord; transitionId: number } | null>;
  hasTeacherOverlap(teacherId: number, startsAt: Date, endsAt: Date): Promise<boolean>;
  transitions(bookingId: number): Promise<TransitionRecord[]>;
  list(query: BookingListQuery): Promise<BookingListRow[]>;
  partyView(id: number): Promise<BookingPartyRow | null>;
  listForParty(query: PartyBookingQuery): Promise<BookingPartyRow[]>;
  countByQueue(now: Date): Promise<Record<BookingQueueFilter, number>>;
  /** Ids of CONFIRMED, unpaid bookings whose payment window has closed (R16). */
  findExpiredPaymentWindows(cutoff: Date, limit: number): Promise<number[]>;
  /** Ids of CONFIRMED/PAID bookings that ended before `endedBefore` (R17, system). */
  findCompletable(endedBefore: Date, limit: number): Promise<number[]>;
}
