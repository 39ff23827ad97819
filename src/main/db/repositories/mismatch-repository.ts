import type { MismatchInput, MismatchRecord, MismatchStore } from '../../services/ports';
import type { Db } from './prisma-types';

/** Every column of a mismatch except its open-key bookkeeping. */
const MISMATCH_FIELDS = {
  id: true,
  paymentId: true,
  bookingId: true,
  payoutLineId: true,
  payoutRunId: true,
  kind: true,
  localState: true,
  stripeState: true,
  detail: true,
  status: true,
  detectedAt: true,
  resolvedAt: true,
  resolvedById: true,
  resolution: true,
} as const;

/** R26: a difference from Stripe, listed once per payment (or payout line) and kind while it is open. */
export class PrismaMismatchRepository implements MismatchStore {
  constructor(private readonly db: Db) {}
  async open(input: MismatchInput) {
    const subject =
      'payoutRunId' in input
        ? input.payoutLineId === null
          ? `run:${input.payoutRunId}`
          : `line:${input.payoutLineId}`
        : String(input.paymentId);
    const openKey = `${subject}:${input.kind}`;
    await this.db.reconciliationMismatch.upsert({
      where: { openKey },
      create: { ...input, openKey },
      update: { localState: input.localState, stripeState: input.stripeState, detail: input.detail },
    });
  }
  list(query: { status?: 'OPEN' | 'RESOLVED' | undefined; limit: number }): Promise<MismatchRecord[]> {
    return this.db.reconciliationMismatch.findMany({
      where: query.status ? { status: query.status } : {},
      orderBy: { id: 'desc' },
      take: query.limit,
      select: MISMATCH_FIELDS,
    });
  }
  openForPayment(paymentId: number): Promise<MismatchRecord[]> {
    return this.db.reconciliationMismatch.findMany({
      where: { paymentId, status: 'OPEN' },
      orderBy: { id: 'asc' },
      select: MISMATCH_FIELDS,
    });
  }
  countOpen(): Promise<number> {
    return this.db.reconciliationMismatch.count({ where: { status: 'OPEN' } });
  }
  find(id: number): Promise<MismatchRecord | null> {
    return this.db.reconciliationMismatch.findUnique({ where: { id }, select: MISMATCH_FIELDS });
  }
  async resolve(id: number, by: number, resolution: string, at: Date): Promise<void> {
    await this.db.reconciliationMismatch.update({
      where: { id },
      data: { status: 'RESOLVED', openKey: null, resolvedAt: at, resolvedById: by, resolution },
    });
  }
}
