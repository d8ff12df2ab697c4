/** A function that runs `action` once the calls to it have paused for the given delay. */
export interface Debounced {
  (): void;
  /** Drops a pending run. Call it when the owner is destroyed. */
  cancel(): void;
}

/** Returns a trailing-edge debounce of `action`: a burst of calls runs it once, `delayMs` after the last. */
export function debounce(action: () => void, delayMs: number): Debounced {
  let timer: ReturnType<typeof setTimeout> | undefined;

  const debounced = (() => {
    if (timer !== undefined) {
      clearTimeout(timer);
    }
    timer = setTimeout(() => {
      timer = undefined;
      action();
    }, delayMs);
  }) as Debounced;

  debounced.cancel = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
  };

  return debounced;
}
