// Browser APIs that xterm.js needs and jsdom lacks, for component tests only.

/** Installs a `window.matchMedia` that never matches; xterm.js uses it to follow the pixel ratio. */
export function installMatchMedia(): void {
  window.matchMedia ??= (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }) as MediaQueryList;
}
