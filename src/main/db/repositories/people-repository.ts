import type { CurrencyCode } from '../../domain/money';
import type {
  Credentials,
  GigRecord,
  GigWithTeacher,
  PeopleStore,
  StudentRecord,
  TeacherRecord,
} from '../../services/ports';
import { Prisma, type Gig, type Student, type Teacher } from '../generated/client.ts';
import { columnList } from './columns';
import { unlessDuplicate } from './errors';
import type { DirectQuery } from '../database';
import type { Db } from './prisma-types';
import { runStatement } from './statement';

const toStudent = (row: Student): StudentRecord => ({
  id: row.id,
  email: row.email,
  name: row.name,
  timezone: row.timezone,
  stripeCustomerId: row.stripeCustomerId,
  createdAt: row.createdAt,
});
const toTeacher = (row: Teacher): TeacherRecord => ({
  id: row.id,
  email: row.email,
  name: row.name,
  timezone: row.timezone,
  createdAt: row.createdAt,
});
const toGig = (row: Gig): GigRecord => ({ ...row, currency: row.currency as CurrencyCode });

/** The columns a StudentRecord / TeacherRecord holds (never a password hash). */
const STUDENT_COLUMNS = '"id", "email", "name", "timezone", "stripeCustomerId", "createdAt"';
const TEACHER_COLUMNS = '"id", "email", "name", "timezone", "createdAt"';
const FIND_STUDENT = `SELECT ${STUDENT_COLUMNS} FROM "Student" WHERE "id" = $1`;
const FIND_GIG = `SELECT ${columnList(Prisma.GigScalarFieldEnum)} FROM "Gig" WHERE "id" = $1`;
const LOCK_TEACHER = `SELECT ${TEACHER_COLUMNS} FROM "Teacher" WHERE "id" = $1 FOR UPDATE`;
// Statements that run inside transactions are SQL (transactions run on the driver: sql-transaction.ts).
const EMAIL_TAKEN = `SELECT EXISTS (SELECT 1 FROM "Student" WHERE "email" = $1)
  OR EXISTS (SELECT 1 FROM "Teacher" WHERE "email" = $1) AS taken`;
/** The student's row if it has a password, else the teacher's: as before, a student's address wins. */
const CREDENTIALS = `SELECT kind, "id", "email", "name", "timezone", "passwordHash" FROM (
  SELECT 'STUDENT' AS kind, 0 AS rank, "id", "email", "name", "timezone", "passwordHash" FROM "Student"
  WHERE "email" = $1 AND "passwordHash" IS NOT NULL
  UNION ALL
  SELECT 'TEACHER', 1, "id", "email", "name", "timezone", "passwordHash" FROM "Teacher"
  WHERE "email" = $1 AND "passwordHash" IS NOT NULL
) AS found ORDER BY rank LIMIT 1`;
const COUNT_TEACHERS = 'SELECT count(*) AS n FROM "Teacher"';
const INSERT_STUDENT = `INSERT INTO "Student" ("email", "name", "timezone", "passwordHash", "createdAt")
VALUES ($1, $2, $3, $4, $5) RETURNING ${STUDENT_COLUMNS}`;
const INSERT_TEACHER = `INSERT INTO "Teacher"
  ("email", "name", "timezone", "passwordHash", "bio", "qualifications", "yearsOfExperience", "createdAt")
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${TEACHER_COLUMNS}`;
const TEACHER_NAMES = 'SELECT "id", "name" FROM "Teacher" WHERE "id" = ANY($1::int[])';
const FIND_TEACHER = `SELECT ${TEACHER_COLUMNS} FROM "Teacher" WHERE "id" = $1`;
const INSERT_GIG = `INSERT INTO "Gig" ("teacherId", "title", "language", "hourlyRateMinor", "currency", "createdAt")
VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columnList(Prisma.GigScalarFieldEnum)}`;
const SET_STUDENT_CUSTOMER = 'UPDATE "Student" SET "stripeCustomerId" = $2 WHERE "id" = $1 RETURNING "id"';
const GIG_WITH_TEACHER = `SELECT ${columnList(Prisma.GigScalarFieldEnum, 'g')}, t."name" AS "teacherName"
FROM "Gig" g JOIN "Teacher" t ON t."id" = g."teacherId" WHERE g."id" = $1`;

export class PrismaPeopleRepository implements PeopleStore {
  /** `direct`: outside a transaction, the hot statements go through the driver (see Database.directQuery). */
  constructor(
    private readonly db: Db,
    private readonly direct?: DirectQuery,
  ) {}

  async emailTaken(email: string): Promise<boolean> {
    const [row] = await this.db.$queryRawUnsafe<{ taken: boolean }[]>(EMAIL_TAKEN, email);
    return row?.taken ?? false;
  }
  async credentialsByEmail(email: string): Promise<Credentials | null> {
    const [row] = await this.db.$queryRawUnsafe<(Omit<Credentials, 'kind'> & { kind: 'STUDENT' | 'TEACHER' })[]>(
      CREDENTIALS,
      email,
    );
    return row ?? null;
  }

  async countTeachers(): Promise<number> {
    const [row] = await this.db.$queryRawUnsafe<{ n: bigint }[]>(COUNT_TEACHERS);
    return Number(row?.n ?? 0);
  }

  async createStudent(input: {
    email: string;
    name: string;
    timezone: string;
    passwordHash?: string;
    createdAt: Date;
  }): Promise<StudentRecord> {
    const [row] = await unlessDuplicate(
      this.db.$queryRawUnsafe<StudentRecord[]>(
        INSERT_STUDENT,
        input.email,
        input.name,
        input.timezone,
        input.passwordHash ?? null,
        input.createdAt,
      ),
      `A student with email ${input.email} already exists`,
    );
    if (!row) throw new Error('Inserting a student returned no row');
    return row;
  }
  async createTeacher(input: {
    email: string;
    name: string;
    timezone: string;
    passwordHash?: string;
    bio?: string | null;
    qualifications?: string | null;
    yearsOfExperience?: number | null;
    createdAt: Date;
  }): Promise<TeacherRecord> {
    const [row] = await unlessDuplicate(
      this.db.$queryRawUnsafe<TeacherRecord[]>(
        INSERT_TEACHER,
        input.email,
        input.name,
        input.timezone,
        input.passwordHash ?? null,
        input.bio ?? null,
        input.qualifications ?? null,
        input.yearsOfExperience ?? null,
        input.createdAt,
      ),
      `A teacher with email ${input.email} already exists`,
    );
    if (!row) throw new Error('Inserting a teacher returned no row');
    return row;
  }
  async findStudent(id: number): Promise<StudentRecord | null> {
    const [row] = await runStatement<StudentRecord>(this.db, this.direct, FIND_STUDENT, [id], true);
    return row ?? null;
  }
  async teacherNames(ids: readonly number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.$queryRawUnsafe<{ id: number; name: string }[]>(TEACHER_NAMES, [...ids]);
    return new Map(rows.map((row) => [row.id, row.name]));
  }
  async findTeacher(id: number): Promise<TeacherRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<TeacherRecord[]>(FIND_TEACHER, id);
    return row ?? null;
  }
  async lockTeacher(id: number): Promise<TeacherRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<TeacherRecord[]>(LOCK_TEACHER, id);
    return row ?? null;
  }
  async createGig(input: Omit<GigRecord, 'id' | 'active'>): Promise<GigRecord> {
    const [row] = await this.db.$queryRawUnsafe<Gig[]>(
      INSERT_GIG,
      input.teacherId,
      input.title,
      input.language,
      input.hourlyRateMinor,
      input.currency,
      input.createdAt,
    );
    if (!row) throw new Error('Inserting a gig returned no row');
    return toGig(row);
  }
  async findGig(id: number): Promise<GigRecord | null> {
    const [row] = await runStatement<Gig>(this.db, this.direct, FIND_GIG, [id], true);
    return row ? toGig(row) : null;
  }
  async searchStudents(text: string, limit: number): Promise<StudentRecord[]> {
    const rows = await this.db.student.findMany({
      where: text
        ? {
            OR: [{ name: { contains: text, mode: 'insensitive' } }, { email: { contains: text, mode: 'insensitive' } }],
          }
        : {},
      orderBy: { name: 'asc' },
      take: limit,
    });
    return rows.map(toStudent);
  }
  async searchTeachers(text: string, limit: number): Promise<TeacherRecord[]> {
    const rows = await this.db.teacher.findMany({
      where: text
        ? {
            OR: [{ name: { contains: text, mode: 'insensitive' } }, { email: { contains: text, mode: 'insensitive' } }],
          }
        : {},
      orderBy: { name: 'asc' },
      take: limit,
    });
    return rows.map(toTeacher);
  }
  async setStudentCustomer(studentId: number, customerId: string): Promise<void> {
    const rows = await this.db.$queryRawUnsafe<{ id: number }[]>(SET_STUDENT_CUSTOMER, studentId, customerId);
    if (rows.length === 0) throw new Error(`Student ${studentId} does not exist`);
  }
  async catalogue(query: {
    language?: string | undefined;
    teacherId?: number | undefined;
    beforeId?: number | undefined;
    limit: number;
  }): Promise<GigWithTeacher[]> {
    const rows = await this.db.gig.findMany({
      where: {
        active: true,
        ...(query.language ? { language: { equals: query.language, mode: 'insensitive' } } : {}),
        ...(query.teacherId !== undefined ? { teacherId: query.teacherId } : {}),
        ...(query.beforeId !== undefined ? { id: { lt: query.beforeId } } : {}),
      },
      include: { teacher: { select: { name: true } } },
      orderBy: { id: 'desc' },
      take: query.limit,
    });
    return rows.map(({ teacher, ...gig }) => ({ ...toGig(gig), teacherName: teacher.name }));
  }
  async gigWithTeacher(id: number): Promise<GigWithTeacher | null> {
    const [row] = await this.db.$queryRawUnsafe<(Gig & { teacherName: string })[]>(GIG_WITH_TEACHER, id);
    if (!row) return null;
    const { teacherName, ...gig } = row;
    return { ...toGig(gig), teacherName };
  }
  async listGigs(teacherId?: number): Promise<GigRecord[]> {
    const rows = await this.db.gig.findMany({
      where: teacherId === undefined ? {} : { teacherId },
      orderBy: { id: 'asc' },
      take: 500,
    });
    return rows.map(toGig);
  }
}
