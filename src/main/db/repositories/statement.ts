import type { DirectQuery } from '../database';
import type { Db } from './prisma-types';

/**
 * One SQL statement on a repository's connection: outside a transaction through the driver itself
 * (`direct`, prepared when asked), inside one through Prisma's transaction, which owns that
 * connection. Both return timestamps as UTC Dates.
 */
export function runStatement<Row>(
  db: Db,
  direct: DirectQuery | undefined,
  text: string,
  values: readonly unknown[],
  prepared = false,
): Promise<Row[]> {
  return direct ? direct<Row>(text, values, prepared) : db.$queryRawUnsafe<Row[]>(text, ...values);
}
