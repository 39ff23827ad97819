import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';

export interface StaffSession {
  token: string;
  expiresAt: Date;
  staff: { id: number; email: string; name: string; role: 'ADMIN' | 'FINANCE' | 'SUPPORT' };
  permissions: string[];
}

interface SessionValue {
  session: StaffSession | null;
  /** The token for the HTTP transport (empty inside the desktop app); read at call time. */
  getToken: () => string | null;
  signIn: (session: StaffSession) => void;
  signOut: (reason?: string) => void;
  can: (permission: string) => boolean;
  signedOutReason: string | null;
}

const SessionContext = createContext<SessionValue | null>(null);

/**
 * The bearer token lives only in memory: a reload or a closed window signs the user out. Inside the
 * desktop app the renderer never sees it: the main process keeps it and `auth.login` answers with an
 * empty token, so nothing here may depend on the token being non-empty (only on `session`).
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<StaffSession | null>(null);
  const [signedOutReason, setReason] = useState<string | null>(null);
  const tokenRef = useRef<string | null>(null);
  const signIn = useCallback((next: StaffSession) => {
    tokenRef.current = next.token;
    setReason(null);
    setSession(next);
  }, []);
  const signOut = useCallback((reason?: string) => {
    tokenRef.current = null;
    setReason(reason ?? null);
    setSession(null);
  }, []);
  const getToken = useCallback(() => tokenRef.current, []);
  const value = useMemo<SessionValue>(
    () => ({
      session,
      getToken,
      signIn,
      signOut,
      can: (permission) => session?.permissions.includes(permission) ?? false,
      signedOutReason,
    }),
    [session, getToken, signIn, signOut, signedOutReason],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
