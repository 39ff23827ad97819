/**
 * Which external services are real and which run against the local sandboxes. Credentials come
 * from the environment (the headless host) or encrypted settings (the desktop); only whether each
 * is set is ever reported, never the value.
 */
export interface IntegrationStatus {
  name: 'stripe' | 'zoom' | 'mail';
  mode: string;
  problem: string | null;
}

export function describeIntegrations(env: NodeJS.ProcessEnv): IntegrationStatus[] {
  const stripeKey = env['STRIPE_SECRET_KEY'];
  const zoom = ['ZOOM_ACCOUNT_ID', 'ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET'].map((name) => Boolean(env[name]));
  const smtp = env['SMTP_URL'];
  return [
    {
      name: 'stripe',
      mode: stripeKey
        ? `real Stripe (${stripeKey.startsWith('sk_live_') ? 'live' : 'test'} mode key set)`
        : 'local Stripe sandbox (no STRIPE_SECRET_KEY)',
      problem:
        stripeKey && !/^(sk|rk)_(test|live)_/.test(stripeKey)
          ? 'STRIPE_SECRET_KEY does not look like a Stripe secret key (sk_test_… or sk_live_…)'
          : null,
    },
    {
      name: 'zoom',
      mode: zoom.every(Boolean)
        ? 'real Zoom (Server-to-Server OAuth credentials set)'
        : 'local Zoom sandbox (no ZOOM_* credentials)',
      problem:
        zoom.some(Boolean) && !zoom.every(Boolean)
          ? 'set all of ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET, or none'
          : null,
    },
    {
      name: 'mail',
      mode: smtp ? 'real SMTP server (SMTP_URL set)' : 'local SMTP sandbox (no SMTP_URL)',
      problem: smtp && !/^smtps?:\/\//.test(smtp) ? 'SMTP_URL must start with smtp:// or smtps://' : null,
    },
  ];
}
