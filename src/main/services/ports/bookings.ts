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
  /** R51: moves so far. */
  rescheduleCount: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type RescheduleStatus = 'REQUESTED' | 'ACCEPTED' | 'DECLINED' | 'EXPIRED';
export type PartyKind = 'STUDENT' | 'TEACHER';

/** R51/R53: one party's request to move a booking, and its answer. */
export interface RescheduleRequestRecord {
  id: number;
  bookingId: number;
  requestedByKind: PartyKind;
  requestedById: number;
  fromStartsAt: Date;
  startsAt: Date;
  endsAt: Date;
  reason: string;
  status: RescheduleStatus;
  expiresAt: Date;
  answeredByKind: 'STAFF' | 'STUDENT' | 'TEACHER' | 'SYSTEM' | null;
  answeredById: number | null;
  answerReason: string | null;
  answeredAt: Date | null;
  createdAt: Date;
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
  /** The latest request to move it (R51–R53), if there ever was one. */
  reschedule: {
    status: RescheduleStatus;
    requestedBy: PartyKind;
    startsAt: Date;
    endsAt: Date;
    reason: string;
  } | null;
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
  /** R53: for moves and requests to move, the start it was at and the start asked for. */
  fromStartsAt: Date | null;
  toStartsAt: Date | null;
  at: Date;
}

export type NewTransition = Omit<TransitionRecord, 'id' | 'bookingId' | 'fromStartsAt' | 'toStartsAt'> &
  Partial<Pick<TransitionRecord, 'fromStartsAt' | 'toStartsAt'>>;

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
  sort: 'startsAt' | '-startsAt' | 'createdAt' | '-createdAt' | 'upcoming';
  after?: { at: Date; id: number } | undefined;
  /**
   * For 'upcoming': the instant dividing upcoming from past bookings. The first page's `now`, carried
   * in the cursor, so a booking that starts while someone pages is neither shown twice nor skipped.
   */
  pivot?: Date | undefined;
  /** Rows to skip, for comparison with keyset paging in the benchmark; the console never uses it. */
  offset?: number | undefined;
  limit: number;
  now: Date;
}

export interface BookingStore {
  count(): Promise<number>;
  findById(id: number): Promise<BookingRecord | null>;
  /**
   * Locks the booking's row until the transaction ends (one payment per booking, R21) and reads it as
   * it is under the lock (null: no such booking).
   */
  lock(id: number): Promise<BookingRecord | null>;
  insert(booking: NewBooking, transition: NewTransition): Promise<{ booking: BookingRecord; transitionId: number }>;
  /**
   * The only write of a booking's state: the decided transition, if the booking is still at
   * `expectedVersion`; null when someone else changed it first (the caller reports a conflict).
   */
  applyTransition(
    id: number,
    expectedVersion: number,
    to: BookingState,
    changes: {
      cancelReason?: string | null;
      /** R51: a move — the new time (same duration) and one more move counted. */
      moveTo?: { startsAt: Date; endsAt: Date };
      updatedAt: Date;
    },
    transition: NewTransition,
  ): Promise<{ booking: BookingRecord; transitionId: number } | null>;
  /** `exceptBookingId`: the booking being moved does not overlap itself. */
  hasTeacherOverlap(teacherId: number, startsAt: Date, endsAt: Date, exceptBookingId?: number): Promise<boolean>;
  /** The open request to move a booking (at most one: a unique index). */
  openReschedule(bookingId: number): Promise<RescheduleRequestRecord | null>;
  /** The latest request of a booking, open or answered (for its status). */
  latestReschedule(bookingId: number): Promise<RescheduleRequestRecord | null>;
  /** Written with the `request_reschedule` transition only. */
  createReschedule(
    input: Omit<
      RescheduleRequestRecord,
      'id' | 'status' | 'answeredByKind' | 'answeredById' | 'answerReason' | 'answeredAt'
    >,
  ): Promise<RescheduleRequestRecord>;
  /** Written with the transition that answers it (accept, decline, expire, a staff move); false when already closed. */
  closeReschedule(
    id: number,
    answer: {
      status: Exclude<RescheduleStatus, 'REQUESTED'>;
      byKind: 'STAFF' | 'STUDENT' | 'TEACHER' | 'SYSTEM';
      byId: number | null;
      reason: string | null;
      at: Date;
    },
  ): Promise<boolean>;
  /** Bookings whose open request has expired by `now` (R53). */
  findExpiredRescheduleRequests(now: Date, limit: number): Promise<number[]>;
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
