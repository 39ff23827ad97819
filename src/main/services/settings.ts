import { z } from 'zod';
import { CURRENCIES, CURRENCY_CODES, type CurrencyCode } from '../domain/money';
import { DEFAULT_MINIMUM_PAYOUT_MAJOR, DEFAULT_PAYOUT_HOLD_DAYS } from '../domain/payouts';
import { DEFAULT_MAX_RESCHEDULES } from '../domain/booking-machine';
import { DEFAULT_FEE_RATE_BPS } from '../domain/pricing';
import { DEFAULT_FOUR_EYES_THRESHOLD_MINOR } from '../domain/refund-machine';
import { recordedRoleOf } from '../domain/actors';
import { announce, logged, type ServiceDeps } from './context';
import type { Repositories } from './ports';
import { implement, spec } from './use-case';

// Partial: a stored or submitted map may name only some currencies; the rest keep their defaults.
const perCurrency = z.partialRecord(z.enum(CURRENCY_CODES), z.number().int().min(0).max(100_000_000));

/** The settings admins may change (R4, R16, R24), with the rules' defaults. */
export const settingsSchema = z.object({
  feeRateBps: z.number().int('feeRateBps must be a whole number of basis points').min(0).max(10_000),
  minimumFeeMinor: perCurrency,
  paymentWindowMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60),
  fourEyesThresholdMinor: perCurrency,
  /** R42: days after a session ends before its share is payable. */
  payoutHoldDays: z.number().int().min(0).max(90),
  /** R43: lines below this (minor units, per currency) are held and carried forward. */
  minimumPayoutMinor: perCurrency,
  /** R51: how many times one booking may be moved. */
  maxReschedules: z.number().int().min(0).max(20),
});
export type Settings = z.output<typeof settingsSchema>;

const FOUR_EYES_DEFAULTS: Record<CurrencyCode, number> = {
  USD: DEFAULT_FOUR_EYES_THRESHOLD_MINOR,
  EUR: DEFAULT_FOUR_EYES_THRESHOLD_MINOR,
  GBP: DEFAULT_FOUR_EYES_THRESHOLD_MINOR,
  CAD: DEFAULT_FOUR_EYES_THRESHOLD_MINOR,
  AUD: DEFAULT_FOUR_EYES_THRESHOLD_MINOR,
  JPY: 30_000,
  KRW: 300_000,
};

export function defaultSettings(): Settings {
  return {
    feeRateBps: DEFAULT_FEE_RATE_BPS,
    minimumFeeMinor: Object.fromEntries(CURRENCY_CODES.map((code) => [code, CURRENCIES[code].defaultMinimumFeeMinor])),
    paymentWindowMinutes: 15,
    fourEyesThresholdMinor: { ...FOUR_EYES_DEFAULTS },
    payoutHoldDays: DEFAULT_PAYOUT_HOLD_DAYS,
    maxReschedules: DEFAULT_MAX_RESCHEDULES,
    // 10.00 in the currency's units (R43): 1000 cents, ¥10, ₩10.
    minimumPayoutMinor: Object.fromEntries(
      CURRENCY_CODES.map((code) => [code, DEFAULT_MINIMUM_PAYOUT_MAJOR * 10 ** CURRENCIES[code].exponent]),
    ),
  };
}

/** Stored values over the defaults; a stored value that no longer validates falls back to its default. */
export async function loadSettings(repos: Repositories): Promise<Settings> {
  const stored = await repos.settings.all();
  const defaults = defaultSettings();
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(stored)) {
    const field = settingsSchema.shape[key as keyof Settings] as z.ZodType | undefined;
    if (!field) continue;
    const parsed = field.safeParse(value);
    if (!parsed.success) continue;
    merged[key] =
      key === 'minimumFeeMinor' || key === 'fourEyesThresholdMinor' || key === 'minimumPayoutMinor'
        ? { ...(defaults[key as 'minimumFeeMinor'] as object), ...(parsed.data as object) }
        : parsed.data;
  }
  return settingsSchema.parse(merged);
}

export function minimumFeeFor(settings: Settings, currency: CurrencyCode): number {
  return settings.minimumFeeMinor[currency] ?? CURRENCIES[currency].defaultMinimumFeeMinor;
}

export function minimumPayoutFor(settings: Settings, currency: CurrencyCode): number {
  return settings.minimumPayoutMinor[currency] ?? DEFAULT_MINIMUM_PAYOUT_MAJOR * 10 ** CURRENCIES[currency].exponent;
}

export function fourEyesThresholdFor(settings: Settings, currency: CurrencyCode): number {
  return settings.fourEyesThresholdMinor[currency] ?? FOUR_EYES_DEFAULTS[currency];
}

export const SETTINGS_USE_CASES = {
  get: spec('settings.get', 'settings.read', z.object({}).optional()),
  update: spec('settings.update', 'settings.write', settingsSchema.partial()),
};

export function createSettingsService({ uow, clock, events }: ServiceDeps) {
  return {
    get: implement(SETTINGS_USE_CASES.get, (): Promise<Settings> => loadSettings(uow.read)),
    update: implement(SETTINGS_USE_CASES.update, async (actor, changes): Promise<Settings> => {
      const { updated, rows } = await uow.transaction(async (repos) => {
        const before = await loadSettings(repos);
        for (const [key, value] of Object.entries(changes)) {
          await repos.settings.set(key, value, actor.kind === 'STAFF' ? actor.id : null);
        }
        await repos.audit.append({
          actorStaffId: actor.kind === 'STAFF' ? actor.id : null,
          actorRole: recordedRoleOf(actor),
          action: 'settings.update',
          entity: 'Settings',
          entityId: 'global',
          data: { before, changes },
          at: clock.now(),
        });
        const rows = await repos.eventLog.append([logged({ type: 'settings.changed', at: clock.now() })]);
        return { updated: await loadSettings(repos), rows };
      });
      announce({ events }, rows);
      return updated;
    }),
  };
}
