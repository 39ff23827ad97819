/**
 * The Electron shell: one hardened window, the tRPC IPC handler, single-instance lock, remembered
 * window bounds. Everything else (services, router, database) is the same code the headless host runs.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, screen, session } from 'electron';
import Store from 'electron-store';
import { appRouter } from './api/root';
import { apiContext } from './api/context';
import type { ApiContext } from './api/trpc';
import { loadConfig } from './config/config';
import type { Container } from './container';
import { createTrpcIpcHandler } from './ipc/trpc-ipc-handler';
import { startJobs, startStripePoller } from './jobs';
import { consoleLogger } from './log';
import {
  APP_ORIGIN,
  denyAllPermissions,
  enforceContentSecurityPolicy,
  installNavigationGuards,
  isAppUrl,
  secureWebPreferences,
} from './shell/security';
import { SafeStorageCredentials } from './shell/credentials';
import { restoreWindowState, type SavedWindowState } from './shell/window-state';
import { startApp } from './startup';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(here, '../renderer');
const devServerUrl = process.env['ELECTRON_RENDERER_URL'];

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | null = null;
  let container: Container | null = null;
  const store = new Store<{ window?: SavedWindowState }>({ name: 'window-state' });
  const credentialStore = new SafeStorageCredentials(safeStorage, new Store({ name: 'credentials' }));

  app.on('second-instance', () => {
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });

  void app.whenReady().then(async () => {
    protocol.handle('app', async (request) => {
      const { pathname } = new URL(request.url);
      const file = path.resolve(rendererDir, `.${decodeURIComponent(pathname)}`);
      if (!file.startsWith(rendererDir + path.sep)) return new Response('Not found', { status: 404 });
      const body = await readFile(file).catch(() => readFile(path.join(rendererDir, 'index.html')));
      const type = file.endsWith('.js')
        ? 'text/javascript'
        : file.endsWith('.css')
          ? 'text/css'
          : file.endsWith('.svg')
            ? 'image/svg+xml'
            : 'text/html';
      return new Response(new Uint8Array(body), { headers: { 'Content-Type': type } });
    });
    denyAllPermissions(session.defaultSession);
    enforceContentSecurityPolicy(session.defaultSession, devServerUrl);

    try {
      const started = await startApp({
        config: loadConfig(process.argv.slice(app.isPackaged ? 1 : 2)),
        logger: consoleLogger,
        // Integration credentials live encrypted in the OS keychain (safeStorage), or come from env.
        credentials: credentialStore.load(),
        demoData: async (question) =>
          (
            await dialog.showMessageBox({
              type: 'question',
              buttons: ['Load demo data', 'Start empty'],
              defaultId: 0,
              message: question,
            })
          ).response === 0,
      });
      container = started.container;
    } catch (error) {
      dialog.showErrorBox('LinguaFlex Ops cannot start', error instanceof Error ? error.message : String(error));
      app.exit(1);
      return;
    }
    const opened = container;
    const services = container.services;
    const jobs = startJobs(services, consoleLogger, () => container?.maintain() ?? Promise.resolve());
    void jobs.runOnce();
    // A desktop has no public URL for webhooks: read Stripe's events instead.
    startStripePoller(opened, consoleLogger, 15_000);
    createTrpcIpcHandler({
      ipcMain,
      router: appRouter,
      createContext: (token): ApiContext =>
        apiContext(opened, consoleLogger, token, (credentials) => credentialStore.save(credentials)),
      isTrustedUrl: (url) => isAppUrl(url, devServerUrl),
      onRejected: (reason) => consoleLogger.warn(reason),
    });

    const displays = screen.getAllDisplays().map((display) => display.workArea);
    const restored = restoreWindowState(store.get('window'), displays);
    window = new BrowserWindow({
      ...restored.bounds,
      minWidth: 960,
      minHeight: 600,
      show: false,
      title: 'LinguaFlex Ops',
      webPreferences: secureWebPreferences(path.join(here, '../preload/index.cjs')),
    });
    if (restored.maximized) window.maximize();
    installNavigationGuards(window.webContents, devServerUrl, (what) => consoleLogger.warn(`Blocked ${what}`));
    const save = () => {
      if (!window || window.isDestroyed()) return;
      store.set('window', { bounds: window.getNormalBounds(), maximized: window.isMaximized() });
    };
    window.on('close', save);
    window.once('ready-to-show', () => window?.show());
    await window.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
  });

  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', (event) => {
    if (!container) return;
    event.preventDefault();
    const closing = container;
    container = null;
    void closing.close().finally(() => app.exit(0));
  });
}
