import {
  TRPC_IPC_CHANNEL,
  type IpcBridge,
  type MainToRenderer,
  type RendererToMain,
} from '../../src/shared/ipc-protocol';
import type { FrameLike, IpcMainEventLike, IpcMainLike, WebContentsLike } from '../../src/main/ipc/trpc-ipc-handler';

/**
 * In-memory stand-ins for Electron's ipcMain, a window's webContents and the preload bridge.
 * Every message is copied with structuredClone, as Electron's IPC does, so anything that would not
 * survive the real channel (functions, class instances, Dates without a transformer) fails here too.
 */
export class FakeIpcMain implements IpcMainLike {
  private readonly listeners = new Map<string, Set<(event: IpcMainEventLike, message: unknown) => void>>();
  on(channel: string, listener: (event: IpcMainEventLike, message: unknown) => void): void {
    const set = this.listeners.get(channel) ?? new Set();
    set.add(listener);
    this.listeners.set(channel, set);
  }
  removeListener(channel: string, listener: (event: IpcMainEventLike, message: unknown) => void): void {
    this.listeners.get(channel)?.delete(listener);
  }
  emit(channel: string, event: IpcMainEventLike, message: unknown): void {
    for (const listener of this.listeners.get(channel) ?? []) listener(event, structuredClone(message));
  }
  listenerCount(channel: string): number {
    return this.listeners.get(channel)?.size ?? 0;
  }
}

let nextWindowId = 1;

export class FakeWindow implements WebContentsLike {
  readonly id = nextWindowId++;
  readonly mainFrame: FrameLike;
  private destroyed = false;
  private readonly destroyedListeners: (() => void)[] = [];
  private readonly rendererListeners = new Set<(message: MainToRenderer) => void>();
  readonly received: MainToRenderer[] = [];

  constructor(
    private readonly ipcMain: FakeIpcMain,
    url: string,
  ) {
    this.mainFrame = { url };
  }

  send(channel: string, message: MainToRenderer): void {
    if (channel !== TRPC_IPC_CHANNEL) return;
    const copy = structuredClone(message);
    this.received.push(copy);
    for (const listener of this.rendererListeners) listener(copy);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  once(_event: 'destroyed', listener: () => void): void {
    this.destroyedListeners.push(listener);
  }
  destroy(): void {
    this.destroyed = true;
    for (const listener of this.destroyedListeners.splice(0)) listener();
  }

  /** What the preload exposes to the page, sending as the given frame (default: the main frame). */
  bridge(frame: FrameLike = this.mainFrame): IpcBridge {
    return {
      send: (message: RendererToMain) =>
        this.ipcMain.emit(TRPC_IPC_CHANNEL, { sender: this, senderFrame: frame }, message),
      onMessage: (listener) => {
        this.rendererListeners.add(listener);
        return () => this.rendererListeners.delete(listener);
      },
    };
  }
}
