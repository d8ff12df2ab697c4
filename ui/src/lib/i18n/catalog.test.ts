import { getMessageFormatter } from 'svelte-i18n';
import { describe, expect, it } from 'vitest';
import typesSource from '../ipc/types.ts?raw';
import { HOST_STATES } from '../fleet';
import { ERROR_CODES, ERROR_PARAMS } from '../ipc/errorCodes';
import { IMPORT_PROBLEM_KINDS, IMPORT_PROBLEM_PARAMS } from '../sshImport';
import en from './en.json';
import zhCN from './zh-CN.json';

type Catalog = { [key: string]: string | Catalog };

const catalogs: Record<string, Catalog> = { en, 'zh-CN': zhCN };

/** Flattens nested catalog objects into dotted keys, as svelte-i18n looks them up. */
function flatten(catalog: Catalog, prefix = ''): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [key, value] of Object.entries(catalog)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'string') {
      entries.set(path, value);
    } else {
      for (const [nestedKey, nestedValue] of flatten(value, path)) {
        entries.set(nestedKey, nestedValue);
      }
    }
  }
  return entries;
}

/** Returns the argument names of an ICU message, such as `host` in `{host}` or `{max, number}`. */
function placeholders(message: string): string[] {
  const names = [...message.matchAll(/\{\s*([A-Za-z_]\w*)\s*[,}]/g)].map((match) => match[1]);
  return [...new Set(names)].sort();
}

/** Reads the members of `export type ErrorCode = "A" | "B" …` from the generated bindings. */
function errorCodesFromTypes(source: string): string[] {
  const declaration = /export type ErrorCode =([^;]+);/.exec(source);
  if (!declaration) {
    throw new Error('types.ts has no `export type ErrorCode = …;` declaration');
  }
  return [...declaration[1].matchAll(/"([^"]+)"/g)].map((match) => match[1]);
}

const flat = Object.fromEntries(
  Object.entries(catalogs).map(([locale, catalog]) => [locale, flatten(catalog)]),
);

describe('message catalogs', () => {
  it('have the same keys in every locale', () => {
    const [first, ...rest] = Object.keys(flat);
    for (const locale of rest) {
      const missingHere = [...flat[first].keys()].filter((key) => !flat[locale].has(key));
      const missingInFirst = [...flat[locale].keys()].filter((key) => !flat[first].has(key));
      expect(missingHere, `keys in ${first} but not in ${locale}`).toEqual([]);
      expect(missingInFirst, `keys in ${locale} but not in ${first}`).toEqual([]);
    }
  });

  it('use the same placeholders in every locale', () => {
    for (const [key, message] of flat.en) {
      const translated = flat['zh-CN'].get(key);
      if (translated !== undefined) {
        expect(placeholders(translated), `placeholders of ${key}`).toEqual(placeholders(message));
      }
    }
  });

  it('contain only valid ICU messages', () => {
    for (const [locale, entries] of Object.entries(flat)) {
      for (const [key, message] of entries) {
        expect(() => getMessageFormatter(message, locale), `${locale} ${key}`).not.toThrow();
        expect(message.trim(), `${locale} ${key} is empty`).not.toBe('');
      }
    }
  });
});

describe('error messages', () => {
  it('list every ErrorCode of types.ts', () => {
    expect([...ERROR_CODES].sort()).toEqual(errorCodesFromTypes(typesSource).sort());
  });

  for (const locale of Object.keys(catalogs)) {
    it(`exist for every code in ${locale}`, () => {
      for (const code of errorCodesFromTypes(typesSource)) {
        expect(flat[locale].has(`error.${code}`), `error.${code} in ${locale}`).toBe(true);
      }
    });

    it(`use only params the backend sends in ${locale}`, () => {
      for (const code of ERROR_CODES) {
        const message = flat[locale].get(`error.${code}`) ?? '';
        const allowed: readonly string[] = ERROR_PARAMS[code];
        for (const name of placeholders(message)) {
          expect(allowed, `error.${code} in ${locale} uses {${name}}`).toContain(name);
        }
      }
    });
  }

  it('name both fingerprints and the risk for HostKeyChanged', () => {
    for (const locale of Object.keys(catalogs)) {
      const message = flat[locale].get('error.HostKeyChanged') ?? '';
      expect(placeholders(message)).toEqual(
        expect.arrayContaining(['fingerprint', 'oldFingerprint']),
      );
    }
    expect(flat.en.get('error.HostKeyChanged')).toMatch(/man-in-the-middle/);
    expect(flat['zh-CN'].get('error.HostKeyChanged')).toMatch(/中间人攻击/);
  });
});

describe('fleet and import messages', () => {
  for (const locale of Object.keys(catalogs)) {
    it(`name every host state in ${locale}`, () => {
      for (const state of HOST_STATES) {
        expect(flat[locale].has(`fleet.state.${state}`), `fleet.state.${state} in ${locale}`).toBe(true);
      }
    });

    it(`word every import problem with its params in ${locale}`, () => {
      for (const kind of IMPORT_PROBLEM_KINDS) {
        const message = flat[locale].get(`importProblem.${kind}`);
        expect(message, `importProblem.${kind} in ${locale}`).toBeDefined();
        const allowed: readonly string[] = IMPORT_PROBLEM_PARAMS[kind];
        expect(placeholders(message ?? ''), `placeholders of importProblem.${kind}`).toEqual([...allowed].sort());
      }
    });
  }

  it('cover every import problem kind the backend documents', () => {
    const documented = [
      'unsupportedMatch',
      'configWarning',
      'identityFileMissing',
      'identityFileIsDirectory',
      'identityFileIsPublicKey',
      'keyEncrypted',
      'noCredentials',
      'aliasIsAddress',
      'proxyCommandIgnored',
      'invalid',
      'trustedKeyDiffers',
      'jumpChainTooLong',
      'sameAsLocalEngine',
      'namedPipe',
      'tlsVerifyOff',
      'tlsCaMissing',
      'tlsFileMissing',
      'plainHttp',
    ];
    expect([...IMPORT_PROBLEM_KINDS].sort()).toEqual(documented.sort());
  });
});
