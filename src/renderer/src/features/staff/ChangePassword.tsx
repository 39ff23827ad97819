import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Dialog, InlineError } from '../../components/ui';
import { useTRPC } from '../../trpc';

/** What the policy asks (R34); the server checks it and says why a password is refused. */
export const PASSWORD_HINT =
  'At least 12 characters and hard to guess: several uncommon words work well; your name, your email and common passwords are refused.';

/**
 * Asks for the current password and a new one (twice). The server checks the current one and the
 * policy, ends this account's other sessions and keeps this one.
 */
function ChangePasswordForm({ onDone, onCancel }: { onDone: () => void; onCancel?: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: async () => {
        // auth.me says whether a change is still required; the Staff page shows the flag too.
        await queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.staff.pathKey() });
        onDone();
      },
    }),
  );
  return (
    <form
      aria-label="Change password"
      onSubmit={(event) => {
        event.preventDefault();
        // Checked here only because the server never sees the repeated copy.
        if (next !== repeat) {
          setMismatch(true);
          return;
        }
        setMismatch(false);
        change.mutate({ currentPassword: current, newPassword: next });
      }}
    >
      <label>
        Current password
        <input
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(event) => setCurrent(event.target.value)}
          required
        />
      </label>
      <label>
        New password
        <input
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(event) => setNext(event.target.value)}
          aria-describedby="password-hint"
          required
        />
      </label>
      <label>
        Repeat the new password
        <input
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={(event) => setRepeat(event.target.value)}
          required
        />
      </label>
      <p className="muted" id="password-hint">
        {PASSWORD_HINT}
      </p>
      {mismatch ? (
        <p className="inline-error" role="alert">
          The two new passwords differ; type the same one twice.
        </p>
      ) : null}
      <InlineError error={change.error} />
      <div className="dialog-actions">
        {onCancel ? (
          <button type="button" className="button ghost" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
        <button type="submit" className="button primary" disabled={change.isPending}>
          {change.isPending ? 'Changing…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}

/** The change-password dialog, opened from the top bar. */
export function ChangePasswordDialog({ onClose }: { onClose: () => void }) {
  const [done, setDone] = useState(false);
  return (
    <Dialog title="Change your password" onClose={onClose}>
      {done ? (
        <>
          <p role="status">Your password was changed. Your other sign-ins have ended; this one goes on.</p>
          <div className="dialog-actions">
            <button type="button" className="button primary" onClick={onClose}>
              Close
            </button>
          </div>
        </>
      ) : (
        <ChangePasswordForm onDone={() => setDone(true)} onCancel={onClose} />
      )}
    </Dialog>
  );
}

/**
 * R34: a generated first-admin password, or one an admin reset, must be changed before anything
 * else (the server refuses every other call until then).
 */
export function RequiredPasswordChange({ name, onSignOut }: { name: string; onSignOut: () => void }) {
  return (
    <main className="signin">
      <section className="card signin-card" aria-label="Choose a new password">
        <h1>Choose a new password</h1>
        <p className="notice">
          {name}, your password was generated or reset by an admin. Choose your own before you go on.
        </p>
        <ChangePasswordForm onDone={() => undefined} />
        <button type="button" className="button ghost" onClick={onSignOut}>
          Sign out
        </button>
      </section>
    </main>
  );
}
