import { describe, expect, it } from 'vitest';
import {
  assumedPlace,
  copySources,
  definitionToRow,
  emptyRow,
  locationKind,
  parseRepositoryLines,
  placesFor,
  rowToDefinition,
  rowsToDefinitions,
} from './backupRepositories';

describe('locationKind', () => {
  it('tells kinds apart by prefix', () => {
    expect(locationKind('/mnt/b')).toBe('local');
    expect(locationKind(' sftp:u@h:/b')).toBe('sftp');
    expect(locationKind('rclone:r:b')).toBe('rclone');
    expect(locationKind('s3:https://s/b')).toBe('s3');
    expect(locationKind('')).toBe('local');
  });
});

describe('placesFor and assumedPlace', () => {
  it('limits a local path to disks', () => {
    expect(placesFor('/mnt/b')).toEqual(['sourceDisk', 'otherDisk']);
    expect(assumedPlace('/mnt/b')).toBe('sourceDisk');
  });

  it('limits remote locations to other places', () => {
    for (const location of ['sftp:u@h:/b', 'rclone:r:b', 's3:https://s/b']) {
      expect(placesFor(location)).toEqual(['sameHost', 'sameSite', 'offsite']);
    }
  });

  it('assumes the worst case of each kind', () => {
    expect(assumedPlace('sftp:u@h:/b')).toBe('sameSite');
    expect(assumedPlace('rclone:r:b')).toBe('offsite');
    expect(assumedPlace('s3:https://s/b')).toBe('offsite');
  });
});

describe('rowToDefinition', () => {
  it('keeps an offsite distance', () => {
    const row = { name: ' cloud ', location: ' s3:https://s/b ', copyFrom: '', place: 'offsite' as const, distanceKm: 120 };
    expect(rowToDefinition(row)).toEqual({
      name: 'cloud',
      location: 's3:https://s/b',
      copyFrom: null,
      place: 'offsite',
      distanceKm: 120,
    });
  });

  it('drops a distance when the place is not offsite', () => {
    const row = { name: 'nas', location: 'sftp:u@h:/b', copyFrom: '', place: 'sameSite' as const, distanceKm: 5 };
    expect(rowToDefinition(row).distanceKm).toBeNull();
  });

  it('drops a place that does not fit the kind', () => {
    const row = { ...emptyRow(), name: 'disk', location: '/mnt/b', place: 'offsite' as const };
    expect(rowToDefinition(row).place).toBeNull();
  });

  it('keeps a copy source only for rclone', () => {
    expect(rowToDefinition({ ...emptyRow(), name: 'a', location: 'rclone:r:b', copyFrom: 'disk' }).copyFrom).toBe('disk');
    expect(rowToDefinition({ ...emptyRow(), name: 'a', location: 's3:https://s/b', copyFrom: 'disk' }).copyFrom).toBeNull();
  });

  it('sends an unset place as null', () => {
    expect(rowToDefinition({ ...emptyRow(), name: 'a', location: '/b' }).place).toBeNull();
  });
});

describe('rowsToDefinitions', () => {
  it('drops blank rows and keeps partly filled ones', () => {
    const rows = [emptyRow(), { ...emptyRow(), name: 'half' }, { ...emptyRow(), location: ' ' }];
    expect(rowsToDefinitions(rows).map((definition) => definition.name)).toEqual(['half']);
  });
});

describe('copySources', () => {
  it('lists the other named local repositories', () => {
    const rows = [
      { ...emptyRow(), name: 'disk', location: '/mnt/b' },
      { ...emptyRow(), name: 'usb', location: '/media/usb' },
      { ...emptyRow(), name: 'nas', location: 'sftp:u@h:/b' },
      { ...emptyRow(), name: '', location: '/tmp/x' },
      { ...emptyRow(), name: 'cloud', location: 'rclone:r:b' },
    ];
    expect(copySources(rows, 4)).toEqual(['disk', 'usb']);
    expect(copySources(rows, 0)).toEqual(['usb']);
  });
});

describe('parseRepositoryLines', () => {
  it('reads name, location and copy source', () => {
    const rows = parseRepositoryLines('disk /mnt/b\n\n  cloud rclone:r:b disk  ');
    expect(rows).toEqual([
      { name: 'disk', location: '/mnt/b', copyFrom: '', place: '', distanceKm: null },
      { name: 'cloud', location: 'rclone:r:b', copyFrom: 'disk', place: '', distanceKm: null },
    ]);
  });
});

describe('definitionToRow', () => {
  it('turns unset fields into blank inputs', () => {
    expect(definitionToRow({ name: 'disk', location: '/mnt/b' })).toEqual({
      name: 'disk',
      location: '/mnt/b',
      copyFrom: '',
      place: '',
      distanceKm: null,
    });
  });

  it('converts back to the same definition', () => {
    const definition = { name: 'cloud', location: 'rclone:b2:x', copyFrom: 'disk', place: 'offsite' as const, distanceKm: 300 };
    expect(rowToDefinition(definitionToRow(definition))).toEqual(definition);
  });
});
