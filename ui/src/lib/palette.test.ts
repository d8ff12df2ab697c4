import { describe, expect, it } from 'vitest';
import {
  matchScore,
  moveSelection,
  rankEntries,
  readShortcut,
  MAX_RESULTS,
  type KeyPress,
  type PaletteEntry,
} from './palette';

function press(key: string, modifiers: Partial<KeyPress> = {}): KeyPress {
  return { key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...modifiers };
}

const entries: PaletteEntry[] = [
  { id: 'screen:hosts', kind: 'screen', label: 'Hosts' },
  { id: 'action:add-host', kind: 'action', label: 'Add host', keywords: ['new server'] },
  { id: 'host:1', kind: 'host', label: 'nas', detail: '192.168.1.10' },
  { id: 'host:2', kind: 'host', label: 'hostinger-vps' },
  { id: 'container:1', kind: 'container', label: 'nginx-proxy', detail: 'nas' },
  { id: 'stack:1', kind: 'stack', label: 'monitoring', detail: 'nas' },
];

describe('matchScore', () => {
  it('orders exact, prefix, word start, substring, subsequence', () => {
    const scores = [
      matchScore('nginx', 'nginx'),
      matchScore('nginx-proxy', 'nginx'),
      matchScore('my-nginx', 'nginx'),
      matchScore('mynginx', 'nginx'),
      matchScore('n-g-i-n-x', 'nginx'),
    ];
    for (let i = 1; i < scores.length; i++) {
      expect(scores[i]).toBeLessThan(scores[i - 1]);
    }
    expect(scores[4]).toBeGreaterThan(0);
  });

  it('ignores case and surrounding spaces', () => {
    expect(matchScore('Hosts', '  hOsTs ')).toBe(100);
  });

  it('returns 0 when letters are missing', () => {
    expect(matchScore('nas', 'nax')).toBe(0);
  });

  it('matches Chinese text by substring', () => {
    expect(matchScore('打开收件箱', '收件')).toBeGreaterThan(0);
  });
});

describe('rankEntries', () => {
  it('lists actions and screens first for an empty query', () => {
    const ranked = rankEntries(entries, '');
    expect(ranked.map((entry) => entry.kind).slice(0, 2)).toEqual(['action', 'screen']);
    expect(ranked).toHaveLength(entries.length);
  });

  it('puts the exact label before prefix matches', () => {
    const ranked = rankEntries(entries, 'hosts');
    expect(ranked[0].id).toBe('screen:hosts');
  });

  it('finds entries by detail and keywords', () => {
    expect(rankEntries(entries, '192.168').map((entry) => entry.id)).toEqual(['host:1']);
    expect(rankEntries(entries, 'new server').map((entry) => entry.id)).toEqual(['action:add-host']);
  });

  it('ranks a label match above a detail match', () => {
    const ranked = rankEntries(entries, 'nas').map((entry) => entry.id);
    expect(ranked[0]).toBe('host:1');
    expect(ranked).toContain('container:1');
  });

  it('drops entries that do not match', () => {
    expect(rankEntries(entries, 'zzz')).toEqual([]);
  });

  it('stops at the limit', () => {
    const many = Array.from({ length: MAX_RESULTS + 20 }, (_, index) => ({
      id: `container:${index}`,
      kind: 'container' as const,
      label: `app-${index}`,
    }));
    expect(rankEntries(many, 'app')).toHaveLength(MAX_RESULTS);
  });
});

describe('moveSelection', () => {
  it('wraps at both ends', () => {
    expect(moveSelection(2, 1, 3)).toBe(0);
    expect(moveSelection(0, -1, 3)).toBe(2);
  });

  it('starts at the first or last row', () => {
    expect(moveSelection(-1, 1, 3)).toBe(0);
    expect(moveSelection(-1, -1, 3)).toBe(2);
  });

  it('returns -1 for an empty list', () => {
    expect(moveSelection(0, 1, 0)).toBe(-1);
  });
});

describe('readShortcut', () => {
  it('opens the palette with Ctrl-K and Cmd-K', () => {
    expect(readShortcut(press('k', { ctrlKey: true }), false)).toEqual({ kind: 'palette' });
    expect(readShortcut(press('K', { metaKey: true }), true)).toEqual({ kind: 'palette' });
  });

  it('maps Ctrl-1 to 9 to the sidebar screens', () => {
    expect(readShortcut(press('1', { ctrlKey: true }), false)).toEqual({ kind: 'screen', screen: 'fleet' });
    expect(readShortcut(press('9', { metaKey: true }), false)).toEqual({ kind: 'screen', screen: 'rollout' });
    expect(readShortcut(press('0', { ctrlKey: true }), false)).toBeNull();
  });

  it('opens Settings with Ctrl-comma', () => {
    expect(readShortcut(press(',', { ctrlKey: true }), false)).toEqual({ kind: 'settings' });
  });

  it('shows help with ? only outside text fields', () => {
    expect(readShortcut(press('?', { shiftKey: true }), false)).toEqual({ kind: 'help' });
    expect(readShortcut(press('?', { shiftKey: true }), true)).toBeNull();
  });

  it('ignores Ctrl-Shift and Alt combinations', () => {
    expect(readShortcut(press('k', { ctrlKey: true, shiftKey: true }), false)).toBeNull();
    expect(readShortcut(press('1', { ctrlKey: true, altKey: true }), false)).toBeNull();
  });

  it('ignores plain letters', () => {
    expect(readShortcut(press('k'), false)).toBeNull();
  });
});
