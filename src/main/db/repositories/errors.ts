import { DomainError } from '../../domain/errors';
import { Prisma } from '../generated/client.ts';

/** A unique-constraint violation becomes a CONFLICT that says what already exists. */
export async function unlessDuplicate<T>(operation: Promise<T>, message: string): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw new DomainError('CONFLICT', message);
    }
    throw error;
  }
}

/** SQLSTATEs of a transaction PostgreSQL aborted because it raced another: deadlock, serialization. */
const RACE_SQLSTATES = new Set(['40P01', '40001']);

/** Whether PostgreSQL aborted the transaction for racing another one (the work itself was fine). */
export function isTransactionRace(error: unknown): boolean {
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
