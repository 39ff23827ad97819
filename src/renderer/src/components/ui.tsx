import { Component, useEffect, useRef, useState, type ErrorInfo, type ReactNode } from 'react';
import { describeError } from '../errors';
import { bookingStatusLabel, paymentStatusLabel, type StatusTone } from '../../../shared/status-label';
import { localizeInstants, STATUS_LABEL } from '../format';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

/**
 * What went wrong, in the server's words: the stable code stays in `data.domainCode` for programs
 * and never shows in the text; instants the message names show in the viewer's time. Trying again
 * is offered only where it can help (not for a refusal or something that does not exist).
 */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { message, code } = describeError(error);
  const hopeless = code === 'FORBIDDEN' || code === 'NOT_FOUND' || code === 'VALIDATION';
  return (
    <div className="state state-error" role="alert" data-code={code ?? undefined}>
      <strong>Could not load this.</strong> {localizeInstants(message)}
      {onRetry && !hopeless ? (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** A page this role may not see, said plainly — no frame, no failed calls, no "Try again". */
export function NotAvailableToRole({ page, role }: { page: string; role: string }) {
  return (
    <div className="state state-error not-available" role="alert" data-testid="not-available">
      <strong>Not available to your role.</strong> {page} is not open to {role.toLowerCase()} staff. Ask an admin if you
      need it.
    </div>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

export function InlineError({ error }: { error: unknown }) {
  if (!error) return null;
  const { message, code } = describeError(error);
  return (
    <p className="inline-error" role="alert" data-code={code ?? undefined}>
      {localizeInstants(message)}
    </p>
  );
}

/** The badge style of each tone of the shared status table (the CSS classes predate the tones). */
const TONE_CLASS: Record<StatusTone, string> = {
  waiting: 'badge-pending',
  progress: 'badge-progress',
  ok: 'badge-paid',
  problem: 'badge-failed',
  closed: 'badge-refunded',
};

/**
 * A booking's or a payment's status in words, from the one shared table (src/shared/status-label):
 * a booking's label comes from its (status, payment status) pair, so a confirmed booking whose
 * payment is in progress never reads "Awaiting teacher". Without `paymentStatus` a booking status
 * shows its own word (for places that only know the status).
 */
export function StatusBadge({
  value,
  kind = 'booking',
  paymentStatus,
}: {
  value: string;
  kind?: 'booking' | 'payment';
  paymentStatus?: string;
}) {
  if (kind === 'payment' || paymentStatus !== undefined) {
    const { label, tone } =
      kind === 'payment' ? paymentStatusLabel(value) : bookingStatusLabel(value, paymentStatus ?? '');
    return (
      <span className={`badge ${TONE_CLASS[tone]}`} data-status={value}>
        {label}
      </span>
    );
  }
  return <span className={`badge badge-${value.toLowerCase()}`}>{STATUS_LABEL[value] ?? value}</span>;
}

/**
 * A modal that traps nothing fancy but focuses its first field once, when it opens (a live update
 * re-rendering the page must not pull the focus back while someone types), and closes on Escape.
 */
export function Dialog({ title, children, onClose }: { title: string; children: ReactNode; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  useEffect(() => {
    closeRef.current = onClose;
  }, [onClose]);
  useEffect(() => {
    const first = ref.current?.querySelector<HTMLElement>('textarea, input, select, button');
    first?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') closeRef.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="dialog-backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label={title} ref={ref}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

/** A screen that throws while rendering shows what went wrong instead of a blank window. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('Screen failed to render', error, info.componentStack);
  }
  override componentDidUpdate(previous: { resetKey: string }): void {
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }
  override render(): ReactNode {
    if (this.state.error) {
      return (
        <div className="state state-error" role="alert">
          <strong>This screen failed to show.</strong> {this.state.error.message}
        </div>
      );
    }
    return this.props.children;
  }
}

/** A dialog that asks for one required note (a rejection, a resolution) and submits it. */
export function NoteDialog(props: {
  title: string;
  prompt?: string;
  label: string;
  submitLabel: string;
  danger?: boolean;
  error: unknown;
  onSubmit: (note: string) => void;
  onClose: () => void;
}) {
  const [note, setNote] = useState('');
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          props.onSubmit(note);
        }}
      >
        {props.prompt ? <p>{props.prompt}</p> : null}
        <label>
          {props.label}
          <textarea value={note} onChange={(event) => setNote(event.target.value)} rows={3} />
        </label>
        <InlineError error={props.error} />
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={props.onClose}>
            Back
          </button>
          <button type="submit" className={props.danger ? 'button danger' : 'button primary'}>
            {props.submitLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
