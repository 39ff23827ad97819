import type { DeliveryStore, MeetingRecord, SentEmailRecord } from '../../services/ports';
import type { Db } from './prisma-types';

/** What the outbox delivered: each booking's Zoom meeting and the emails sent about it. */
export class PrismaDeliveryRepository implements DeliveryStore {
  constructor(private readonly db: Db) {}
  async findMeeting(bookingId: number): Promise<MeetingRecord | null> {
    return this.db.meeting.findUnique({ where: { bookingId } });
  }
  async saveMeeting(meeting: Omit<MeetingRecord, 'createdAt' | 'deletedAt'>): Promise<void> {
    await this.db.meeting.create({ data: meeting });
  }
  async markMeetingDeleted(bookingId: number, at: Date): Promise<void> {
    await this.db.meeting.updateMany({ where: { bookingId, deletedAt: null }, data: { deletedAt: at } });
  }
  async recordEmail(email: SentEmailRecord): Promise<void> {
    await this.db.sentEmail.upsert({ where: { outboxKey: email.outboxKey }, create: email, update: {} });
  }
  emails(bookingId: number): Promise<SentEmailRecord[]> {
    return this.db.sentEmail.findMany({ where: { bookingId }, orderBy: { id: 'asc' } });
  }
}
