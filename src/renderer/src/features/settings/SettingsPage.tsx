import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ErrorState, InlineError, Spinner } from '../../components/ui';
import { CURRENCY_CODES, minorToDecimalString } from '../../../../shared/currency';
import { currencyDigits, parseMoney } from '../../format';
import { useSession } from '../../session';
import { useTRPC } from '../../trpc';

/** The preload's bridge is there only inside the Electron shell. */
const IN_DESKTOP = typeof window !== 'undefined' && window.linguaflexIpc !== undefined;

/** Fee rate, minimum fees, payment window and four-eyes threshold; only admins may change them. */
export function SettingsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useSession();
  const editable = can('settings.write');
  const settings = useQuery(trpc.settings.get.queryOptions());
  // Masked credentials are still secrets (R34): only roles that may see secrets ask for them.
  const integrations = useQuery(trpc.system.integrations.queryOptions(undefined, { enabled: can('secrets.read') }));
  // Inside the desktop app only: whether it uses its own database or a team server.
  const connection = useQuery(trpc.desktop.connection.queryOptions(undefined, { enabled: IN_DESKTOP }));
  const onTeamServer = connection.data?.current.kind === 'remote';
  const [feePercent, setFeePercent] = useState('');
  const [windowMinutes, setWindowMinutes] = useState('');
  const [minimums, setMinimums] = useState<Record<string, string>>({});
  const [thresholds, setThresholds] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const update = useMutation(
    trpc.settings.update.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.settings.pathKey() }),
    }),
  );

  useEffect(() => {
    if (!settings.data) return;
    setFeePercent(String(settings.data.feeRateBps / 100));
    setWindowMinutes(String(settings.data.paymentWindowMinutes));
    const asText = (map: Partial<Record<string, number>>) =>
      Object.fromEntries(CURRENCY_CODES.map((code) => [code, minorToDecimalString(map[code] ?? 0, code)]));
    setMinimums(asText(settings.data.minimumFeeMinor));
    setThresholds(asText(settings.data.fourEyesThresholdMinor));
  }, [settings.data]);

  if (settings.isPending) return <Spinner label="Loading settings…" />;
  if (settings.isError) return <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />;

  const submit = (event: { preventDefault: () => void }) => {
    event.preventDefault();
    setProblem(null);
    const bps = Math.round(Number(feePercent) * 100);
    if (!/^\d+(\.\d{1,2})?$/.test(feePercent.trim()) || bps > 10_000) {
      setProblem('The fee rate must be a percentage from 0 to 100 with at most two decimals.');
      return;
    }
    if (!/^\d+$/.test(windowMinutes.trim())) {
      setProblem('The payment window must be a whole number of minutes.');
      return;
    }
    const parseAll = (texts: Record<string, string>, what: string): Record<string, number> | null => {
      const result: Record<string, number> = {};
      for (const code of CURRENCY_CODES) {
        const value = parseMoney(texts[code] ?? '', code);
        if (value === null) {
          setProblem(`${what} for ${code} is not a valid amount (${currencyDigits(code)} decimals at most).`);
          return null;
        }
        result[code] = value;
      }
      return result;
    };
    const minimumFeeMinor = parseAll(minimums, 'The minimum fee');
    const fourEyesThresholdMinor = minimumFeeMinor && parseAll(thresholds, 'The four-eyes threshold');
    if (!minimumFeeMinor || !fourEyesThresholdMinor) return;
    update.mutate({
      feeRateBps: bps,
      paymentWindowMinutes: Number(windowMinutes),
      minimumFeeMinor,
      fourEyesThresholdMinor,
    });
  };

  return (
    <section aria-label="Settings">
      <div className="page-head">
        <h1>Settings</h1>
      </div>
      {!editable ? <p className="notice">Only admins can change settings.</p> : null}
      <form className="card form-grid settings" onSubmit={submit}>
        <fieldset disabled={!editable}>
          <legend>Platform fee</legend>
          <label>
            Platform fee (%)
            <input
              value={feePercent}
              onChange={(event) => setFeePercent(event.target.value)}
              inputMode="decimal"
              aria-label="Platform fee percent"
            />
          </label>
          <p className="muted">
            Changes apply to new bookings only; existing bookings keep the price they were quoted.
          </p>
        </fieldset>
        <fieldset disabled={!editable}>
          <legend>Payment window after confirmation</legend>
          <label>
            Minutes before the start by which payment must arrive
            <input
              value={windowMinutes}
              onChange={(event) => setWindowMinutes(event.target.value)}
              inputMode="numeric"
              aria-label="Payment window minutes"
            />
          </label>
        </fieldset>
        <fieldset disabled={!editable}>
          <legend>Per currency</legend>
          <table className="data">
            <thead>
              <tr>
                <th>Currency</th>
                <th>Minimum fee</th>
                <th>Four-eyes refund threshold</th>
              </tr>
            </thead>
            <tbody>
              {CURRENCY_CODES.map((code) => (
                <tr key={code}>
                  <td>{code}</td>
                  <td>
                    <input
                      value={minimums[code] ?? ''}
                      onChange={(event) => setMinimums({ ...minimums, [code]: event.target.value })}
                      aria-label={`Minimum fee ${code}`}
                    />
                  </td>
                  <td>
                    <input
                      value={thresholds[code] ?? ''}
                      onChange={(event) => setThresholds({ ...thresholds, [code]: event.target.value })}
                      aria-label={`Four-eyes threshold ${code}`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </fieldset>
        {problem ? <p className="inline-error">{problem}</p> : null}
        <InlineError error={update.error} />
        {update.isSuccess ? <p className="success">Saved.</p> : null}
        {editable ? (
          <button type="submit" className="button primary" disabled={update.isPending}>
            {update.isPending ? 'Saving…' : 'Save settings'}
          </button>
        ) : null}
      </form>
      <div className="card">
        <h2>Integrations</h2>
        {!can('secrets.read') ? (
          <p className="muted">Which integrations are configured is shown to admins.</p>
        ) : integrations.data ? (
          <ul className="plain" data-testid="integrations">
            {integrations.data.map((integration) => (
              <li key={integration.name}>
                <strong>{integration.name}</strong>: {integration.mode}
                {integration.credential ? <span className="code"> · {integration.credential}</span> : null}
              </li>
            ))}
          </ul>
        ) : (
          <Spinner />
        )}
        {/* Connected to a team server, its integrations are configured on the server, not here. */}
        {editable && !onTeamServer ? <CredentialsForm /> : null}
      </div>
      {IN_DESKTOP && editable ? <TeamServerCard /> : null}
    </section>
  );
}

function describeConnection(connection: { kind: 'local' } | { kind: 'remote'; url: string }) {
  return connection.kind === 'local' ? (
    <>its own database on this computer</>
  ) : (
    <>
      the team server at <span className="code">{connection.url}</span>
    </>
  );
}

/**
 * Desktop only: work with a team server (a headless host) instead of this computer's database.
 * The address is checked (the server must answer) and used from the next start.
 */
function TeamServerCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [url, setUrl] = useState('');
  const connection = useQuery(trpc.desktop.connection.queryOptions());
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.desktop.connection.queryKey() });
  const connect = useMutation(
    trpc.desktop.connect.mutationOptions({
      onSuccess: () => {
        setUrl('');
        refresh();
      },
    }),
  );
  const disconnect = useMutation(trpc.desktop.disconnect.mutationOptions({ onSuccess: refresh }));
  const restart = useMutation(trpc.desktop.restart.mutationOptions());
  if (connection.isPending) return <Spinner label="Loading the connection…" />;
  if (connection.isError) return <ErrorState error={connection.error} onRetry={() => void connection.refetch()} />;
  const { current, next, restartNeeded } = connection.data;
  return (
    <section className="card" aria-label="Team server">
      <h2>Team server</h2>
      <p data-testid="connection-current">This desktop works with {describeConnection(current)}.</p>
      {restartNeeded ? (
        <div className="notice actions">
          <span>From the next start it works with {describeConnection(next)}.</span>
          <button
            type="button"
            className="button primary"
            disabled={restart.isPending || restart.isSuccess}
            onClick={() => restart.mutate()}
          >
            {restart.isPending || restart.isSuccess ? 'Restarting…' : 'Restart now'}
          </button>
        </div>
      ) : null}
      <InlineError error={restart.error} />
      <form
        className="form-grid"
        onSubmit={(event) => {
          event.preventDefault();
          connect.mutate({ url });
        }}
      >
        <h3>Connect to a team server</h3>
        <p className="muted">
          Everyone connected to the same server shares its bookings, payments and staff accounts; you sign in with your
          account on that server. Use its https:// address (http:// only for localhost). The server must answer before
          the address is saved; the desktop uses it from the next start, and keeps no database of its own meanwhile.
        </p>
        <label>
          Team server URL
          <input
            type="url"
            inputMode="url"
            autoComplete="off"
            placeholder="https://ops.example.com"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
            aria-label="Team server URL"
          />
        </label>
        <InlineError error={connect.error} />
        <div className="actions">
          <button type="submit" className="button" disabled={connect.isPending || url.trim() === ''}>
            {connect.isPending ? 'Checking the server…' : 'Connect'}
          </button>
          {next.kind === 'remote' ? (
            <button
              type="button"
              className="button ghost"
              disabled={disconnect.isPending}
              onClick={() => disconnect.mutate()}
            >
              Disconnect (use this computer’s database)
            </button>
          ) : null}
        </div>
        <InlineError error={disconnect.error} />
      </form>
    </section>
  );
}

const CREDENTIAL_FIELDS = [
  ['stripeSecretKey', 'Stripe secret key'],
  ['stripeWebhookSecret', 'Stripe webhook signing secret'],
  ['zoomAccountId', 'Zoom account id'],
  ['zoomClientId', 'Zoom client id'],
  ['zoomClientSecret', 'Zoom client secret'],
  ['smtpUrl', 'SMTP URL (smtp:// or smtps://user:pass@host:port)'],
  ['mailFrom', 'Mail from (e.g. LinguaFlex <no-reply@example.com>)'],
] as const;

/** Credentials are written, never read back: the fields start empty and empty means unchanged. */
function CredentialsForm() {
  const trpc = useTRPC();
  const [values, setValues] = useState<Record<string, string>>({});
  const save = useMutation(trpc.system.saveCredentials.mutationOptions({ onSuccess: () => setValues({}) }));
  return (
    <form
      className="credentials"
      onSubmit={(event) => {
        event.preventDefault();
        const entered = Object.fromEntries(Object.entries(values).filter(([, value]) => value.trim() !== ''));
        save.mutate(entered);
      }}
    >
      <h3>Real credentials</h3>
      <p className="muted">
        Stored encrypted with this computer’s keychain and used from the next start. Leave a field empty to keep it.
      </p>
      {CREDENTIAL_FIELDS.map(([field, label]) => (
        <label key={field}>
          {label}
          <input
            type={field === 'zoomAccountId' || field === 'zoomClientId' || field === 'mailFrom' ? 'text' : 'password'}
            autoComplete="off"
            value={values[field] ?? ''}
            onChange={(event) => setValues({ ...values, [field]: event.target.value })}
            aria-label={label}
          />
        </label>
      ))}
      <InlineError error={save.error} />
      {save.data ? (
        <p className="success">
          Saved {save.data.saved.join(', ')}; they take effect {save.data.takesEffect}.
        </p>
      ) : null}
      <button type="submit" className="button">
        Save credentials
      </button>
    </form>
  );
}
