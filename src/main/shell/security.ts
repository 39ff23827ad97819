/**
 * The Electron shell's security decisions, written against small interfaces so they are unit
 * tested without Electron: web preferences, navigation and window.open, permissions, CSP.
 */
import { CONTENT_SECURITY_POLICY } from '../http/security-headers';

export const APP_ORIGIN = 'app://console';

/**
 * The window's security-relevant web preferences. src/main/index.ts writes them out literally at its
 * `new BrowserWindow(...)` (auditors' tools read that call, not a helper); the shell tests check the
 * two agree.
 */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    disableBlinkFeatures: 'Auxclick',
    spellcheck: false,
  } as const;
}

/** The app's own pages: the packaged protocol, or the dev server electron-vite started. */
export function isAppUrl(url: string, devServerUrl: string | undefined): boolean {
  try {
    const parsed = new URL(url);
    if (`${parsed.protocol}//${parsed.host}` === APP_ORIGIN) return true;
    if (devServerUrl) return parsed.origin === new URL(devServerUrl).origin;
    return false;
  } catch {
    return false;
  }
}

interface PreventableEvent {
  preventDefault(): void;
}
export interface GuardedContents {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: PreventableEvent, url: string) => void): void;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** No navigation away from the app, no new windows, no webviews. */
export function installNavigationGuards(
  contents: GuardedContents,
  devServerUrl: string | undefined,
  onBlocked: (what: string) => void,
): void {
  const guard = (event: PreventableEvent, url: string) => {
    if (!isAppUrl(url, devServerUrl)) {
      event.preventDefault();
      onBlocked(`navigation to ${url}`);
    }
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    onBlocked('a webview');
  });
  contents.setWindowOpenHandler(({ url }) => {
    onBlocked(`window.open(${url})`);
    return { action: 'deny' };
  });
}

export interface PermissionSession {
  setPermissionRequestHandler(
    handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void;
  setPermissionCheckHandler(handler: () => boolean): void;
  webRequest: {
    onHeadersReceived(
      listener: (
        details: { responseHeaders?: Record<string, string[]> },
        callback: (response: { responseHeaders: Record<string, string[]> }) => void,
      ) => void,
    ): void;
  };
}

/** Camera, microphone, notifications, geolocation…: the console needs none, so all are denied. */
export function denyAllPermissions(session: PermissionSession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

export function enforceContentSecurityPolicy(session: PermissionSession, devServerUrl: string | undefined): void {
  // The dev server needs its own origin for scripts and hot reload; the packaged app needs only 'self'.
  const policy = devServerUrl
    ? CONTENT_SECURITY_POLICY.replace(
        "connect-src 'self'",
        `connect-src 'self' ${devServerUrl} ws://${new URL(devServerUrl).host}`,
      )
    : CONTENT_SECURITY_POLICY;
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...(details.responseHeaders ?? {}), 'Content-Security-Policy': [policy] } });
  });
}
