import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Dialog, EmptyState, ErrorState, InlineError, Spinner } from '../../components/ui';
import { formatDateTime } from '../../format';
import { useSession } from '../../session';
import { useTRPC } from '../../trpc';
import { PASSWORD_HINT } from './ChangePassword';

const ROLES = ['ADMIN', 'FINANCE', 'SUPPORT'] as const;
type Role = (typeof ROLES)[number];

interface Account {
  id: number;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  mustChangePassword: boolean;
}

/**
 * Staff accounts (R30, R34), for admins: create, disable (its sessions end at once; the last active
 * admin cannot be), enable again, and reset a password (its owner must change it at the next
 * sign-in). What is refused, the server says why.
 */
export function StaffPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { session } = useSession();
  const list = useQuery(trpc.staff.list.queryOptions());
  const [dialog, setDialog] = useState<
    { kind: 'create' } | { kind: 'disable'; account: Account } | { kind: 'reset'; account: Account } | null
  >(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.staff.pathKey() });
  const enable = useMutation(trpc.staff.enable.mutationOptions({ onSuccess: refresh }));

  return (
    <section aria-label="Staff">
      <div className="page-head">
        <h1>Staff</h1>
        <button type="button" className="button primary" onClick={() => setDialog({ kind: 'create' })}>
          New staff account
        </button>
      </div>
      <InlineError error={enable.error} />
      {list.isPending ? (
        <Spinner label="Loading staff…" />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.length === 0 ? (
        <EmptyState>No staff accounts.</EmptyState>
      ) : (
        <table className="data card" data-testid="staff-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
              <th>Status</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.map((account) => (
              <tr key={account.id} data-testid={`staff-${account.id}`}>
                <td>
                  {account.name}
                  {account.id === session?.staff.id ? <span className="muted"> (you)</span> : null}
                </td>
                <td>{account.email}</td>
                <td>{account.role}</td>
                <td>
                  <span className={`badge ${account.active ? 'badge-paid' : 'badge-refunded'}`}>
                    {account.active ? 'Active' : 'Disabled'}
                  </span>
                  {account.mustChangePassword ? <span className="muted"> · must change password</span> : null}
                </td>
                <td>{formatDateTime(account.createdAt)}</td>
                <td>
                  <div className="actions">
                    {account.active ? (
                      <button
                        type="button"
                        className="button danger"
                        onClick={() => setDialog({ kind: 'disable', account })}
                      >
                        Disable
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="button"
                        disabled={enable.isPending}
                        onClick={() => enable.mutate({ id: account.id })}
                      >
                        Enable
                      </button>
                    )}
                    <button type="button" className="button" onClick={() => setDialog({ kind: 'reset', account })}>
                      Reset password
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {dialog?.kind === 'create' ? <CreateStaffDialog onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'disable' ? <DisableDialog account={dialog.account} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'reset' ? <ResetDialog account={dialog.account} onClose={() => setDialog(null)} /> : null}
    </section>
  );
}

function CreateStaffDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('SUPPORT');
  const [password, setPassword] = useState('');
  const [mustChange, setMustChange] = useState(true);
  const create = useMutation(
    trpc.staff.create.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.staff.pathKey() });
        onClose();
      },
    }),
  );
  return (
    <Dialog title="New staff account" onClose={onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ name, email, role, password, mustChangePassword: mustChange });
        }}
      >
        <label>
          Name
          <input value={name} onChange={(event) => setName(event.target.value)} required />
        </label>
        <label>
          Email
          <input type="email" value={email} onChange={(event) => setEmail(event.target.value)} required />
        </label>
        <label>
          Role
          <select value={role} onChange={(event) => setRole(event.target.value as Role)}>
            {ROLES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <label>
          First password
          <input
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            required
          />
        </label>
        <p className="muted">{PASSWORD_HINT}</p>
        <label className="checkbox">
          <input type="checkbox" checked={mustChange} onChange={(event) => setMustChange(event.target.checked)} />
          They choose their own password when they first sign in
        </label>
        <InlineError error={create.error} />
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={create.isPending}>
            Create account
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DisableDialog({ account, onClose }: { account: Account; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const disable = useMutation(
    trpc.staff.disable.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.staff.pathKey() });
        onClose();
      },
    }),
  );
  return (
    <Dialog title={`Disable ${account.name}`} onClose={onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          disable.mutate({ id: account.id, ...(reason.trim() ? { reason } : {}) });
        }}
      >
        <p>
          {account.name} ({account.email}) can no longer sign in, and every sign-in of the account ends at once. An
          admin can enable it again.
        </p>
        <label>
          Reason (optional)
          <textarea value={reason} onChange={(event) => setReason(event.target.value)} rows={2} />
        </label>
        <InlineError error={disable.error} />
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={onClose}>
            Back
          </button>
          <button type="submit" className="button danger" disabled={disable.isPending}>
            Disable account
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ResetDialog({ account, onClose }: { account: Account; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [password, setPassword] = useState('');
  const reset = useMutation(
    trpc.staff.resetPassword.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.staff.pathKey() });
        onClose();
      },
    }),
  );
  return (
    <Dialog title={`Reset the password of ${account.name}`} onClose={onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          reset.mutate({ id: account.id, password });
        }}
      >
        <p>
          Every sign-in of {account.email} ends. Give them this password in person; they must choose their own when they
          next sign in.
        </p>
        <label>
          New password
          <input
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            required
          />
        </label>
        <p className="muted">{PASSWORD_HINT}</p>
        <InlineError error={reset.error} />
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={onClose}>
            Back
          </button>
          <button type="submit" className="button primary" disabled={reset.isPending}>
            Reset password
          </button>
        </div>
      </form>
    </Dialog>
  );
}
