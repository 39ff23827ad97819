import type { StripeEventStore } from '../../services/ports';
import type { Db } from './prisma-types';

/** R25: each Stripe event id is applied at most once. */
export class PrismaStripeEventRepository implements StripeEventStore {
  constructor(private readonly db: Db) {}
  async has(id: string): Promise<boolean> {
    return (await this.db.processedStripeEvent.findUnique({ where: { id }, select: { id: true } })) !== null;
  }
  async record(id: string, type: string): Promise<boolean> {
    const inserted = await this.db
      .$executeRaw`INSERT INTO "ProcessedStripeEvent" (id, type) VALUES (${id}, ${type}) ON CONFLICT (id) DO NOTHING`;
    return inserted === 1;
  }
}
