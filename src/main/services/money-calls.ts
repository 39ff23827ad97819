import { DomainError } from '../domain/errors';
import { GatewayNoAnswer, GatewayRefused } from './gateways';

/** How often a lost answer is looked up and re-sent within one call before giving up for now. */
const LOST_ANSWER_RETRIES = 2;
const LOST_ANSWER_PAUSE_MS = 250;

export type MoneyCallResult<T> =
  | { readonly kind: 'answered'; readonly value: T; readonly adopted: boolean }
  | { readonly kind: 'refused'; readonly error: GatewayRefused };

/**
 * One call to Stripe that creates or moves money, as R28 requires:
 * - the attempt's key was stored before this is called (R22) and `markSent` records that it is
 *   about to go out, so a crash or a lost answer is recognised later;
 * - when an earlier send of this operation may have reached Stripe (`maySendAgain`), the object is
 *   looked up first (by our metadata) and adopted if it exists — also after the key has expired;
 * - an answer that came back, success or refusal (4xx or 5xx), is final for the key;
 * - only a lost answer is retried with the same key, and only after looking the object up again.
 * When Stripe stays silent the call ends with INTEGRATION_FAILED and the attempt stays "sent":
 * the next try, or reconciliation, finds or repeats it. Nothing is ever charged or refunded twice.
 */
export async function moneyCall<T>(options: {
  what: string;
  maySendAgain: boolean;
  lookup: () => Promise<T | null>;
  markSent: () => Promise<void>;
  send: () => Promise<T>;
  sleep?: (ms: number) => Promise<void>;
}): Promise<MoneyCallResult<T>> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const lookup = async (): Promise<T | null> => {
    try {
      return await options.lookup();
    } catch (error) {
      throw lost(options.what, error);
    }
  };
  if (options.maySendAgain) {
    const found = await lookup();
    if (found !== null) return { kind: 'answered', value: found, adopted: true };
  }
  await options.markSent();
  for (let attempt = 0; ; attempt += 1) {
    try {
      return { kind: 'answered', value: await options.send(), adopted: false };
    } catch (error) {
      if (error instanceof GatewayRefused) return { kind: 'refused', error };
      if (!(error instanceof GatewayNoAnswer) || attempt >= LOST_ANSWER_RETRIES) throw lost(options.what, error);
    }
    await sleep(LOST_ANSWER_PAUSE_MS * (attempt + 1));
    const found = await lookup();
    if (found !== null) return { kind: 'answered', value: found, adopted: true };
  }
}

function lost(what: string, error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  return new DomainError(
    'INTEGRATION_FAILED',
    `${what}: Stripe did not answer (${error instanceof Error ? error.message : String(error)}). Nothing is charged or refunded twice: trying again, or the next reconciliation, finds what Stripe did.`,
  );
}

/** A refusal in words for staff, with the code kept for programs. */
export function refusalError(what: string, error: GatewayRefused): DomainError {
  const declined = error.code === 'card_declined' || error.declineCode !== null;
  return new DomainError(declined ? 'PAYMENT_DECLINED' : 'INTEGRATION_FAILED', `${what}: ${error.message}`, {
    code: error.code,
    declineCode: error.declineCode,
    status: error.status,
  });
}
