import { describe, expect, it } from 'vitest';
import {
  CARD_HEIGHT,
  CARD_WIDTH,
  edgesOf,
  loadDraft,
  markerRange,
  markersFor,
  nameFromImage,
  placeCards,
  saveDraft,
  uniqueServiceName,
} from './builder';
import type { BuilderView, ComposeDiagnostic, ServiceCard } from './ipc/types';

function card(name: string, extra: Partial<ServiceCard> = {}): ServiceCard {
  return {
    name,
    image: 'nginx',
    ports: [],
    volumes: [],
    environment: [],
    networks: ['default'],
    dependsOn: [],
    cpus: null,
    memory: null,
    route: null,
    proxy: null,
    line: 1,
    ...extra,
  };
}

function viewOf(services: ServiceCard[], extra: Partial<BuilderView> = {}): BuilderView {
  return { services, networks: ['default'], volumes: [], proxy: null, routes: [], ...extra };
}

describe('placeCards', () => {
  it('keeps known positions and fills free cells', () => {
    const placed = placeCards(['a', 'b', 'c'], { a: { x: 20, y: 20 } });
    expect(placed.a).toEqual({ x: 20, y: 20 });
    expect(placed.b).not.toEqual(placed.a);
    expect(placed.c).not.toEqual(placed.b);
    for (const [one, two] of [
      ['a', 'b'],
      ['b', 'c'],
      ['a', 'c'],
    ]) {
      const apart =
        Math.abs(placed[one].x - placed[two].x) >= CARD_WIDTH || Math.abs(placed[one].y - placed[two].y) >= CARD_HEIGHT;
      expect(apart, `${one} and ${two} overlap`).toBe(true);
    }
  });

  it('drops removed services and honours a drop point', () => {
    const placed = placeCards(['b'], { a: { x: 1, y: 1 } }, { b: { x: 300, y: 90 } });
    expect(Object.keys(placed)).toEqual(['b']);
    expect(placed.b).toEqual({ x: 300, y: 90 });
  });
});

describe('edgesOf', () => {
  it('draws routes from the proxy and dependencies', () => {
    const view = viewOf([card('caddy', { proxy: 'caddy' }), card('app', { dependsOn: ['db', 'gone'] }), card('db')], {
      proxy: { service: 'caddy', kind: 'caddy' },
      routes: [{ service: 'app', hostname: 'app.lan', port: '80', internalTls: true }],
    });
    expect(edgesOf(view)).toEqual([
      { from: 'caddy', to: 'app', kind: 'route', label: 'app.lan' },
      { from: 'app', to: 'db', kind: 'dependsOn', label: '' },
    ]);
  });
});

describe('service names', () => {
  it('derives a name from the image', () => {
    expect(nameFromImage('lscr.io/linuxserver/sonarr:4')).toBe('sonarr');
    expect(nameFromImage('registry.local:5000/team/app@sha256:abc')).toBe('app');
    expect(nameFromImage('redis')).toBe('redis');
  });

  it('numbers a taken name', () => {
    const view = viewOf([card('redis'), card('redis-2')]);
    expect(uniqueServiceName(view, 'redis')).toBe('redis-3');
    expect(uniqueServiceName(view, 'My App')).toBe('my-app');
    expect(uniqueServiceName(null, '__')).toBe('app');
  });
});

describe('editor markers', () => {
  const diagnostic = (file: string, line: number, column: number): ComposeDiagnostic => ({
    file,
    line,
    column,
    severity: 'error',
    code: 'invalid_value',
    message: 'bad port',
    value: 'x',
    hint: 'use HOST:CONTAINER',
  });

  it('keeps the file and joins the hint', () => {
    const markers = markersFor([diagnostic('compose.yaml', 3, 7), diagnostic('.env', 1, 1)], 'compose.yaml');
    expect(markers).toEqual([{ line: 3, column: 7, severity: 'error', message: 'bad port. use HOST:CONTAINER' }]);
  });

  it('maps line and column to the word there', () => {
    const doc = 'services:\n  web:\n    ports: [abc, "1"]\n';
    const { from, to } = markerRange(doc, 3, 13);
    expect(doc.slice(from, to)).toBe('abc');
    expect(markerRange(doc, 0, 0)).toEqual({ from: 0, to: 9 });
    expect(markerRange(doc, 99, 1).from).toBeLessThanOrEqual(doc.length);
  });
});

describe('draft storage', () => {
  it('never keeps the .env text', () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (key: string) => store.get(key) ?? null,
      setItem: (key: string, value: string) => void store.set(key, value),
    } as unknown as Storage;
    saveDraft({ compose: 'services:\n', env: 'DB_PASSWORD=secret\n', files: [] }, storage);
    expect([...store.values()].join()).not.toContain('secret');
    expect(loadDraft(storage)).toEqual({ compose: 'services:\n', env: '', files: [] });
  });
});
