/**
 * Rows handed to PostgreSQL as one JSON parameter (`jsonb_to_recordset`): one fixed statement for
 * any number of rows, so it is prepared once and Prisma compiles nothing per call (its query plan
 * cache skips `createMany`, whose shape changes with the row count).
 */

/** A `timestamp(3)` value as JSON: UTC without a zone, as Prisma stores them. */
export const utcTimestamp = (date: Date): string => date.toISOString().replace('Z', '');
