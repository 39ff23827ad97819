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
