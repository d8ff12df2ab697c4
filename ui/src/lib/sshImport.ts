// Rules of the "Import from SSH config" dialog: which files to read, which hosts may be ticked,
// which jump hosts come along, and the translated text of each problem.

import type { ImportCandidateView, ImportFiles, ImportProblemView } from './ipc/types';

/**
 * Interpolation values the backend sends in `ImportProblemView.params` for each kind, as
 * `problem_view` in crates/homeport-api/src/import.rs fills them. The catalog test checks that
 * every `importProblem.<kind>` message uses only these names.
 */
export const IMPORT_PROBLEM_PARAMS = {
  unsupportedMatch: ['file', 'line', 'criterion'],
  configWarning: ['file', 'line', 'message'],
  identityFileMissing: ['path'],
  identityFileIsDirectory: ['path'],
  identityFileIsPublicKey: ['path'],
  keyEncrypted: ['path'],
  noCredentials: [],
  aliasIsAddress: [],
  proxyCommandIgnored: ['command'],
  invalid: ['field', 'value', 'reason'],
  trustedKeyDiffers: ['stored', 'knownHosts'],
  jumpChainTooLong: [],
  sameAsLocalEngine: ['socket'],
  namedPipe: ['path'],
  tlsVerifyOff: [],
  tlsCaMissing: [],
  tlsFileMissing: ['path'],
  plainHttp: [],
} as const satisfies Record<string, readonly string[]>;

export type ImportProblemKind = keyof typeof IMPORT_PROBLEM_PARAMS;

export const IMPORT_PROBLEM_KINDS = Object.keys(IMPORT_PROBLEM_PARAMS) as ImportProblemKind[];

function isProblemKind(kind: string): kind is ImportProblemKind {
  return Object.prototype.hasOwnProperty.call(IMPORT_PROBLEM_PARAMS, kind);
}

type Format = (id: string, options?: { values: Record<string, string> }) => string;

/**
 * Returns the sentence for one problem in the current language. Every name the message uses
 * gets a value, and a param the backend left out gets the translated "unknown". A kind newer
 * than this UI shows the backend's English `message`.
 */
export function importProblemText(problem: ImportProblemView, format: Format): string {
  if (!isProblemKind(problem.kind)) {
    return problem.message;
  }
  const values: Record<string, string> = {};
  for (const name of IMPORT_PROBLEM_PARAMS[problem.kind] as readonly string[]) {
    const value = problem.params[name];
    values[name] = value === undefined || value === '' ? format('common.unknown') : value;
  }
  return format(`importProblem.${problem.kind}`, { values });
}

/**
 * Splits the known_hosts field into paths, one per line. Returns null for an empty field,
 * which makes the backend read `~/.ssh/known_hosts` and `~/.ssh/known_hosts2`.
 */
export function parsePathList(text: string): string[] | null {
  const paths = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return paths.length === 0 ? null : paths;
}

/** What an import reads: the SSH configuration's hosts, or Docker contexts and DOCKER_HOST. */
export type ImportSourceKind = 'sshConfig' | 'docker';

/**
 * Builds the files argument from the dialog's fields. Empty fields select the user's own files.
 * A Docker import still reads the SSH configuration, to resolve `ssh://` contexts.
 */
export function importFilesFromForm(
  configPath: string,
  knownHostsPaths: string,
  source: ImportSourceKind = 'sshConfig',
  dockerConfigPath = '',
): ImportFiles {
  const config = configPath.trim();
  const files: ImportFiles = {
    config: config === '' ? null : config,
    knownHosts: parsePathList(knownHostsPaths),
  };
  if (source === 'docker') {
    const dockerConfig = dockerConfigPath.trim();
    files.docker = true;
    files.dockerConfig = dockerConfig === '' ? undefined : dockerConfig;
  }
  return files;
}

/** Returns where a candidate's engine is, as the target column shows it. */
export function candidateTarget(candidate: ImportCandidateView): string {
  const address = candidate.address.includes(':') ? `[${candidate.address}]` : candidate.address;
  switch (candidate.kind) {
    case 'socket':
    case 'local':
      return `unix://${candidate.dockerSocket ?? ''}`;
    case 'tcp':
      return `tcp://${address}:${candidate.port}`;
    default:
      return `${candidate.user}@${address}:${candidate.port}`;
  }
}

/**
 * Returns the jump hosts `candidate` is reached through, nearest first. Stops at an alias the
 * preview does not offer and at a loop, which the backend reports as `jumpChainTooLong`.
 */
export function jumpChain(
  candidate: ImportCandidateView,
  byAlias: ReadonlyMap<string, ImportCandidateView>,
): ImportCandidateView[] {
  const chain: ImportCandidateView[] = [];
  const seen = new Set([candidate.alias]);
  let next = candidate.jumpAlias;
  while (next !== null && !seen.has(next)) {
    const jump = byAlias.get(next);
    if (!jump) {
      break;
    }
    chain.push(jump);
    seen.add(next);
    next = jump.jumpAlias;
  }
  return chain;
}

export function candidatesByAlias(
  candidates: readonly ImportCandidateView[],
): Map<string, ImportCandidateView> {
  return new Map(candidates.map((candidate) => [candidate.alias, candidate]));
}

function hasBlockingProblem(candidate: ImportCandidateView): boolean {
  return candidate.problems.some((problem) => problem.blocking);
}

/**
 * Returns whether `candidate` can be imported: neither it nor a jump host it needs has a
 * blocking problem, because the backend imports the jump hosts too and rejects the whole
 * import otherwise.
 */
export function isImportable(
  candidate: ImportCandidateView,
  byAlias: ReadonlyMap<string, ImportCandidateView>,
): boolean {
  return (
    !hasBlockingProblem(candidate) && !jumpChain(candidate, byAlias).some(hasBlockingProblem)
  );
}

/** Returns the aliases ticked when a preview opens: the recommended hosts that can be imported. */
export function initialSelection(candidates: readonly ImportCandidateView[]): Set<string> {
  const byAlias = candidatesByAlias(candidates);
  return new Set(
    candidates
      .filter((candidate) => candidate.recommended && isImportable(candidate, byAlias))
      .map((candidate) => candidate.alias),
  );
}

/**
 * Returns the jump hosts that the selected hosts need, each mapped to the first selected host
 * (in preview order) that needs it. The backend imports these even when they are not ticked.
 */
export function requiredJumpHosts(
  candidates: readonly ImportCandidateView[],
  selected: ReadonlySet<string>,
): Map<string, string> {
  const byAlias = candidatesByAlias(candidates);
  const required = new Map<string, string>();
  for (const candidate of candidates) {
    if (!selected.has(candidate.alias)) {
      continue;
    }
    for (const jump of jumpChain(candidate, byAlias)) {
      if (!required.has(jump.alias)) {
        required.set(jump.alias, candidate.alias);
      }
    }
  }
  return required;
}

/** Returns the ticked aliases to send to `ssh_import_apply`, in preview order. */
export function aliasesToApply(
  candidates: readonly ImportCandidateView[],
  selected: ReadonlySet<string>,
): string[] {
  const byAlias = candidatesByAlias(candidates);
  return candidates
    .filter((candidate) => selected.has(candidate.alias) && isImportable(candidate, byAlias))
    .map((candidate) => candidate.alias);
}

/** Counts the hosts an import writes or reports: the ticked ones and the jump hosts they need. */
export function importCount(
  candidates: readonly ImportCandidateView[],
  selected: ReadonlySet<string>,
): number {
  const aliases = new Set(aliasesToApply(candidates, selected));
  for (const jump of requiredJumpHosts(candidates, new Set(aliases)).keys()) {
    aliases.add(jump);
  }
  return aliases.size;
}
