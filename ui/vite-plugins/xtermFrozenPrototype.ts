// Makes xterm.js 6 load in a window whose Object.prototype is frozen, as Tauri's
// `freezePrototype` setting does.
//
// xterm.js bundles a TypeScript namespace (`KeyCodeUtils` in VS Code's keyCodes.ts) that
// assigns its own `toString` function to a plain object. With Object.prototype frozen, the
// inherited `toString` is read-only, so that assignment throws a TypeError while the module
// loads. Defining the property instead of assigning it is not affected by the prototype.

import type { Plugin } from 'vite';

/** The minified `namespace.toString = function;` assignment. */
const TO_STRING_ASSIGNMENT = /\b([A-Za-z_$][\w$]*)\.toString=([A-Za-z_$][\w$]*);/g;

/** Matches the ES module build of xterm.js, the file Vite bundles. */
const XTERM_MODULE = /[\\/]@xterm[\\/]xterm[\\/]lib[\\/]xterm\.mjs$/;

/**
 * Rewrites the one `toString` assignment of xterm.js into `Object.defineProperty`. Throws when
 * the code has no such assignment or several, so an xterm.js upgrade that changes the code fails
 * the build instead of the terminal.
 */
export function patchXtermForFrozenPrototype(code: string): string {
  const found = [...code.matchAll(TO_STRING_ASSIGNMENT)].length;
  if (found !== 1) {
    throw new Error(
      `expected one "x.toString=y;" assignment in @xterm/xterm, found ${found}; check whether ` +
        'this xterm.js version still breaks under a frozen Object.prototype and update the patch',
    );
  }
  return code.replace(
    TO_STRING_ASSIGNMENT,
    (_assignment, target: string, value: string) =>
      `Object.defineProperty(${target},"toString",{value:${value},writable:!0,configurable:!0,enumerable:!0});`,
  );
}

/**
 * Applies `patchXtermForFrozenPrototype` to xterm.js. The dev server must not pre-bundle
 * `@xterm/xterm` (`optimizeDeps.exclude`), because plugins do not see pre-bundled code.
 */
export function xtermFrozenPrototype(): Plugin {
  return {
    name: 'homeport-xterm-frozen-prototype',
    transform(code, id) {
      if (!XTERM_MODULE.test(id)) {
        return null;
      }
      return { code: patchXtermForFrozenPrototype(code), map: null };
    },
  };
}
