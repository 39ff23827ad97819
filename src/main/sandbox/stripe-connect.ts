import { randomId } from './http-util';
import { currencyOf, MAX_AMOUNT, money } from './stripe-cards';
import { invalid, missing, paramError, type Json } from './stripe-errors';
import { bool, str, type FormValue } from './stripe-form';
import { createdFilter, paginate } from './stripe-list';
import { metadataOf, oneOf, patchMetadata, positiveInteger, type Metadata } from './stripe-params';

/**
 * Stripe Connect as the payouts need it (facts §7 and "Connect: accounts, transfers, reversals";
 * docs.stripe.com/api/accounts, /api/account_links, /api/transfers, /api/transfer_reversals, /api/balance):
 *
 * - Accounts (`acct_…`): `POST /v1/accounts` (type express|custom|standard, country, email, business_type,
 *   `capabilities[<name>][requested]`, metadata), `GET /v1/accounts/{id}`, `GET /v1/accounts`. A standard account
 *   gets `card_payments` and `transfers`; an express or custom one gets the capabilities it requested. Unlike
 *   Stripe, where a new express account is `inactive` until its owner finishes onboarding, the sandbox treats
 *   onboarding as done at once: requested capabilities are `active`, `details_submitted` is true, and
 *   `payouts_enabled` is true. `charges_enabled` is true only with `card_payments` (a transfers-only "recipient"
 *   account takes no charges, as in Stripe). `setTransfersCapability()` moves the transfers capability to
 *   `inactive`/`pending`/`active` (requirements, `payouts_enabled` follow) and raises `account.updated` with
 *   `previous_attributes`, as Stripe does when a capability changes. An unknown account id on retrieve is 403
 *   `account_invalid` "The provided key '…' does not have access to account '…' (or that account does not exist).
 *   Application access may have been revoked." (obs. in public fixtures).
 * - Account links: `POST /v1/account_links` (account, refresh_url, return_url, type account_onboarding|
 *   account_update) → `{object:'account_link', created, expires_at, url}`. Stripe's links are single-use and
 *   short-lived; the sandbox gives 300 s (the exact lifetime is not documented) and a URL on `publicUrl` that
 *   identifies, but is not served.
 * - Transfers (`tr_…`): `POST /v1/transfers` (amount, currency, destination, transfer_group, source_transaction,
 *   source_type, description, metadata). The endpoint refuses, in this order and saved under the idempotency key
 *   as business errors:
 *   - an unknown destination: 400 `resource_missing` param `destination`, "No such destination: 'acct_…'" (obs.);
 *   - a destination whose transfers capability is not active: 400 `insufficient_capabilities_for_transfer`, "Your
 *     destination account needs to have at least one of the following capabilities enabled: transfers,
 *     crypto_transfers, legacy_payments" (obs. in a recorded Stripe answer);
 *   - with `source_transaction`: an id that is no charge (a `pi_` id included) is 400 `resource_missing` param
 *     `source_transaction`, "No such charge: 'pi_…'" [facts §1, §7]; a charge that did not succeed or is not
 *     captured, or in another currency, is refused; the transfer draws on that charge's funds, up to its captured
 *     amount less what was refunded and what earlier transfers (net of their reversals) took from it; the platform
 *     balance it moves is the charge's own: pending until the charge's funds are available, then available;
 *   - without `source_transaction`: more than the platform's AVAILABLE balance in that currency is 400
 *     `balance_insufficient`, "You have insufficient available funds in your Stripe account. Try adding funds
 *     directly to your available balance by creating Charges using the 4000000000000077 test card. See:
 *     https://stripe.com/docs/testing#available-balance" (obs.); pending funds do not count.
 *   The transfer object carries amount_reversed, reversed, `reversals` (the 10 newest, has_more, total_count, url),
 *   balance_transaction, destination_payment (`py_…`), source_transaction, source_type, transfer_group; its
 *   balance transaction (type `transfer`) lowers the platform balance. `GET /v1/transfers/{id}`;
 *   `GET /v1/transfers` filtered by destination, transfer_group and created, newest first, Stripe's pagination;
 *   `POST /v1/transfers/{id}` changes description and metadata only. Events: `transfer.created`; `transfer.updated`
 *   on a description or metadata update (Stripe: "Occurs whenever a transfer's description or metadata is
 *   updated", so not on a reversal); `transfer.reversed` on every reversal, partial ones included.
 * - Reversals (`trr_…`, object `transfer_reversal`): `POST /v1/transfers/{id}/reversals` (amount, default what
 *   remains; metadata; description and refund_application_fee accepted and ignored), `GET …/reversals` (newest
 *   first, paginated), `GET …/reversals/{id}`. A fully reversed transfer is refused with "The transfer tr_… is
 *   already fully reversed." (obs., no code); more than remains is 400 param `amount` (the sandbox's wording,
 *   after the refund message; Stripe's exact one is not verified). A reversal adds its amount back to the platform
 *   balance (type `transfer_refund`; pending while the transfer's own funds still are) and takes it from the
 *   connected account, which Stripe allows only while that account's balance covers it: after
 *   `payOutConnectedBalance()` (the teacher's funds paid out to their bank) a reversal beyond what came in since
 *   is 400 `balance_insufficient` (code and wording unverified).
 * - The connected account's own balance is kept only as transfers in − reversals out − paid out; the sandbox
 *   has no payouts API.
 */

type CapabilityStatus = 'active' | 'inactive' | 'pending';
export const CAPABILITY_STATUSES: readonly CapabilityStatus[] = ['active', 'inactive', 'pending'];

interface Requirements {
  alternatives: never[];
  current_deadline: number | null;
  currently_due: string[];
  disabled_reason: string | null;
  errors: never[];
  eventually_due: string[];
  past_due: string[];
  pending_verification: string[];
}

export interface AccountObject {
  id: string;
  object: 'account';
  business_type: string | null;
  capabilities: Record<string, CapabilityStatus>;
  charges_enabled: boolean;
  country: string;
  created: number;
  default_currency: string;
  details_submitted: boolean;
  email: string | null;
  metadata: Metadata;
  payouts_enabled: boolean;
  requirements: Requirements;
  tos_acceptance: { date: number | null };
  type: string;
}

/** An account and what the sandbox knows beyond Stripe's object: what its owner paid out, per currency. */
export interface AccountRecord {
  id: string;
  account: AccountObject;
  paidOut: Record<string, number>;
}

export interface TransferObject {
  id: string;
  object: 'transfer';
  amount: number;
  amount_reversed: number;
  balance_transaction: string;
  created: number;
  currency: string;
  description: string | null;
  destination: string;
  destination_payment: string;
  livemode: false;
  metadata: Metadata;
  reversed: boolean;
  source_transaction: string | null;
  source_type: string;
  transfer_group: string | null;
}

export interface ReversalObject {
  id: string;
  object: 'transfer_reversal';
  amount: number;
  balance_transaction: string;
  created: number;
  currency: string;
  destination_payment_refund: string;
  metadata: Metadata;
  source_refund: null;
  transfer: string;
}

export type ConnectRecord =
  { t: 'account'; v: AccountRecord } | { t: 'transfer'; v: TransferObject } | { t: 'reversal'; v: ReversalObject };

/** A charge as a transfer's `source_transaction` sees it. */
export interface SourceCharge {
  id: string;
  currency: string;
  /** Succeeded and captured. */
  usable: boolean;
  /** Captured less refunded (pending refunds included, failed ones released). */
  amount: number;
  /** When its funds are (or were) available, Unix seconds. */
  availableOn: number;
}

/** What Connect needs of the sandbox around it. */
export interface ConnectHost {
  readonly apiKey: string;
  readonly publicUrl: string;
  nowSeconds(): number;
  touch(record: ConnectRecord): void;
  emit(type: string, object: object, previous?: Json): void;
  /** A balance transaction on the platform's balance, available from `availableOn`; returns its id. */
  post(
    type: 'transfer' | 'transfer_refund',
    amount: number,
    currency: string,
    source: string,
    availableOn: number,
  ): string;
  /** When a balance transaction's funds are available, Unix seconds. */
  availableOn(txnId: string): number | undefined;
  /** The platform's available balance in a currency, now. */
  available(currency: string): number;
  sourceCharge(id: string): SourceCharge | undefined;
}

const CAPABILITY_MISSING =
  'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments';
const BALANCE_INSUFFICIENT =
  'You have insufficient available funds in your Stripe account. Try adding funds directly to your available balance by creating Charges using the 4000000000000077 test card. See: https://stripe.com/docs/testing#available-balance';
/** Stripe's account links are short-lived; the exact lifetime is not documented. */
const ACCOUNT_LINK_SECONDS = 300;
/** A transfer object shows this many of its newest reversals. */
const EMBEDDED_REVERSALS = 10;

const EURO_COUNTRIES = 'AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK'.split(' ');
const COUNTRY_CURRENCY: Record<string, string> = {
  US: 'usd',
  GB: 'gbp',
  CA: 'cad',
  AU: 'aud',
  NZ: 'nzd',
  JP: 'jpy',
  KR: 'krw',
  SG: 'sgd',
  CH: 'chf',
  HK: 'hkd',
  MX: 'mxn',
  SE: 'sek',
  NO: 'nok',
  DK: 'dkk',
  PL: 'pln',
  ...Object.fromEntries(EURO_COUNTRIES.map((country) => [country, 'eur'])),
};

const VERIFICATION = 'individual.verification.document';

function requirementsFor(status: CapabilityStatus | undefined): Requirements {
  return {
    alternatives: [],
    current_deadline: null,
    currently_due: status === 'inactive' ? [VERIFICATION] : [],
    disabled_reason:
      status === 'inactive'
        ? 'requirements.past_due'
        : status === 'pending'
          ? 'requirements.pending_verification'
          : null,
    errors: [],
    eventually_due: status === 'inactive' ? [VERIFICATION] : [],
    past_due: status === 'inactive' ? [VERIFICATION] : [],
    pending_verification: status === 'pending' ? [VERIFICATION] : [],
  };
}

function object(value: FormValue | undefined, param: string): Record<string, FormValue> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || Array.isArray(value)) throw paramError('Invalid object', param);
  return value;
}

type Listed = Json & { id: string };

export class ConnectBook {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly transfers = new Map<string, TransferObject>();
  private readonly reversals = new Map<string, ReversalObject>();
  /** Reversal ids per transfer, oldest first. */
  private readonly reversalsOf = new Map<string, string[]>();

  constructor(private readonly host: ConnectHost) {}

  // ---- persistence ----

  load(record: ConnectRecord): void {
    switch (record.t) {
      case 'account':
        this.accounts.set(record.v.id, record.v);
        break;
      case 'transfer':
        this.transfers.set(record.v.id, record.v);
        break;
      case 'reversal': {
        this.reversals.set(record.v.id, record.v);
        const ids = this.reversalsOf.get(record.v.transfer) ?? [];
        if (!ids.includes(record.v.id)) ids.push(record.v.id);
        this.reversalsOf.set(record.v.transfer, ids);
        break;
      }
    }
  }

  *records(): Generator<ConnectRecord> {
    for (const v of this.accounts.values()) yield { t: 'account', v };
    for (const v of this.transfers.values()) yield { t: 'transfer', v };
    for (const v of this.reversals.values()) yield { t: 'reversal', v };
  }

  snapshot() {
    return {
      accounts: [...this.accounts.values()].map((record) => this.accountJson(record)),
      transfers: [...this.transfers.values()].map((transfer) => this.transferJson(transfer)),
      reversals: [...this.reversals.values()].map((reversal) => structuredClone(reversal) as unknown as Json),
    };
  }

  // ---- accounts ----

  createAccount(params: Record<string, FormValue>): Json {
    // Validation first: nothing is saved under the idempotency key when it fails.
    const type = oneOf(params['type'], ['custom', 'express', 'standard'], 'type') ?? 'standard';
    const rawCountry = str(params['country']) ?? 'US';
    if (!/^[A-Za-z]{2}$/.test(rawCountry))
      throw paramError(
        `Country '${rawCountry}' is unknown. Try using a 2-character alphanumeric country code instead, such as 'US', 'EG', or 'GB'.`,
        'country',
      );
    const country = rawCountry.toUpperCase();
    const email = str(params['email']) ?? null;
    if (email !== null && !/^[^@\s]+@[^@\s]+$/.test(email))
      throw paramError(`Invalid email address: ${email}`, 'email');
    const businessType =
      oneOf(params['business_type'], ['company', 'government_entity', 'individual', 'non_profit'], 'business_type') ??
      null;
    const requested = new Set<string>();
    for (const [name, value] of Object.entries(object(params['capabilities'], 'capabilities') ?? {})) {
      const flag = bool(object(value, `capabilities[${name}]`)?.['requested']);
      if (flag === undefined) throw paramError('Invalid boolean', `capabilities[${name}][requested]`);
      if (flag) requested.add(name);
    }
    if (type === 'standard') ['card_payments', 'transfers'].forEach((name) => requested.add(name));
    const metadata = metadataOf(params['metadata']);
    const rawCurrency = str(params['default_currency']);
    const defaultCurrency = rawCurrency === undefined ? undefined : currencyOf(rawCurrency, 'default_currency');
    // The endpoint runs.
    const now = this.host.nowSeconds();
    const capabilities: Record<string, CapabilityStatus> = {};
    for (const name of [...requested].sort()) capabilities[name] = 'active';
    const account: AccountObject = {
      id: randomId('acct_1', 15),
      object: 'account',
      business_type: businessType,
      capabilities,
      charges_enabled: false,
      country,
      created: now,
      default_currency: defaultCurrency ?? COUNTRY_CURRENCY[country] ?? 'usd',
      details_submitted: true,
      email,
      metadata,
      payouts_enabled: false,
      requirements: requirementsFor('active'),
      tos_acceptance: { date: now },
      type,
    };
    this.refreshFlags(account);
    const record: AccountRecord = { id: account.id, account, paidOut: {} };
    this.accounts.set(account.id, record);
    this.host.touch({ t: 'account', v: record });
    return this.accountJson(record);
  }

  retrieveAccount(id: string): Json {
    return this.accountJson(this.findAccount(id));
  }

  listAccounts(params: Record<string, FormValue>): Json {
    const created = createdFilter(params);
    const data = [...this.accounts.values()]
      .filter((record) => created(record.account.created))
      .reverse()
      .map((record) => this.accountJson(record));
    return paginate(data, params, '/v1/accounts');
  }

  createAccountLink(params: Record<string, FormValue>): Json {
    const accountId = str(params['account']);
    if (!accountId) throw paramError('Missing required param: account.', 'account');
    const type = str(params['type']);
    if (!type) throw paramError('Missing required param: type.', 'type');
    oneOf(type, ['account_onboarding', 'account_update'], 'type');
    for (const param of ['refresh_url', 'return_url']) {
      const url = params[param];
      if (url !== undefined && (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url)))
        throw paramError(`Not a valid URL`, param);
    }
    // The endpoint runs.
    const record = this.accounts.get(accountId);
    if (!record) throw missing('account', accountId, 'account', 400);
    const now = this.host.nowSeconds();
    const kind = record.account.type === 'standard' ? 's' : 'e';
    return {
      object: 'account_link',
      created: now,
      expires_at: now + ACCOUNT_LINK_SECONDS,
      url: `${this.host.publicUrl}/setup/${kind}/${accountId}/${randomId('', 12)}`,
    };
  }

  /** The transfers capability becoming active, inactive or pending (onboarding, verification, a requirement due). */
  setTransfersCapability(accountId: string, status: CapabilityStatus): Json {
    if (!CAPABILITY_STATUSES.includes(status)) throw new Error(`unknown capability status ${status as string}`);
    const record = this.accounts.get(accountId);
    if (!record) throw new Error(`no such account ${accountId}`);
    const account = record.account;
    const previous: Json = {
      capabilities: { ...account.capabilities },
      charges_enabled: account.charges_enabled,
      payouts_enabled: account.payouts_enabled,
      requirements: structuredClone(account.requirements),
    };
    account.capabilities = { ...account.capabilities, transfers: status };
    account.requirements = requirementsFor(status);
    this.refreshFlags(account);
    this.host.touch({ t: 'account', v: record });
    const json = this.accountJson(record);
    this.host.emit('account.updated', json, previous);
    return json;
  }

  /** The connected account pays its whole balance out to its bank; returns what it paid, per currency. */
  payOutConnectedBalance(accountId: string): Record<string, number> {
    const record = this.accounts.get(accountId);
    if (!record) throw new Error(`no such account ${accountId}`);
    const paid: Record<string, number> = {};
    for (const currency of new Set([...this.transfers.values()].map((transfer) => transfer.currency))) {
      const balance = this.connectedBalance(accountId, currency);
      if (balance <= 0) continue;
      paid[currency] = balance;
      record.paidOut[currency] = (record.paidOut[currency] ?? 0) + balance;
    }
    this.host.touch({ t: 'account', v: record });
    return paid;
  }

  /** A connected account's balance in a currency: transfers in, less reversals and what it paid out. */
  connectedBalance(accountId: string, currency: string): number {
    let balance = 0;
    for (const transfer of this.transfers.values())
      if (transfer.destination === accountId && transfer.currency === currency)
        balance += transfer.amount - transfer.amount_reversed;
    return balance - (this.accounts.get(accountId)?.paidOut[currency] ?? 0);
  }

  private refreshFlags(account: AccountObject): void {
    const statuses = Object.values(account.capabilities);
    account.charges_enabled = account.capabilities['card_payments'] === 'active';
    account.payouts_enabled = statuses.length > 0 && statuses.every((status) => status === 'active');
  }

  private findAccount(id: string): AccountRecord {
    const record = this.accounts.get(id);
    if (record) return record;
    const key = this.host.apiKey;
    const shown = `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;
    throw invalid(
      `The provided key '${shown}' does not have access to account '${id}' (or that account does not exist). Application access may have been revoked.`,
      { code: 'account_invalid', status: 403 },
    );
  }

  private accountJson(record: AccountRecord): Listed {
    const account = structuredClone(record.account);
    return {
      ...account,
      external_accounts: {
        object: 'list',
        data: [],
        has_more: false,
        total_count: 0,
        url: `/v1/accounts/${account.id}/external_accounts`,
      },
    };
  }

  // ---- transfers ----

  createTransfer(params: Record<string, FormValue>): Json {
    // Validation first: nothing is saved under the idempotency key when it fails.
    const amount = positiveInteger(params['amount'], 'amount');
    if (amount === undefined) throw paramError('Missing required param: amount.', 'amount');
    const currency = currencyOf(str(params['currency']));
    if (amount > MAX_AMOUNT)
      throw paramError(
        `Amount must be no more than ${money(MAX_AMOUNT, currency, true)}`,
        'amount',
        'amount_too_large',
      );
    const destinationId = str(params['destination']);
    if (!destinationId) throw paramError('Missing required param: destination.', 'destination');
    const group = str(params['transfer_group']) ?? null;
    const sourceId = str(params['source_transaction']);
    const sourceType = oneOf(params['source_type'], ['bank_account', 'card', 'fpx'], 'source_type') ?? 'card';
    const description = str(params['description']) ?? null;
    const metadata = metadataOf(params['metadata']);
    // The endpoint runs.
    const now = this.host.nowSeconds();
    const destination = this.accounts.get(destinationId);
    if (!destination)
      throw invalid(`No such destination: '${destinationId}'`, { param: 'destination', code: 'resource_missing' });
    if (destination.account.capabilities['transfers'] !== 'active')
      throw invalid(CAPABILITY_MISSING, { code: 'insufficient_capabilities_for_transfer' });
    let availableOn = now;
    if (sourceId !== undefined) {
      availableOn = Math.max(now, this.drawOn(sourceId, amount, currency));
    } else if (this.host.available(currency) < amount) {
      throw invalid(BALANCE_INSUFFICIENT, { code: 'balance_insufficient' });
    }
    const id = randomId('tr_');
    const transfer: TransferObject = {
      id,
      object: 'transfer',
      amount,
      amount_reversed: 0,
      balance_transaction: this.host.post('transfer', -amount, currency, id, availableOn),
      created: now,
      currency,
      description,
      destination: destinationId,
      destination_payment: randomId('py_'),
      livemode: false,
      metadata,
      reversed: false,
      source_transaction: sourceId ?? null,
      source_type: sourceType,
      transfer_group: group,
    };
    this.transfers.set(id, transfer);
    this.reversalsOf.set(id, []);
    this.host.touch({ t: 'transfer', v: transfer });
    const json = this.transferJson(transfer);
    this.host.emit('transfer.created', json);
    return json;
  }

  /** Checks a transfer may draw on this charge's funds; returns when they are available. */
  private drawOn(chargeId: string, amount: number, currency: string): number {
    const charge = this.host.sourceCharge(chargeId);
    if (!charge) throw missing('charge', chargeId, 'source_transaction', 400);
    if (!charge.usable)
      throw invalid(
        `Charge ${charge.id} has not been captured or did not succeed, so it cannot be used as a source_transaction.`,
        { param: 'source_transaction' },
      );
    if (charge.currency !== currency)
      throw invalid(
        `The currency of source_transaction ${charge.id} (${charge.currency}) must be the same as the transfer currency (${currency}).`,
        { param: 'currency' },
      );
    let drawn = 0;
    for (const transfer of this.transfers.values())
      if (transfer.source_transaction === charge.id) drawn += transfer.amount - transfer.amount_reversed;
    const remaining = Math.max(0, charge.amount - drawn);
    if (amount > remaining)
      throw invalid(
        `Transfer amount (${money(amount, currency)}) is greater than the amount remaining on source_transaction ${charge.id} (${money(remaining, currency)}).`,
        { param: 'amount' },
      );
    return charge.availableOn;
  }

  retrieveTransfer(id: string): Json {
    return this.transferJson(this.findTransfer(id));
  }

  listTransfers(params: Record<string, FormValue>): Json {
    const destination = str(params['destination']);
    const group = str(params['transfer_group']);
    const created = createdFilter(params);
    const data = [...this.transfers.values()]
      .filter(
        (transfer) =>
          (destination === undefined || transfer.destination === destination) &&
          (group === undefined || transfer.transfer_group === group) &&
          created(transfer.created),
      )
      .reverse()
      .map((transfer) => this.transferJson(transfer));
    return paginate(data, params, '/v1/transfers');
  }

  /** `POST /v1/transfers/{id}`: description and metadata only; `transfer.updated` with what changed. */
  updateTransfer(id: string, params: Record<string, FormValue>): Json {
    const transfer = this.findTransfer(id);
    const metadata = patchMetadata(transfer.metadata, params['metadata']);
    const previous: Json = {};
    if ('description' in params) {
      const description = str(params['description']) ?? null;
      if (description !== transfer.description) {
        previous['description'] = transfer.description;
        transfer.description = description;
      }
    }
    if (JSON.stringify(metadata) !== JSON.stringify(transfer.metadata)) {
      previous['metadata'] = { ...transfer.metadata };
      transfer.metadata = metadata;
    }
    const json = this.transferJson(transfer);
    if (Object.keys(previous).length > 0) {
      this.host.touch({ t: 'transfer', v: transfer });
      this.host.emit('transfer.updated', json, previous);
    }
    return json;
  }

  private findTransfer(id: string): TransferObject {
    const transfer = this.transfers.get(id);
    if (!transfer) throw missing('transfer', id, 'id', 404);
    return transfer;
  }

  private transferJson(transfer: TransferObject): Listed {
    const newest = this.reversalsNewestFirst(transfer.id);
    return {
      ...structuredClone(transfer),
      reversals: {
        object: 'list',
        data: newest.slice(0, EMBEDDED_REVERSALS),
        has_more: newest.length > EMBEDDED_REVERSALS,
        total_count: newest.length,
        url: `/v1/transfers/${transfer.id}/reversals`,
      },
    };
  }

  // ---- reversals ----

  createReversal(transferId: string, params: Record<string, FormValue>): Json {
    const requested = positiveInteger(params['amount'], 'amount');
    const metadata = metadataOf(params['metadata']);
    if (params['refund_application_fee'] !== undefined && bool(params['refund_application_fee']) === undefined)
      throw paramError('Invalid boolean', 'refund_application_fee');
    // The endpoint runs.
    const transfer = this.findTransfer(transferId);
    const remaining = transfer.amount - transfer.amount_reversed;
    if (remaining <= 0) throw invalid(`The transfer ${transfer.id} is already fully reversed.`);
    const amount = requested ?? remaining;
    if (amount > remaining)
      throw invalid(
        `Transfer reversal amount (${money(amount, transfer.currency)}) is greater than unreversed amount on transfer (${money(remaining, transfer.currency)})`,
        { param: 'amount' },
      );
    const covered = this.connectedBalance(transfer.destination, transfer.currency);
    if (amount > covered)
      throw invalid(
        `Insufficient funds in the destination account ${transfer.destination} to reverse ${money(amount, transfer.currency)} of transfer ${transfer.id}: its balance is ${money(Math.max(0, covered), transfer.currency)}.`,
        { code: 'balance_insufficient' },
      );
    const now = this.host.nowSeconds();
    const id = randomId('trr_');
    const availableOn = Math.max(now, this.host.availableOn(transfer.balance_transaction) ?? now);
    const reversal: ReversalObject = {
      id,
      object: 'transfer_reversal',
      amount,
      balance_transaction: this.host.post('transfer_refund', amount, transfer.currency, id, availableOn),
      created: now,
      currency: transfer.currency,
      destination_payment_refund: randomId('pyr_'),
      metadata,
      source_refund: null,
      transfer: transfer.id,
    };
    this.reversals.set(id, reversal);
    this.reversalsOf.set(transfer.id, [...(this.reversalsOf.get(transfer.id) ?? []), id]);
    transfer.amount_reversed += amount;
    transfer.reversed = transfer.amount_reversed >= transfer.amount;
    this.host.touch({ t: 'reversal', v: reversal });
    this.host.touch({ t: 'transfer', v: transfer });
    this.host.emit('transfer.reversed', this.transferJson(transfer));
    return structuredClone(reversal) as unknown as Json;
  }

  listReversals(transferId: string, params: Record<string, FormValue>): Json {
    this.findTransfer(transferId);
    return paginate(this.reversalsNewestFirst(transferId), params, `/v1/transfers/${transferId}/reversals`);
  }

  retrieveReversal(transferId: string, reversalId: string): Json {
    this.findTransfer(transferId);
    const reversal = this.reversals.get(reversalId);
    if (reversal?.transfer !== transferId) throw missing('transfer_reversal', reversalId, 'id', 404);
    return structuredClone(reversal) as unknown as Json;
  }

  private reversalsNewestFirst(transferId: string): Listed[] {
    const ids = this.reversalsOf.get(transferId) ?? [];
    const found: Listed[] = [];
    for (let index = ids.length - 1; index >= 0; index -= 1) {
      const reversal = this.reversals.get(ids[index] ?? '');
      if (reversal) found.push(structuredClone(reversal) as unknown as Listed);
    }
    return found;
  }
}
