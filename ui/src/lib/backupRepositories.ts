// The repository rows of the plan wizard: the kind of each location, the places that fit
// it, and the conversion to the plan's `RepositoryDefinition`.

import type { RepositoryDefinition, RepositoryPlace } from './ipc/types';

/** The kind of a repository location, from the prefix restic uses for it. */
export type LocationKind = 'local' | 'sftp' | 'rclone' | 's3';

/** The places the API accepts for each kind: a local path can only be a disk of the plan's host. */
const PLACES: Record<LocationKind, readonly RepositoryPlace[]> = {
  local: ['sourceDisk', 'otherDisk'],
  sftp: ['sameHost', 'sameSite', 'offsite'],
  rclone: ['sameHost', 'sameSite', 'offsite'],
  s3: ['sameHost', 'sameSite', 'offsite'],
};

/** One repository as the wizard edits it. Empty strings are fields the user left blank. */
export interface RepositoryRow {
  name: string;
  location: string;
  /** The local repository rclone copies from, or empty when restic backs up here directly. */
  copyFrom: string;
  /** Empty leaves the place unset, so the API assumes the worst case of the location's kind. */
  place: RepositoryPlace | '';
  /** Kilometres between the live data and this repository. Only an `offsite` place sends it. */
  distanceKm: number | null;
}

export function locationKind(location: string): LocationKind {
  const trimmed = location.trim();
  if (trimmed.startsWith('sftp:')) {
    return 'sftp';
  }
  if (trimmed.startsWith('rclone:')) {
    return 'rclone';
  }
  if (trimmed.startsWith('s3:')) {
    return 's3';
  }
  return 'local';
}

export function placesFor(location: string): readonly RepositoryPlace[] {
  return PLACES[locationKind(location)];
}

/** Returns the place the API assumes for an unset place: the worst case of the location's kind. */
export function assumedPlace(location: string): RepositoryPlace {
  switch (locationKind(location)) {
    case 'local':
      return 'sourceDisk';
    case 'sftp':
      return 'sameSite';
    default:
      return 'offsite';
  }
}

export function emptyRow(): RepositoryRow {
  return { name: '', location: '', copyFrom: '', place: '', distanceKm: null };
}

export function isBlankRow(row: RepositoryRow): boolean {
  return row.name.trim() === '' && row.location.trim() === '';
}

/**
 * Converts a row to the plan's definition. It drops a place that does not fit the location's
 * kind, a copy source of a location that is not rclone, and a distance of a place that is not
 * offsite. The wizard hides the inputs of these values, so the user cannot see them.
 */
export function rowToDefinition(row: RepositoryRow): RepositoryDefinition {
  const location = row.location.trim();
  const place = row.place !== '' && placesFor(location).includes(row.place) ? row.place : null;
  const copyFrom = locationKind(location) === 'rclone' && row.copyFrom !== '' ? row.copyFrom : null;
  const distanceKm =
    place === 'offsite' && typeof row.distanceKm === 'number' && Number.isFinite(row.distanceKm)
      ? row.distanceKm
      : null;
  return { name: row.name.trim(), location, copyFrom, place, distanceKm };
}

/** Converts a saved repository back to a row, for editing a plan. */
export function definitionToRow(definition: RepositoryDefinition): RepositoryRow {
  return {
    name: definition.name,
    location: definition.location,
    copyFrom: definition.copyFrom ?? '',
    place: definition.place ?? '',
    distanceKm: definition.distanceKm ?? null,
  };
}

/** Converts the rows that are not blank. Partly filled rows stay, so the API names the missing field. */
export function rowsToDefinitions(rows: readonly RepositoryRow[]): RepositoryDefinition[] {
  return rows.filter((row) => !isBlankRow(row)).map(rowToDefinition);
}

/** Lists the names of the other local repositories, which an rclone row can copy from. */
export function copySources(rows: readonly RepositoryRow[], index: number): string[] {
  return rows
    .filter((row, position) => position !== index && row.name.trim() !== '' && locationKind(row.location) === 'local')
    .map((row) => row.name.trim());
}

/**
 * Parses pasted `name location [copy-from]` lines into rows, one row a non-empty line. The
 * places stay unset.
 */
export function parseRepositoryLines(text: string): RepositoryRow[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [name, location = '', copyFrom = ''] = line.split(/\s+/);
      return { ...emptyRow(), name, location, copyFrom };
    });
}
