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

export class PrismaPeopleRepository implements PeopleStore {
  /** `direct`: outside a transaction, the hot statements go through the driver (see Database.directQuery). */
  constructor(
    private readonly db: Db,
    private readonly direct?: DirectQuery,
  ) {}

  async emailTaken(email: string): Promise<boolean> {
    // One after another: inside a transaction both share one connection (registration checks in one).
    const student = await this.db.student.findUnique({ where: { email }, select: { id: true } });
    if (student) return true;
    return (await this.db.teacher.findUnique({ where: { email }, select: { id: true } })) !== null;
  }
  async credentialsByEmail(email: string): Promise<Credentials | null> {
    const fields = { id: true, email: true, name: true, timezone: true, passwordHash: true } as const;
    const student = await this.db.student.findUnique({ where: { email }, select: fields });
    if (student?.passwordHash) return { kind: 'STUDENT', ...student };
    const teacher = await this.db.teacher.findUnique({ where: { email }, select: fields });
    if (teacher?.passwordHash) return { kind: 'TEACHER', ...teacher };
    return null;
  }

  countTeachers(): Promise<number> {
    return this.db.teacher.count();
  }

  async createStudent(input: {
    email: string;
    name: string;
    timezone: string;
    passwordHash?: string;
    createdAt: Date;
  }): Promise<StudentRecord> {
    return toStudent(
      await unlessDuplicate(
        this.db.student.create({ data: input }),
        `A student with email ${input.email} already exists`,
      ),
    );
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
    return toTeacher(
      await unlessDuplicate(
        this.db.teacher.create({ data: input }),
        `A teacher with email ${input.email} already exists`,
      ),
    );
  }
  async findStudent(id: number): Promise<StudentRecord | null> {
    const [row] = await runStatement<StudentRecord>(this.db, this.direct, FIND_STUDENT, [id], true);
    return row ?? null;
  }
  async teacherNames(ids: readonly number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.teacher.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true } });
    return new Map(rows.map((row) => [row.id, row.name]));
  }
  async findTeacher(id: number): Promise<TeacherRecord | null> {
    const row = await this.db.teacher.findUnique({ where: { id } });
    return row ? toTeacher(row) : null;
  }
  async lockTeacher(id: number): Promise<TeacherRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<TeacherRecord[]>(LOCK_TEACHER, id);
    return row ?? null;
  }
  async createGig(input: Omit<GigRecord, 'id' | 'active'>): Promise<GigRecord> {
    return toGig(await this.db.gig.create({ data: input }));
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
    await this.db.student.update({ where: { id: studentId }, data: { stripeCustomerId: customerId } });
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
    const row = await this.db.gig.findUnique({ where: { id }, include: { teacher: { select: { name: true } } } });
    if (!row) return null;
    const { teacher, ...gig } = row;
    return { ...toGig(gig), teacherName: teacher.name };
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
