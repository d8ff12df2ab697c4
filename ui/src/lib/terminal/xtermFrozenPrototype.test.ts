// @vitest-environment jsdom
import xtermSource from '@xterm/xterm/lib/xterm.mjs?raw';
import { describe, expect, it } from 'vitest';
import { patchXtermForFrozenPrototype } from '../../../vite-plugins/xtermFrozenPrototype';

/**
 * Loads xterm.js as a script in a new iframe whose Object.prototype is frozen, as Tauri's
 * `freezePrototype` leaves the app window, then writes to a terminal there. Returns the error
 * message, or null when everything worked.
 */
function loadInFrozenRealm(source: string): string | null {
  const exported = /export\s*\{\s*([\w$]+) as Terminal\s*\};?/.exec(source);
  if (!exported) {
    throw new Error('xterm.mjs no longer ends with `export{… as Terminal}`; update this test');
  }
  // Module code is strict, where the failing assignment throws instead of doing nothing.
  const script = `'use strict';\n${source.replace(exported[0], `window.__Terminal = ${exported[1]};`)}`;

  const frame = document.createElement('iframe');
  document.body.append(frame);
  const realm = frame.contentWindow as unknown as Window & {
    eval(code: string): unknown;
    __Terminal: new (options: object) => { write(data: string): void; dispose(): void };
  };
  try {
    realm.eval('Object.freeze(Object.prototype)');
    realm.eval(script);
    const terminal = new realm.__Terminal({ cols: 20, rows: 2 });
    terminal.write('你好');
    terminal.dispose();
    return null;
  } catch (error) {
    return String(error);
  } finally {
    frame.remove();
  }
}

describe('xterm.js under a frozen Object.prototype', () => {
  it('fails to load unpatched', () => {
    expect(loadInFrozenRealm(xtermSource)).toMatch(/read.?only|readonly/i);
  });

  it('loads and writes once patched', () => {
    expect(loadInFrozenRealm(patchXtermForFrozenPrototype(xtermSource))).toBeNull();
  });

  it('rejects code without exactly one toString assignment', () => {
    expect(() => patchXtermForFrozenPrototype('var a={};')).toThrow('found 0');
    expect(() => patchXtermForFrozenPrototype('a.toString=b;c.toString=d;')).toThrow('found 2');
  });
});
