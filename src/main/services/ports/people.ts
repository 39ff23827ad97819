import type { StaffRole } from '../../domain/actors';
import type { CurrencyCode } from '../../domain/money';

/** Staff, students, teachers and gigs, in the services' own types (no Prisma here). */
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

export interface GigWithTeacher extends GigRecord {
  teacherName: string;
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
  /** Names of many staff members at once (lists that say who asked, approved or acted). */
  names(ids: readonly number[]): Promise<Map<number, string>>;
  /** R34: disables or re-enables an account. */
  setActive(id: number, active: boolean, at: Date): Promise<StaffRecord>;
  setPasswordHash(id: number, passwordHash: string, at: Date): Promise<void>;
  /**
   * Locks the rows of the active admins (FOR UPDATE) and returns their ids: two admins disabling each
   * other at once cannot both see another active admin (R34: the last active admin stays).
   */
  lockActiveAdmins(): Promise<number[]>;
  /** R34: the account must choose a new password before anything else (a generated or reset one). */
  mustChangePassword(id: number): Promise<boolean>;
  setMustChangePassword(id: number, required: boolean, at: Date): Promise<void>;
  /** The accounts that must change their password (for the staff list). */
  mustChangePasswordIds(): Promise<Set<number>>;
}

/** A student's or teacher's marketplace sign-in (R50). */
export interface Credentials {
  kind: 'STUDENT' | 'TEACHER';
  id: number;
  email: string;
  name: string;
  timezone: string;
  passwordHash: string | null;
}

export interface PeopleStore {
  /** Whether a student or a teacher already has this email. */
  emailTaken(email: string): Promise<boolean>;
  credentialsByEmail(email: string): Promise<Credentials | null>;
  countTeachers(): Promise<number>;
  createStudent(input: {
    email: string;
    name: string;
    timezone: string;
    passwordHash?: string;
    createdAt: Date;
  }): Promise<StudentRecord>;
  createTeacher(input: {
    email: string;
    name: string;
    timezone: string;
    passwordHash?: string;
    bio?: string | null;
    qualifications?: string | null;
    yearsOfExperience?: number | null;
    createdAt: Date;
  }): Promise<TeacherRecord>;
  findStudent(id: number): Promise<StudentRecord | null>;
  findTeacher(id: number): Promise<TeacherRecord | null>;
  /** Names of many teachers at once (lists that show a name per row). */
  teacherNames(ids: readonly number[]): Promise<Map<number, string>>;
  /**
   * Locks the teacher's row until the transaction ends, so overlap checks of concurrent creations
   * serialize, and returns it as locked (null: no such teacher).
   */
  lockTeacher(id: number): Promise<TeacherRecord | null>;
  createGig(input: Omit<GigRecord, 'id' | 'active'>): Promise<GigRecord>;
  findGig(id: number): Promise<GigRecord | null>;
  searchStudents(text: string, limit: number): Promise<StudentRecord[]>;
  searchTeachers(text: string, limit: number): Promise<TeacherRecord[]>;
  listGigs(teacherId?: number): Promise<GigRecord[]>;
  /** The catalogue: active gigs with their teacher's name, newest first. */
  catalogue(query: {
    language?: string | undefined;
    teacherId?: number | undefined;
    beforeId?: number | undefined;
    limit: number;
  }): Promise<GigWithTeacher[]>;
  gigWithTeacher(id: number): Promise<GigWithTeacher | null>;
  setStudentCustomer(studentId: number, customerId: string): Promise<void>;
}
