import type { Prisma, PrismaClient } from '../generated/client.ts';

/** Either the client or an interactive transaction's client: repositories work with both. */
export type Db = PrismaClient | Prisma.TransactionClient;
