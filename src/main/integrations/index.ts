import { randomBytes } from 'node:crypto';
import type { Mailer, MeetingGateway, PaymentGateway } from '../services/gateways';
import { SmtpSandbox } from '../sandbox/smtp';
import { StripeSandbox } from '../sandbox/stripe';
import { ZoomSandbox } from '../sandbox/zoom';
import { SmtpMailer } from './mail';
import { StripePaymentGateway } from './stripe';
import { ZoomMeetingGateway } from './zoom';

/** Credentials for the real services; any that are missing run against a local sandbox instead. */
export interface Credentials {
  stripeSecretKey?: string | undefined;
  stripeWebhookSecret?: string | undefined;
  zoomAccountId?: string | undefined;
  zoomClientId?: string | undefined;
  zoomClientSecret?: string | undefined;
  smtpUrl?: string | undefined;
  mailFrom?: string | undefined;
}

export function credentialsFromEnv(env: NodeJS.ProcessEnv): Credentials {
  return {
    stripeSecretKey: env['STRIPE_SECRET_KEY'],
    stripeWebhookSecret: env['STRIPE_WEBHOOK_SECRET'],
    zoomAccountId: env['ZOOM_ACCOUNT_ID'],
    zoomClientId: env['ZOOM_CLIENT_ID'],
    zoomClientSecret: env['ZOOM_CLIENT_SECRET'],
    smtpUrl: env['SMTP_URL'],
    mailFrom: env['MAIL_FROM'],
  };
}

/** Never show a secret back in full: the first characters that say what it is, and the last four. */
export function maskSecret(secret: string | undefined): string | null {
  if (!secret) return null;
  if (secret.length <= 12) return '••••';
  const prefix = /^(sk|rk|whsec)_(test_|live_)?/.exec(secret)?.[0] ?? secret.slice(0, 3);
  return `${prefix}…${secret.slice(-4)}`;
}

/** Which services the credentials make real: the one rule doctor and start-up both follow. */
export function realServices(credentials: Credentials): { stripe: boolean; zoom: boolean; mail: boolean } {
  return {
    stripe: Boolean(credentials.stripeSecretKey),
    zoom: Boolean(credentials.zoomAccountId && credentials.zoomClientId && credentials.zoomClientSecret),
    mail: Boolean(credentials.smtpUrl),
  };
}

/** What is wrong with the credentials as given (checked by doctor before anything connects). */
export function credentialProblems(credentials: Credentials): { name: 'stripe' | 'zoom' | 'mail'; problem: string }[] {
  const problems: { name: 'stripe' | 'zoom' | 'mail'; problem: string }[] = [];
  const key = credentials.stripeSecretKey;
  if (key && !/^(sk|rk)_(test|live)_/.test(key))
    problems.push({
      name: 'stripe',
      problem: 'STRIPE_SECRET_KEY does not look like a Stripe secret key (sk_test_… or sk_live_…)',
    });
  const zoom = [credentials.zoomAccountId, credentials.zoomClientId, credentials.zoomClientSecret].map(Boolean);
  if (zoom.some(Boolean) && !zoom.every(Boolean))
    problems.push({
      name: 'zoom',
      problem: 'set all of ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET, or none',
    });
  if (credentials.smtpUrl && !/^smtps?:\/\//.test(credentials.smtpUrl))
    problems.push({ name: 'mail', problem: 'SMTP_URL must start with smtp:// or smtps://' });
  return problems;
}

export interface Integrations {
  gateway: PaymentGateway;
  meetings: MeetingGateway;
  mailer: Mailer;
  webhookSecret: string;
  sandboxes: { stripe: StripeSandbox | null; zoom: ZoomSandbox | null; smtp: SmtpSandbox | null };
  describe(): { name: string; mode: string; credential: string | null }[];
  close(): Promise<void>;
}

export interface IntegrationOptions {
  /** Sandboxes the caller made (tests inject faults into them); otherwise missing credentials start new ones. */
  sandboxes?: { stripe?: StripeSandbox; zoom?: ZoomSandbox; smtp?: SmtpSandbox };
  stripeTimeoutMs?: number;
  stripeRetries?: number;
  /**
   * Where the sandboxes the app starts itself keep their state (the data folder), so the local
   * Stripe, Zoom and mail server remember across restarts as the real ones do.
   */
  stateDir?: string;
}

export async function createIntegrations(
  credentials: Credentials,
  options: IntegrationOptions = {},
): Promise<Integrations> {
  const real = realServices(credentials);
  const started: { stop(): Promise<void> }[] = [];
  let stripeSandbox: StripeSandbox | null = null;
  let gateway: PaymentGateway;
  let webhookSecret: string;
  if (real.stripe && credentials.stripeSecretKey) {
    webhookSecret = credentials.stripeWebhookSecret ?? '';
    gateway = new StripePaymentGateway({
      secretKey: credentials.stripeSecretKey,
      webhookSecret,
      timeoutMs: options.stripeTimeoutMs,
      maxNetworkRetries: options.stripeRetries,
    });
  } else {
    stripeSandbox =
      options.sandboxes?.stripe ?? new StripeSandbox(options.stateDir ? { stateDir: options.stateDir } : {});
    if (!options.sandboxes?.stripe) {
      await stripeSandbox.start();
      started.push(stripeSandbox);
    }
    webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
    gateway = new StripePaymentGateway({
      secretKey: stripeSandbox.apiKey,
      webhookSecret,
      baseUrl: stripeSandbox.url,
      timeoutMs: options.stripeTimeoutMs ?? 5000,
      maxNetworkRetries: options.stripeRetries ?? 2,
    });
  }

  let zoomSandbox: ZoomSandbox | null = null;
  let meetings: MeetingGateway;
  if (real.zoom && credentials.zoomAccountId && credentials.zoomClientId && credentials.zoomClientSecret) {
    meetings = new ZoomMeetingGateway({
      accountId: credentials.zoomAccountId,
      clientId: credentials.zoomClientId,
      clientSecret: credentials.zoomClientSecret,
    });
  } else {
    zoomSandbox = options.sandboxes?.zoom ?? new ZoomSandbox(options.stateDir ? { stateDir: options.stateDir } : {});
    if (!options.sandboxes?.zoom) {
      await zoomSandbox.start();
      started.push(zoomSandbox);
    }
    meetings = new ZoomMeetingGateway({
      accountId: zoomSandbox.accountId,
      clientId: zoomSandbox.clientId,
      clientSecret: zoomSandbox.clientSecret,
      baseUrl: zoomSandbox.url,
      timeoutMs: 5000,
    });
  }

  let smtpSandbox: SmtpSandbox | null = null;
  let mailer: Mailer;
  const from = credentials.mailFrom ?? 'LinguaFlex <no-reply@linguaflex.local>';
  if (real.mail && credentials.smtpUrl) {
    mailer = new SmtpMailer(credentials.smtpUrl, from, false);
  } else {
    smtpSandbox = options.sandboxes?.smtp ?? new SmtpSandbox(options.stateDir ? { stateDir: options.stateDir } : {});
    if (!options.sandboxes?.smtp) {
      await smtpSandbox.start();
      started.push(smtpSandbox);
    }
    mailer = new SmtpMailer(smtpSandbox.url, from, true);
  }

  return {
    gateway,
    meetings,
    mailer,
    webhookSecret,
    sandboxes: { stripe: stripeSandbox, zoom: zoomSandbox, smtp: smtpSandbox },
    describe: () => [
      {
        name: 'stripe',
        mode: stripeSandbox ? `local Stripe sandbox at ${stripeSandbox.url}` : 'real Stripe',
        credential: maskSecret(credentials.stripeSecretKey),
      },
      {
        name: 'zoom',
        mode: zoomSandbox ? `local Zoom sandbox at ${zoomSandbox.url}` : 'real Zoom (Server-to-Server OAuth)',
        credential: maskSecret(credentials.zoomClientSecret),
      },
      {
        name: 'mail',
        mode: smtpSandbox ? `local SMTP sandbox at ${smtpSandbox.url}` : 'real SMTP server',
        credential: credentials.smtpUrl ? credentials.smtpUrl.replace(/\/\/[^@]*@/, '//***@') : null,
      },
    ],
    close: async () => {
      await Promise.all(started.map((sandbox) => sandbox.stop()));
    },
  };
}
