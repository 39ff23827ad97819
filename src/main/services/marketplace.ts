import { DomainError } from '../domain/errors';
import { nextStepFor, type NextStep } from '../domain/guidance';
import type { BookingPaymentStatus, BookingStatus } from '../domain/states';
import type { MarketplaceActor } from './accounts';
import type { ServiceDeps } from './context';
import type { BookingPartyRow, GigWithTeacher, PartyPaymentRow } from './ports';
import { loadSettings, type Settings } from './settings';

const SETTINGS_FRESH_MS = 5_000;

export interface PartyBooking extends BookingPartyRow {
  nextStep: NextStep;
}

/**
 * What students and teachers read through the marketplace API (R50): their own bookings and
 * payments only — another person's record is answered as absent — and the catalogue of gigs.
 * Reads that a busy app repeats are one query each; the settings behind "next step" are kept for a
 * few seconds (and dropped when they change).
 */
export function createMarketplaceQueries(deps: ServiceDeps) {
  const { uow, clock } = deps;
  let settings: { value: Promise<Settings>; at: number } | null = null;
  deps.events?.subscribe((stamped) => {
    if (stamped.event.type === 'settings.changed') settings = null;
  });
  const currentSettings = (): Promise<Settings> => {
    const now = clock.now().getTime();
    if (!settings || now - settings.at > SETTINGS_FRESH_MS) settings = { value: loadSettings(uow.read), at: now };
    return settings.value;
  };

  const party = (actor: MarketplaceActor) =>
    actor.kind === 'STUDENT' ? { studentId: actor.id } : { teacherId: actor.id };
  const owns = (actor: MarketplaceActor, row: { studentId: number; teacherId: number }) =>
    actor.kind === 'STUDENT' ? row.studentId === actor.id : row.teacherId === actor.id;

  async function withNextStep(row: BookingPartyRow): Promise<PartyBooking> {
    const { paymentWindowMinutes } = await currentSettings();
    return {
      ...row,
      nextStep: nextStepFor(row, row.startsAt, row.endsAt, clock.now(), paymentWindowMinutes),
    };
  }

  return {
    async catalogue(query: {
      language?: string | undefined;
      teacherId?: number | undefined;
      beforeId?: number | undefined;
      limit: number;
    }): Promise<GigWithTeacher[]> {
      return uow.read.people.catalogue(query);
    },

    async gig(id: number): Promise<GigWithTeacher> {
      const gig = await uow.read.people.gigWithTeacher(id);
      if (!gig) throw new DomainError('NOT_FOUND', `Gig ${id} does not exist`);
      return gig;
    },

    async bookings(
      actor: MarketplaceActor,
      query: {
        status?: BookingStatus | undefined;
        paymentStatus?: BookingPaymentStatus | undefined;
        beforeId?: number | undefined;
        limit: number;
      },
    ): Promise<PartyBooking[]> {
      const rows = await uow.read.bookings.listForParty({ ...query, ...party(actor) });
      return Promise.all(rows.map(withNextStep));
    },

    async booking(actor: MarketplaceActor, id: number): Promise<PartyBooking> {
      const row = await uow.read.bookings.partyView(id);
      if (!row || !owns(actor, row)) throw new DomainError('NOT_FOUND', `Booking ${id} does not exist`);
      return withNextStep(row);
    },

    async payments(
      actor: MarketplaceActor,
      query: { beforeId?: number | undefined; limit: number },
    ): Promise<PartyPaymentRow[]> {
      return uow.read.payments.listForParty({ ...query, ...party(actor) });
    },

    async payment(actor: MarketplaceActor, id: number): Promise<PartyPaymentRow> {
      const [row] = await uow.read.payments.listForParty({ id, ...party(actor), limit: 1 });
      if (!row) throw new DomainError('NOT_FOUND', `Payment ${id} does not exist`);
      return row;
    },
  };
}

export type MarketplaceQueries = ReturnType<typeof createMarketplaceQueries>;
