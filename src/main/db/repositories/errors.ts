import { DomainError } from '../../domain/errors';
import { Prisma } from '../generated/client.ts';

/** The SQLSTATE of an error the driver itself raised (pg's and PGlite's DatabaseError carry `code`). */
const sqlState = (error: unknown): string | undefined => {
  if (!(error instanceof Error) || error instanceof Prisma.PrismaClientKnownRequestError) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/** Whether `error` is a unique-constraint violation, from Prisma (P2002) or from the driver (23505). */
export function isUniqueViolation(error: unknown): boolean {
  return (
    (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') || sqlState(error) === '23505'
  );
}

/** A unique-constraint violation becomes a CONFLICT that says what already exists. */
export async function unlessDuplicate<T>(operation: Promise<T>, message: string): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('CONFLICT', message);
    throw error;
  }
}

/** SQLSTATEs of a transaction PostgreSQL aborted because it raced another: deadlock, serialization. */
const RACE_SQLSTATES = new Set(['40P01', '40001']);

/** Whether PostgreSQL aborted the transaction for racing another one (the work itself was fine). */
export function isTransactionRace(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined) return RACE_SQLSTATES.has(state); // a transaction on the driver
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2034') return true;
  const cause = (
    error.meta as { driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } } | undefined
  )?.driverAdapterError?.cause;
  return (
    cause?.kind === 'TransactionWriteConflict' ||
    (typeof cause?.originalCode === 'string' && RACE_SQLSTATES.has(cause.originalCode))
  );
}

/**
 * A transaction aborted for a deadlock (40P01) or a serialization failure (40001) rolled back
 * completely: a CONFLICT (409) the caller may simply repeat, never an internal error.
 */
export async function raceAsConflict<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isTransactionRace(error))
      throw new DomainError(
        'CONFLICT',
        'Someone else changed the same booking or payment at the same moment; nothing was saved. Try again.',
      );
    throw error;
  }
}
