import { describe, expect, it } from 'vitest';
import type { ImportCandidateView, ImportProblemView } from './ipc/types';
import {
  aliasesToApply,
  candidatesByAlias,
  importCount,
  importFilesFromForm,
  importProblemText,
  initialSelection,
  isImportable,
  jumpChain,
  parsePathList,
  requiredJumpHosts,
} from './sshImport';

function candidate(alias: string, overrides: Partial<ImportCandidateView> = {}): ImportCandidateView {
  return {
    alias,
    name: alias,
    address: `${alias}.lan`,
    port: 22,
    user: 'admin',
    auth: 'key',
    keyPath: '/home/me/.ssh/id_ed25519',
    jumpAlias: null,
    action: 'new',
    hostId: null,
    hostKey: 'known',
    hostKeyFingerprint: 'SHA256:abc',
    problems: [],
    recommended: true,
    origin: 'sshConfig',
    context: null,
    current: false,
    kind: 'ssh',
    dockerSocket: null,
    tls: null,
    ...overrides,
  };
}

function problem(kind: string, params: Record<string, string>, blocking = false): ImportProblemView {
  return { kind, params, message: `english ${kind}`, blocking };
}

/** Formats like svelte-i18n would, showing the key and the values it got. */
function format(id: string, options?: { values: Record<string, string> }): string {
  return options ? `${id} ${JSON.stringify(options.values)}` : `<${id}>`;
}

describe('importProblemText', () => {
  it('passes the params of a known kind', () => {
    const text = importProblemText(problem('identityFileMissing', { path: '/k' }), format);
    expect(text).toBe('importProblem.identityFileMissing {"path":"/k"}');
  });

  it('fills a missing param with unknown', () => {
    const text = importProblemText(problem('unsupportedMatch', { file: '/c', line: '3' }), format);
    expect(text).toBe('importProblem.unsupportedMatch {"file":"/c","line":"3","criterion":"<common.unknown>"}');
  });

  it('ignores params the message does not use', () => {
    const text = importProblemText(problem('noCredentials', { extra: 'x' }), format);
    expect(text).toBe('importProblem.noCredentials {}');
  });

  it('shows the English message for an unknown kind', () => {
    expect(importProblemText(problem('somethingNew', {}), format)).toBe('english somethingNew');
  });
});

describe('import files', () => {
  it('parses one path per line', () => {
    expect(parsePathList(' /a/known_hosts \n\n/b/known_hosts\r\n')).toEqual(['/a/known_hosts', '/b/known_hosts']);
  });

  it('turns empty fields into the defaults', () => {
    expect(importFilesFromForm('  ', ' \n ')).toEqual({ config: null, knownHosts: null });
  });

  it('trims the config path', () => {
    expect(importFilesFromForm(' /tmp/ssh/config ', '/tmp/kh')).toEqual({
      config: '/tmp/ssh/config',
      knownHosts: ['/tmp/kh'],
    });
  });
});

describe('jump hosts', () => {
  const bastion = candidate('bastion');
  const middle = candidate('middle', { jumpAlias: 'bastion' });
  const inner = candidate('inner', { jumpAlias: 'middle' });
  const all = [bastion, middle, inner];

  it('lists the chain nearest first', () => {
    expect(jumpChain(inner, candidatesByAlias(all)).map((jump) => jump.alias)).toEqual(['middle', 'bastion']);
  });

  it('stops at a loop', () => {
    const a = candidate('a', { jumpAlias: 'b' });
    const b = candidate('b', { jumpAlias: 'a' });
    expect(jumpChain(a, candidatesByAlias([a, b])).map((jump) => jump.alias)).toEqual(['b']);
  });

  it('stops at an alias the preview does not offer', () => {
    const lone = candidate('lone', { jumpAlias: 'missing' });
    expect(jumpChain(lone, candidatesByAlias([lone]))).toEqual([]);
  });

  it('maps each needed jump host to the first host that needs it', () => {
    const required = requiredJumpHosts(all, new Set(['inner']));
    expect([...required]).toEqual([
      ['middle', 'inner'],
      ['bastion', 'inner'],
    ]);
  });

  it('needs no jump host when nothing is selected', () => {
    expect(requiredJumpHosts(all, new Set()).size).toBe(0);
  });

  it('counts the jump hosts an import brings along', () => {
    expect(importCount(all, new Set(['inner']))).toBe(3);
    expect(importCount(all, new Set(['bastion']))).toBe(1);
  });
});

describe('selection', () => {
  it('ticks recommended hosts only', () => {
    const candidates = [candidate('a'), candidate('b', { recommended: false })];
    expect([...initialSelection(candidates)]).toEqual(['a']);
  });

  it('never ticks a host with a blocking problem', () => {
    const blocked = candidate('bad', { problems: [problem('invalid', { field: 'name' }, true)] });
    expect(initialSelection([blocked]).size).toBe(0);
    expect(isImportable(blocked, candidatesByAlias([blocked]))).toBe(false);
  });

  it('blocks a host whose jump host is blocked', () => {
    const bastion = candidate('bastion', { problems: [problem('jumpChainTooLong', {}, true)] });
    const inner = candidate('inner', { jumpAlias: 'bastion' });
    const byAlias = candidatesByAlias([bastion, inner]);
    expect(isImportable(inner, byAlias)).toBe(false);
    expect(initialSelection([bastion, inner]).size).toBe(0);
  });

  it('keeps a host with only non-blocking problems importable', () => {
    const warned = candidate('warned', { problems: [problem('aliasIsAddress', {})], recommended: false });
    expect(isImportable(warned, candidatesByAlias([warned]))).toBe(true);
  });

  it('applies ticked importable hosts in preview order', () => {
    const blocked = candidate('bad', { problems: [problem('invalid', {}, true)] });
    const candidates = [candidate('a'), blocked, candidate('b')];
    expect(aliasesToApply(candidates, new Set(['b', 'bad', 'a']))).toEqual(['a', 'b']);
  });
});
