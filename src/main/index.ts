/**
 * The Electron shell: one hardened window, the tRPC IPC handler, single-instance lock, remembered
 * window bounds. Everything else (services, router, database) is the same code the headless host
 * runs; whether this desktop opens its own database or works with a team server is decided in
 * shell/desktop.ts.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, screen, session } from 'electron';
import Store from 'electron-store';
import { loadConfig } from './config/config';
import { createTrpcIpcHandler } from './ipc/trpc-ipc-handler';
import { startJobs, startStripePoller } from './jobs';
import { consoleLogger } from './log';
import {
  APP_ORIGIN,
  denyAllPermissions,
  enforceContentSecurityPolicy,
  installNavigationGuards,
  isAppUrl,
} from './shell/security';
import { SafeStorageCredentials } from './shell/credentials';
import { TeamServerSetting } from './shell/connection';
import { startDesktop, type DesktopRuntime, type UnreachableChoice } from './shell/desktop';
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
  let runtime: DesktopRuntime | null = null;
  // The app-data folder is the owner's alone (0700, files 0600): so are the settings files written in it.
  const store = new Store<{ window?: SavedWindowState }>({ name: 'window-state', configFileMode: 0o600 });
  const credentialStore = new SafeStorageCredentials(
    safeStorage,
    new Store({ name: 'credentials', configFileMode: 0o600 }),
  );
  const teamServer = new TeamServerSetting(new Store({ name: 'connection', configFileMode: 0o600 }));

  // Every web contents, not only the window's: no navigation away, no new windows (window.open, a
  // middle or shift click on a link), no webviews.
  app.on('web-contents-created', (_event, contents) => {
    installNavigationGuards(contents, devServerUrl, (what) => consoleLogger.warn(`Blocked ${what}`));
  });

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
      runtime = await startDesktop({
        setting: teamServer,
        logger: consoleLogger,
        // Only with the embedded database (or DATABASE_URL): nothing of this runs for a team server.
        openLocal: async () => {
          const { container, afterStart, timer } = await startApp({
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
          const jobs = startJobs(container.services, consoleLogger, () => container.maintain());
          // A desktop has no public URL for webhooks: read Stripe's events instead.
          const poller = startStripePoller(container, consoleLogger, 15_000);
          timer.markUsable();
          if (process.argv.includes('--verbose')) for (const line of timer.lines()) consoleLogger.info(line);
          // What can wait until the console answers: the first sweep, a demo set, reconciliation.
          const stopping = new AbortController();
          const background = jobs.runOnce().then(() => afterStart(stopping.signal));
          return {
            container,
            close: async () => {
              stopping.abort();
              jobs.stop();
              poller.stop();
              await background;
              await container.close();
            },
          };
        },
        whenUnreachable: async (url, problem): Promise<UnreachableChoice> => {
          const choices: UnreachableChoice[] = ['retry', 'disconnect', 'quit'];
          const { response } = await dialog.showMessageBox({
            type: 'warning',
            buttons: ['Try again', 'Disconnect and use this computer’s database', 'Quit'],
            defaultId: 0,
            cancelId: 2,
            message: `The team server at ${url} does not answer.`,
            detail: problem,
          });
          return choices[response] ?? 'quit';
        },
        saveCredentials: (credentials) => credentialStore.save(credentials),
        // The reply reaches the page first; will-quit then closes the container.
        restart: () =>
          setTimeout(() => {
            app.relaunch();
            app.quit();
          }, 200),
      });
    } catch (error) {
      dialog.showErrorBox('LinguaFlex Ops cannot start', error instanceof Error ? error.message : String(error));
      app.exit(1);
      return;
    }
    if (!runtime) {
      app.exit(0);
      return;
    }
    const ipc = createTrpcIpcHandler({
      ipcMain,
      backend: runtime.backend,
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
      // Written out here, literally, for auditors and their tools (Electronegativity) to read;
      // tests/unit/shell checks them against secureWebPreferences in shell/security.ts.
      webPreferences: {
        preload: path.join(here, '../preload/index.cjs'),
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
        // A middle click on a link fires no auxclick, so it cannot open anything either.
        disableBlinkFeatures: 'Auxclick',
        spellcheck: false,
      },
    });
    if (restored.maximized) window.maximize();
    // A reload is a new page that stays signed in: the main process keeps holding the window's token
    // (the page never sees it); the old page's subscriptions and pending answers are dropped.
    const contentsId = window.webContents.id;
    window.webContents.on('did-navigate', () => ipc.pageReplaced(contentsId));
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
    if (!runtime) return;
    event.preventDefault();
    const closing = runtime;
    runtime = null;
    void closing.close().finally(() => app.exit(0));
  });
}
