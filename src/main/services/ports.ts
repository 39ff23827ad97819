import type { StaffRole } from '../domain/actors';
import type { CurrencyCode } from '../domain/money';
import type { BookingPaymentStatus, BookingQueue, BookingState, BookingStatus } from '../domain/states';

/**
 * What the services need from persistence, in the services' own types. Repositories in src/main/db
 * implement these; nothing here knows Prisma.
 */
export interface StaffRecord {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  active: boolean;
  createdAt: Date;
}

export interface StudentRecord {
  id: number;
  email: string;
  name: string;
  timezone: string;
  stripeCustomerId: string | null;
  createdAt: Date;
}

export interface TeacherRecord {
  id: number;
  email: string;
  name: string;
  timezone: string;
  createdAt: Date;
}

export interface GigRecord {
  id: number;
  teacherId: number;
  title: string;
  language: string;
  hourlyRateMinor: number;
  currency: CurrencyCode;
  active: boolean;
  createdAt: Date;
}

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

/** A booking row as the queues show it: the booking plus the names staff search by. */
export interface BookingListRow extends BookingRecord {
  studentName: string;
  studentEmail: string;
  teacherName: string;
  gigTitle: string;
  language: string;
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

export interface OutboxDraft {
  key: string;
  kind: string;
  bookingId: number | null;
  payload: Record<string, unknown>;
}

export interface AuditDraft {
  actorStaffId: number | null;
  actorRole: string;
  action: string;
  entity: string;
  entityId: string;
  data?: Record<string, unknown>;
  at: Date;
}

export interface AuditRecord extends Omit<AuditDraft, 'data'> {
  id: number;
  data: unknown;
}

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

export interface StaffStore {
  count(): Promise<number>;
  countActive(): Promise<number>;
  findByEmailWithHash(email: string): Promise<(StaffRecord & { passwordHash: string }) | null>;
  findById(id: number): Promise<StaffRecord | null>;
  create(input: {
    email: string;
    name: string;
    role: StaffRole;
    passwordHash: string;
    createdAt: Date;
  }): Promise<StaffRecord>;
  list(): Promise<StaffRecord[]>;
}

export interface PeopleStore {
  countTeachers(): Promise<number>;
  createStudent(input: { email: string; name: string; timezone: string; createdAt: Date }): Promise<StudentRecord>;
  createTeacher(input: { email: string; name: string; timezone: string; createdAt: Date }): Promise<TeacherRecord>;
  findStudent(id: number): Promise<StudentRecord | null>;
  findTeacher(id: number): Promise<TeacherRecord | null>;
  /** Locks the teacher's row until the transaction ends, so overlap checks of concurrent creations serialize. */
  lockTeacher(id: number): Promise<void>;
  createGig(input: Omit<GigRecord, 'id' | 'active'>): Promise<GigRecord>;
  findGig(id: number): Promise<GigRecord | null>;
  searchStudents(text: string, limit: number): Promise<StudentRecord[]>;
  searchTeachers(text: string, limit: number): Promise<TeacherRecord[]>;
  listGigs(teacherId?: number): Promise<GigRecord[]>;
}

export interface BookingStore {
  count(): Promise<number>;
  findById(id: number): Promise<BookingRecord | null>;
  insert(booking: NewBooking, transition: NewTransition): Promise<{ booking: BookingRecord; transitionId: number }>;
  /**
   * Writes a decided transition if the booking is still at `expectedVersion`; returns null when
   * someone else changed it first (the caller reports a conflict).
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
  countByQueue(now: Date): Promise<Record<BookingQueueFilter, number>>;
  /** Ids of CONFIRMED, unpaid bookings whose payment window has closed (R16). */
  findExpiredPaymentWindows(cutoff: Date, limit: number): Promise<number[]>;
  /** Ids of CONFIRMED/PAID bookings that ended before `endedBefore` (R17, system). */
  findCompletable(endedBefore: Date, limit: number): Promise<number[]>;
}

export interface OutboxStore {
  enqueue(messages: readonly OutboxDraft[]): Promise<void>;
  listForBooking(bookingId: number): Promise<{ key: string; kind: string; status: string; payload: unknown }[]>;
}

export interface AuditStore {
  append(entry: AuditDraft): Promise<void>;
  list(query: {
    entity?: string | undefined;
    entityId?: string | undefined;
    beforeId?: number | undefined;
    limit: number;
  }): Promise<AuditRecord[]>;
}

export interface SettingsStore {
  all(): Promise<Record<string, unknown>>;
  set(key: string, value: unknown, updatedById: number | null): Promise<void>;
}

export interface RevenueRow {
  period: Date;
  grossMinor: number;
  teacherMinor: number;
  platformMinor: number;
  refundedMinor: number;
  count: number;
}

export interface TeacherSplitRow extends Omit<RevenueRow, 'period'> {
  teacherId: number;
  teacherName: string;
}

export interface ReportStore {
  revenue(query: { from: Date; to: Date; currency: CurrencyCode; groupBy: 'day' | 'month' }): Promise<RevenueRow[]>;
  teacherSplit(query: { from: Date; to: Date; currency: CurrencyCode; limit: number }): Promise<TeacherSplitRow[]>;
}

export interface Repositories {
  reports: ReportStore;
  payments: PaymentStore;
  outboxWork: OutboxWorkStore;
  staff: StaffStore;
  people: PeopleStore;
  bookings: BookingStore;
  outbox: OutboxStore;
  audit: AuditStore;
  settings: SettingsStore;
}

/** Runs a use case's writes in one transaction: all of them commit, or none. */
export interface UnitOfWork {
  readonly read: Repositories;
  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
}

export interface PaymentRecord {
  id: number;
  bookingId: number;
  amountMinor: number;
  currency: string;
  status: import('../domain/states').PaymentStatus;
  refundedMinor: number;
  stripePaymentIntentId: string | null;
  idempotencyKey: string;
  stripeStatus: string | null;
  stripeChargeId: string | null;
  lastError: string | null;
  paidAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface PaymentAttemptRecord {
  id: number;
  paymentId: number;
  stripePaymentMethodId: string | null;
  status: string;
  errorCode: string | null;
  declineCode: string | null;
  message: string | null;
  idempotencyKey: string;
  createdAt: Date;
  completedAt: Date | null;
}

export interface SavedMethodRecord {
  id: number;
  studentId: number;
  stripePaymentMethodId: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  country: string | null;
  createdAt: Date;
}

export interface RefundRequestRecord {
  id: number;
  paymentId: number;
  bookingId: number;
  amountMinor: number;
  currency: string;
  reason: string;
  status: import('../domain/refunds').RefundRequestStatus;
  requestedById: number;
  firstApproverId: number | null;
  secondApproverId: number | null;
  rejectedById: number | null;
  rejectNote: string | null;
  stripeRefundId: string | null;
  idempotencyKey: string;
  failureMessage: string | null;
  source: string;
  processedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface MeetingRecord {
  bookingId: number;
  zoomMeetingId: string;
  topic: string;
  startsAt: Date;
  minutes: number;
  timezone: string;
  joinUrl: string;
  startUrl: string;
  password: string;
  createdAt: Date;
  deletedAt: Date | null;
}

export interface SentEmailRecord {
  outboxKey: string;
  bookingId: number | null;
  template: string;
  recipientRole: string;
  recipient: string;
  subject: string;
  messageId: string;
  sentAt: Date;
}

export interface MismatchRecord {
  id: number;
  paymentId: number;
  bookingId: number;
  kind: string;
  localState: string;
  stripeState: string;
  detail: string;
  status: 'OPEN' | 'RESOLVED';
  detectedAt: Date;
  resolvedAt: Date | null;
  resolvedById: number | null;
  resolution: string | null;
}

export interface OutboxRecord {
  id: number;
  key: string;
  kind: string;
  bookingId: number | null;
  payload: Record<string, unknown>;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface PaymentStore {
  lockBooking(bookingId: number): Promise<void>;
  lockPayment(paymentId: number): Promise<void>;
  findById(id: number): Promise<PaymentRecord | null>;
  findByIntentId(intentId: string): Promise<PaymentRecord | null>;
  forBooking(bookingId: number): Promise<PaymentRecord[]>;
  create(input: {
    bookingId: number;
    amountMinor: number;
    currency: string;
    idempotencyKey: string;
    createdAt: Date;
  }): Promise<PaymentRecord>;
  update(id: number, patch: Partial<Omit<PaymentRecord, 'id' | 'bookingId' | 'createdAt'>>): Promise<PaymentRecord>;
  list(query: {
    statuses?: string[] | undefined;
    beforeId?: number | undefined;
    limit: number;
  }): Promise<PaymentRecord[]>;
  needingReconciliation(limit: number): Promise<PaymentRecord[]>;
  addAttempt(input: {
    paymentId: number;
    stripePaymentMethodId: string | null;
    idempotencyKey: string;
    createdAt: Date;
  }): Promise<PaymentAttemptRecord>;
  updateAttempt(
    id: number,
    patch: Partial<Omit<PaymentAttemptRecord, 'id' | 'paymentId' | 'idempotencyKey' | 'createdAt'>>,
  ): Promise<void>;
  attempts(paymentId: number): Promise<PaymentAttemptRecord[]>;
  saveMethod(input: Omit<SavedMethodRecord, 'id'>): Promise<SavedMethodRecord>;
  methods(studentId: number): Promise<SavedMethodRecord[]>;
  setStudentCustomer(studentId: number, customerId: string): Promise<void>;
  createRefundRequest(
    input: Omit<
      RefundRequestRecord,
      | 'id'
      | 'version'
      | 'createdAt'
      | 'updatedAt'
      | 'processedAt'
      | 'stripeRefundId'
      | 'failureMessage'
      | 'firstApproverId'
      | 'secondApproverId'
      | 'rejectedById'
      | 'rejectNote'
    > & { createdAt: Date },
  ): Promise<RefundRequestRecord>;
  findRefundRequest(id: number): Promise<RefundRequestRecord | null>;
  lockRefundRequest(id: number): Promise<void>;
  updateRefundRequest(
    id: number,
    patch: Partial<Omit<RefundRequestRecord, 'id' | 'paymentId' | 'bookingId' | 'createdAt'>>,
  ): Promise<RefundRequestRecord>;
  refundRequests(query: {
    statuses?: string[] | undefined;
    paymentId?: number | undefined;
    beforeId?: number | undefined;
    limit: number;
  }): Promise<RefundRequestRecord[]>;
  refundRequestByStripeId(stripeRefundId: string): Promise<RefundRequestRecord | null>;
  hasEvent(id: string): Promise<boolean>;
  /** Returns false when the event id was already recorded (applied once, R25). */
  recordEvent(id: string, type: string): Promise<boolean>;
  findMeeting(bookingId: number): Promise<MeetingRecord | null>;
  saveMeeting(meeting: Omit<MeetingRecord, 'createdAt' | 'deletedAt'>): Promise<void>;
  markMeetingDeleted(bookingId: number, at: Date): Promise<void>;
  recordEmail(email: SentEmailRecord): Promise<void>;
  emails(bookingId: number): Promise<SentEmailRecord[]>;
  openMismatch(
    input: Omit<MismatchRecord, 'id' | 'status' | 'resolvedAt' | 'resolvedById' | 'resolution'>,
  ): Promise<void>;
  mismatches(query: { status?: 'OPEN' | 'RESOLVED' | undefined; limit: number }): Promise<MismatchRecord[]>;
  findMismatch(id: number): Promise<MismatchRecord | null>;
  resolveMismatch(id: number, by: number, resolution: string, at: Date): Promise<void>;
}

export interface OutboxWorkStore {
  /** Claims up to `limit` due rows for `leaseMs` (so a second worker skips them). */
  claimDue(now: Date, leaseMs: number, limit: number): Promise<OutboxRecord[]>;
  markDelivered(id: number, at: Date): Promise<void>;
  markFailed(id: number, error: string, nextAttemptAt: Date, giveUp: boolean): Promise<void>;
  retry(id: number, at: Date): Promise<OutboxRecord | null>;
  failures(limit: number): Promise<OutboxRecord[]>;
  find(id: number): Promise<OutboxRecord | null>;
}
