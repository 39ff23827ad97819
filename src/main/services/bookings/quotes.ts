import { quoteSession, type Quote } from '../../domain/pricing';
import type { GigRecord, Repositories } from '../ports';
import { loadSettings, minimumFeeFor, type Settings } from '../settings';

/** R3–R6: the price of `minutes` of this gig now, from the stored rate and the current settings. */
export async function quoteFor(
  repos: Repositories,
  gig: Pick<GigRecord, 'hourlyRateMinor' | 'currency'>,
  minutes: number,
): Promise<Quote> {
  return quoteWith(await loadSettings(repos), gig, minutes);
}

/** quoteFor with the settings already read. */
export function quoteWith(
  settings: Settings,
  gig: Pick<GigRecord, 'hourlyRateMinor' | 'currency'>,
  minutes: number,
): Quote {
  return quoteSession({
    hourlyRateMinor: gig.hourlyRateMinor,
    minutes,
    currency: gig.currency,
    feeRateBps: settings.feeRateBps,
    minimumFeeMinor: minimumFeeFor(settings, gig.currency),
  });
}
