import type { StaffRecord, StaffStore } from '../../services/ports';
import type { Staff, StaffRole } from '../generated/client.ts';
import { unlessDuplicate } from './errors';
import type { Db } from './prisma-types';

/**
 * Statements that run inside transactions (sign-in, staff management) are SQL: transactions run on
 * the driver (sql-transaction.ts). The lists keep Prisma's model calls.
 */
const STAFF_COLUMNS = '"id", "email", "name", "role", "active", "createdAt"';
const COUNT = 'SELECT count(*) AS n FROM "Staff"';
const COUNT_ACTIVE = 'SELECT count(*) AS n FROM "Staff" WHERE "active"';
const FIND_BY_EMAIL = `SELECT ${STAFF_COLUMNS}, "passwordHash" FROM "Staff" WHERE "email" = $1`;
const FIND_BY_ID = `SELECT ${STAFF_COLUMNS} FROM "Staff" WHERE "id" = $1`;
const INSERT = `INSERT INTO "Staff" ("email", "name", "role", "passwordHash", "createdAt", "updatedAt")
VALUES ($1, $2, $3::text::"StaffRole", $4, $5, $5) RETURNING ${STAFF_COLUMNS}`;
const SET_ACTIVE = `UPDATE "Staff" SET "active" = $2, "updatedAt" = $3 WHERE "id" = $1 RETURNING ${STAFF_COLUMNS}`;
const SET_PASSWORD_HASH = 'UPDATE "Staff" SET "passwordHash" = $2, "updatedAt" = $3 WHERE "id" = $1 RETURNING "id"';
const MUST_CHANGE_PASSWORD = 'SELECT "mustChangePassword" FROM "Staff" WHERE "id" = $1';
const SET_MUST_CHANGE_PASSWORD =
  'UPDATE "Staff" SET "mustChangePassword" = $2, "updatedAt" = $3 WHERE "id" = $1 RETURNING "id"';

type StaffRow = Omit<Staff, 'passwordHash' | 'mustChangePassword' | 'updatedAt'>;

/** Prisma's `update` refused a missing row (P2025); the callers read the row first, so this is a bug if seen. */
function updated<Row>(rows: Row[], id: number): Row {
  const [row] = rows;
  if (row === undefined) throw new Error(`Staff account ${id} does not exist`);
  return row;
}

const toStaff = (row: StaffRow): StaffRecord => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  active: row.active,
  createdAt: row.createdAt,
});

export class PrismaStaffRepository implements StaffStore {
  constructor(private readonly db: Db) {}
  async count(): Promise<number> {
    const [row] = await this.db.$queryRawUnsafe<{ n: bigint }[]>(COUNT);
    return Number(row?.n ?? 0);
  }
  async countActive(): Promise<number> {
    const [row] = await this.db.$queryRawUnsafe<{ n: bigint }[]>(COUNT_ACTIVE);
    return Number(row?.n ?? 0);
  }
  async findByEmailWithHash(email: string): Promise<(StaffRecord & { passwordHash: string }) | null> {
    const [row] = await this.db.$queryRawUnsafe<(StaffRow & { passwordHash: string })[]>(FIND_BY_EMAIL, email);
    return row ? { ...toStaff(row), passwordHash: row.passwordHash } : null;
  }
  async findById(id: number): Promise<StaffRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<StaffRow[]>(FIND_BY_ID, id);
    return row ? toStaff(row) : null;
  }
  async create(input: {
    email: string;
    name: string;
    role: StaffRole;
    passwordHash: string;
    createdAt: Date;
  }): Promise<StaffRecord> {
    const [row] = await unlessDuplicate(
      this.db.$queryRawUnsafe<StaffRow[]>(
        INSERT,
        input.email,
        input.name,
        input.role,
        input.passwordHash,
        input.createdAt,
      ),
      `A staff account for ${input.email} already exists`,
    );
    if (!row) throw new Error('Inserting a staff account returned no row');
    return toStaff(row);
  }
  async list(): Promise<StaffRecord[]> {
    return (await this.db.staff.findMany({ orderBy: { id: 'asc' } })).map(toStaff);
  }
  async names(ids: readonly number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.staff.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true } });
    return new Map(rows.map((row) => [row.id, row.name]));
  }
  async setActive(id: number, active: boolean, at: Date): Promise<StaffRecord> {
    return toStaff(updated(await this.db.$queryRawUnsafe<StaffRow[]>(SET_ACTIVE, id, active, at), id));
  }
  async setPasswordHash(id: number, passwordHash: string, at: Date): Promise<void> {
    updated(await this.db.$queryRawUnsafe<{ id: number }[]>(SET_PASSWORD_HASH, id, passwordHash, at), id);
  }
  async lockActiveAdmins(): Promise<number[]> {
    const rows = await this.db.$queryRaw<{ id: number }[]>`
      SELECT id FROM "Staff" WHERE role = 'ADMIN' AND active ORDER BY id FOR UPDATE`;
    return rows.map((row) => row.id);
  }
  async mustChangePassword(id: number): Promise<boolean> {
    const [row] = await this.db.$queryRawUnsafe<{ mustChangePassword: boolean }[]>(MUST_CHANGE_PASSWORD, id);
    return row?.mustChangePassword ?? false;
  }
  async setMustChangePassword(id: number, required: boolean, at: Date): Promise<void> {
    updated(await this.db.$queryRawUnsafe<{ id: number }[]>(SET_MUST_CHANGE_PASSWORD, id, required, at), id);
  }
  async mustChangePasswordIds(): Promise<Set<number>> {
    const rows = await this.db.staff.findMany({ where: { mustChangePassword: true }, select: { id: true } });
    return new Set(rows.map((row) => row.id));
  }
}
