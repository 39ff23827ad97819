import type { StaffRecord } from './people';

/** Sign-ins that every host of a deployment sees: staff consoles and students' and teachers' apps. */
export type SessionKind = 'STAFF' | 'STUDENT' | 'TEACHER';

export interface SessionRecord {
  id: string;
  kind: SessionKind;
  subjectId: number;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date;
  revokedAt: Date | null;
  revokeReason: string | null;
}

/**
 * A staff sign-in with its account, read together on every console call: the account is null when
 * the session is not a staff one or its account is gone.
 */
export interface StaffSessionRecord {
  session: SessionRecord;
  staff: (StaffRecord & { mustChangePassword: boolean }) | null;
}

export interface RefreshTokenRecord {
  id: number;
  sessionId: string;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface SessionStore {
  create(session: {
    id: string;
    kind: SessionKind;
    subjectId: number;
    tokenHash: string | null;
    createdAt: Date;
    expiresAt: Date;
  }): Promise<void>;
  find(id: string): Promise<SessionRecord | null>;
  findByTokenHash(tokenHash: string): Promise<SessionRecord | null>;
  /** The session of a console token and its staff account, in one query (checked on every console call). */
  findStaffSession(tokenHash: string): Promise<StaffSessionRecord | null>;
  /**
   * Records use at `at` unless a use at or after `seenBefore` is already recorded (by this host or
   * another), so a busy console does not write on every call.
   */
  touch(id: string, at: Date, seenBefore: Date): Promise<void>;
  revoke(id: string, reason: string, at: Date): Promise<boolean>;
  /** Ends every open session of the subject (but `except`, the caller's own, when given); returns their ids. */
  revokeAllOf(kind: SessionKind, subjectId: number, reason: string, at: Date, except?: string): Promise<string[]>;
  addRefreshToken(token: { sessionId: string; tokenHash: string; createdAt: Date; expiresAt: Date }): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /** Marks a refresh token used; false when it already was (a second use: reuse). */
  useRefreshToken(id: number, at: Date): Promise<boolean>;
}

export interface EventLogRecord {
  id: number;
  type: string;
  payload: Record<string, unknown>;
  at: Date;
}

/** Every committed change, in order, read by every host (live updates across hosts). */
export interface EventLogStore {
  /** Written in the transaction of the change; announced to every host when it commits. Returns the rows. */
  append(events: readonly { type: string; payload: Record<string, unknown>; at: Date }[]): Promise<EventLogRecord[]>;
  /**
   * As `append`, as the transaction's last statement: the commit may go with it (on PostgreSQL it
   * does), so nothing may be read or written in the transaction after it.
   */
  appendLast(
    events: readonly { type: string; payload: Record<string, unknown>; at: Date }[],
  ): Promise<EventLogRecord[]>;
  after(id: number, limit: number): Promise<EventLogRecord[]>;
  latestId(): Promise<number>;
  oldestId(): Promise<number | null>;
  pruneBefore(at: Date): Promise<number>;
}
