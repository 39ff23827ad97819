import { describe, expect, it } from 'vitest';
import { createBridge, type IpcRendererLike } from '../../../src/preload/bridge';
import { TRPC_IPC_CHANNEL, type MainToRenderer, type RendererToMain } from '../../../src/shared/ipc-protocol';
import {
  denyAllPermissions,
  enforceContentSecurityPolicy,
  installNavigationGuards,
  isAppUrl,
  secureWebPreferences,
  type GuardedContents,
  type PermissionSession,
} from '../../../src/main/shell/security';
import { restoreWindowState } from '../../../src/main/shell/window-state';

describe('Electron shell security (against fakes)', () => {
  it('web preferences isolate the page: context isolation and sandbox on, node integration off', () => {
    expect(secureWebPreferences('/app/preload.cjs')).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
  });

  it('only the app’s own origin counts as the app', () => {
    expect(isAppUrl('app://console/index.html', undefined)).toBe(true);
    expect(isAppUrl('app://evil/index.html', undefined)).toBe(false);
    expect(isAppUrl('https://example.com/', undefined)).toBe(false);
    expect(isAppUrl('http://localhost:5173/#/x', 'http://localhost:5173')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isAppUrl('not a url', undefined)).toBe(false);
  });

  it('navigation away, window.open and webviews are all refused', () => {
    const handlers = new Map<string, (event: { preventDefault(): void }, url: string) => void>();
    let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
    const contents: GuardedContents = {
      on: (event: string, listener: (event: { preventDefault(): void }, url: string) => void) =>
        handlers.set(event, listener),
      setWindowOpenHandler: (handler) => (openHandler = handler),
    };
    const blocked: string[] = [];
    installNavigationGuards(contents, undefined, (what) => blocked.push(what));
    const attempt = (event: string, url: string) => {
      let prevented = false;
      handlers.get(event)?.({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(attempt('will-navigate', 'https://phish.example/')).toBe(true);
    expect(attempt('will-redirect', 'file:///etc/passwd')).toBe(true);
    expect(attempt('will-navigate', 'app://console/index.html#/x')).toBe(false);
    expect(attempt('will-attach-webview', '')).toBe(true);
    expect(openHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    expect(blocked).toHaveLength(4);
  });

  it('every permission request and check is denied; responses get the CSP', () => {
    let requestHandler:
      ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined;
    let checkHandler: (() => boolean) | undefined;
    let headersListener: Parameters<PermissionSession['webRequest']['onHeadersReceived']>[0] | undefined;
    const session: PermissionSession = {
      setPermissionRequestHandler: (handler) => (requestHandler = handler),
      setPermissionCheckHandler: (handler) => (checkHandler = handler),
      webRequest: { onHeadersReceived: (listener) => (headersListener = listener) },
    };
    denyAllPermissions(session);
    enforceContentSecurityPolicy(session, undefined);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      let granted: boolean | undefined;
      requestHandler?.(null, permission, (value) => (granted = value));
      expect(granted).toBe(false);
    }
    expect(checkHandler?.()).toBe(false);
    let headers: Record<string, string[]> = {};
    headersListener?.({ responseHeaders: { 'X-Test': ['1'] } }, ({ responseHeaders }) => (headers = responseHeaders));
    expect(headers['X-Test']).toEqual(['1']);
    expect(headers['Content-Security-Policy']?.[0]).toContain("script-src 'self'");
    expect(headers['Content-Security-Policy']?.[0]).toContain("object-src 'none'");
  });
});

describe('window state', () => {
  const screen = { x: 0, y: 0, width: 1920, height: 1080 };
  it('restores saved bounds that are on a screen', () => {
    expect(
      restoreWindowState({ bounds: { x: 100, y: 80, width: 1200, height: 800 }, maximized: true }, [screen]),
    ).toEqual({
      bounds: { x: 100, y: 80, width: 1200, height: 800 },
      maximized: true,
    });
  });
  it('falls back to a centred default for off-screen, tiny or corrupt saved state', () => {
    for (const saved of [
      { bounds: { x: 5000, y: 80, width: 1200, height: 800 } },
      { bounds: { x: 0, y: 0, width: 100, height: 100 } },
      { bounds: { x: 'a', y: 0, width: 1200, height: 800 } },
      undefined,
      'garbage',
    ]) {
      expect(restoreWindowState(saved, [screen])).toEqual({ bounds: { width: 1360, height: 860 }, maximized: false });
    }
  });
});

describe('preload bridge (against a fake ipcRenderer)', () => {
  it('exposes only send and onMessage, on the tRPC channel, and unsubscribes cleanly', () => {
    const sent: [string, RendererToMain][] = [];
    const listeners = new Set<(event: unknown, message: MainToRenderer) => void>();
    const ipcRenderer: IpcRendererLike = {
      send: (channel, message) => sent.push([channel, structuredClone(message)]),
      on: (channel, listener) => channel === TRPC_IPC_CHANNEL && listeners.add(listener),
      removeListener: (_channel, listener) => listeners.delete(listener),
    };
    const bridge = createBridge(ipcRenderer);
    expect(Object.keys(bridge).sort()).toEqual(['onMessage', 'send']);
    bridge.send({ kind: 'stop', id: 3 });
    expect(sent).toEqual([[TRPC_IPC_CHANNEL, { kind: 'stop', id: 3 }]]);
    const received: MainToRenderer[] = [];
    const stop = bridge.onMessage((message) => received.push(message));
    for (const listener of listeners)
      listener({ sender: 'event objects never reach the page' }, { id: 1, result: { type: 'started' } });
    expect(received).toEqual([{ id: 1, result: { type: 'started' } }]);
    stop();
    expect(listeners.size).toBe(0);
  });
});
