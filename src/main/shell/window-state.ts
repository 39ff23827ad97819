/** Window size and position, remembered between runs and restored only where a screen still shows it. */
export interface WindowBounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SavedWindowState {
  bounds: WindowBounds;
  maximized: boolean;
}

export const DEFAULT_WINDOW: WindowBounds = { x: 0, y: 0, width: 1360, height: 860 };
const MIN_VISIBLE = 120;

function visibleArea(a: WindowBounds, b: WindowBounds): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

/** The saved bounds when enough of the window lands on some display; otherwise a centred default. */
export function restoreWindowState(
  saved: unknown,
  displays: readonly WindowBounds[],
): { bounds: Partial<WindowBounds> & { width: number; height: number }; maximized: boolean } {
  const candidate = saved as Partial<SavedWindowState> | undefined;
  const bounds = candidate?.bounds;
  const valid =
    bounds !== undefined &&
    [bounds.x, bounds.y, bounds.width, bounds.height].every((value) => Number.isFinite(value)) &&
    bounds.width >= 640 &&
    bounds.height >= 480;
  if (
    valid &&
    displays.some((display) => {
      const area = visibleArea(bounds, display);
      return area.width >= MIN_VISIBLE && area.height >= MIN_VISIBLE;
    })
  ) {
    return { bounds, maximized: candidate?.maximized === true };
  }
  return { bounds: { width: DEFAULT_WINDOW.width, height: DEFAULT_WINDOW.height }, maximized: false };
}
