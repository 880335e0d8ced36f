import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { HopbusError } from '@hopbus/core';
import { CorruptLogError } from '@hopbus/log';
import { groupHeadsPath, readGroupHeads, serializeGroupHeads } from '../src/groupHeadsFile.js';
import type { GroupHeads } from '../src/groupHeadsFile.js';
import {
  groupFileName,
  groupOfFile,
  groupOffsetsPath,
  maxGroupNameBytes,
  newGroupEpoch,
  readAllGroupOffsets,
  readGroupOffsetsFile,
  validateGroupName,
  writeGroupOffsets,
} from '../src/groupOffsetsFile.js';
import { nodeFileSystem } from '../src/FileSystem.js';
import { tempDir } from './support/tempDir.js';

// A group's committed position and its heads are what a restart resumes from: a wrong read sends
// a group back (redelivery) or forward (loss).

let dir: string;
let remove: () => void;
beforeEach(() => ({ dir, remove } = tempDir('groups')));
afterEach(() => remove());

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HopbusError);
    expect((error as HopbusError).code).toBe('config');
    return (error as Error).message;
  }
  return 'accepted';
}

describe('group file names', () => {
  it('uses a plain name as it is and any other in hex, and reads both back', () => {
    expect(groupFileName('orders_v2-A')).toBe('orders_v2-A.offsets');
    expect(groupFileName('a.b')).toBe(`~${Buffer.from('a.b').toString('hex')}.offsets`);
    expect(groupFileName('zé')).toBe('~7ac3a9.offsets');
    for (const group of ['orders_v2-A', 'a.b', 'zé', '~x', 'p'.repeat(maxGroupNameBytes)]) expect(groupOfFile(groupFileName(group))).toBe(group);
    expect(groupOffsetsPath('/t', 'g')).toBe(join('/t', 'groups', 'g.offsets'));
    expect(groupHeadsPath('/t', 'a.b')).toBe(join('/t', 'groups', '~612e62.heads'));
  });

  it('reads no group from a file that is not an offsets file or not a name it writes', () => {
    for (const file of ['g.heads', 'payments_group.heads', '~x61.offsets', '~61x.offsets', 'g.offsets.tmp', 'a.b.offsets', '.offsets', '~.offsets', '~6.offsets', '~zz.offsets', '~6G.offsets', 'x~61.offsets']) {
      expect(groupOfFile(file)).toBeUndefined();
    }
    expect(groupOfFile('~61.offsets')).toBe('a');
  });

  it('takes 1 to 100 bytes of UTF-8 and refuses the rest with a config error', () => {
    expect(configError(() => validateGroupName('g'))).toBe('accepted');
    expect(configError(() => validateGroupName('é'.repeat(50)))).toBe('accepted');
    expect(configError(() => validateGroupName(''))).toBe('The consumer group name is empty. Give the subscription a group (by default it is the actor name).');
    const long = 'é'.repeat(51);
    expect(configError(() => groupFileName(long))).toBe(
      `The consumer group name ${JSON.stringify('é'.repeat(40))}… is 102 bytes long; the log allows at most 100 bytes of UTF-8 (it names a file). Give the subscription a shorter group (the group option of @Subscribe, or a shorter actor name).`,
    );
    expect(configError(() => validateGroupName('x'.repeat(101)))).toMatch(/^The consumer group name "x{40}"… is 101 bytes long/);
    expect(configError(() => validateGroupName('€'.repeat(34)))).toMatch(/^The consumer group name "€{34}" is 102 bytes long/);
  });

  it('makes epochs that do not repeat', () => {
    const epochs = new Set(Array.from({ length: 50 }, newGroupEpoch));
    expect(epochs.size).toBe(50);
    for (const epoch of epochs) expect(epoch).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('group offsets files', () => {
  const topicDir = (): string => join(dir, 'topic');

  function writeRaw(group: string, json: string, crc = crc32c(json).toString(16).padStart(8, '0')): string {
    const path = groupOffsetsPath(topicDir(), group);
    mkdirSync(join(topicDir(), 'groups'), { recursive: true });
    writeFileSync(path, `${json}\n${crc}\n`);
    return path;
  }

  function corruption(path: string): string {
    try {
      readGroupOffsetsFile(nodeFileSystem, path);
    } catch (error) {
      expect(error).toBeInstanceOf(CorruptLogError);
      expect((error as CorruptLogError).file).toBe(path);
      expect((error as CorruptLogError).position).toBe(0);
      return (error as Error).message;
    }
    return 'accepted';
  }

  it('writes one JSON line and its CRC32C, and reads back what it wrote', async () => {
    await writeGroupOffsets(nodeFileSystem, topicDir(), { group: 'a.b', offsets: [0, 5, 2 ** 40], updatedAt: 123, epoch: 'e1' }, false);
    const path = groupOffsetsPath(topicDir(), 'a.b');
    const [json, crc, end] = readFileSync(path, 'utf8').split('\n');
    expect(JSON.parse(json!)).toEqual({ version: 1, group: 'a.b', offsets: [0, 5, 2 ** 40], updatedAt: 123, epoch: 'e1' });
    expect(crc).toBe(crc32c(json!).toString(16).padStart(8, '0'));
    expect(end).toBe('');
    expect(readGroupOffsetsFile(nodeFileSystem, path)).toEqual({ group: 'a.b', offsets: [0, 5, 2 ** 40], updatedAt: 123, epoch: 'e1' });
    await writeGroupOffsets(nodeFileSystem, topicDir(), { group: 'a.b', offsets: [1], updatedAt: 124 }, true);
    expect(readGroupOffsetsFile(nodeFileSystem, path)).toEqual({ group: 'a.b', offsets: [1], updatedAt: 124, epoch: undefined });
    expect(readdirSync(join(topicDir(), 'groups'))).toEqual([groupFileName('a.b')]);
  });

  it('reads a file without epoch or time, and ignores an epoch or time of the wrong type', () => {
    expect(readGroupOffsetsFile(nodeFileSystem, writeRaw('g', '{"group":"g","offsets":[]}'))).toEqual({ group: 'g', offsets: [], updatedAt: 0, epoch: undefined });
    expect(readGroupOffsetsFile(nodeFileSystem, writeRaw('g', '{"group":"g","offsets":[3],"updatedAt":"9","epoch":7}'))).toEqual({ group: 'g', offsets: [3], updatedAt: 0, epoch: undefined });
  });

  it('refuses a file whose CRC does not match, that is not JSON, or that lacks a group or sane offsets', () => {
    expect(corruption(writeRaw('g', '{"group":"g","offsets":[1]}', '00000000'))).toMatch(/group offsets fail their CRC32C/);
    const notJson = writeRaw('g', '{"group":"g",');
    expect(corruption(notJson)).toMatch(/group offsets are not valid JSON/);
    expect(() => readGroupOffsetsFile(nodeFileSystem, notJson)).toThrow(expect.objectContaining({ cause: expect.any(SyntaxError) }));
    for (const bad of ['{"offsets":[1]}', '{"group":1,"offsets":[1]}', '{"group":"g"}', '{"group":"g","offsets":{"0":1}}', '{"group":"g","offsets":[-1]}', '{"group":"g","offsets":[1.5]}', '{"group":"g","offsets":[9007199254740992]}', '{"group":"g","offsets":["1"]}', '{"group":"g","offsets":[1,-2]}']) {
      expect(corruption(writeRaw('g', bad))).toMatch(/group offsets lack a group name or offsets/);
    }
    expect(corruption(writeRaw('g', '{"group":"g","offsets":[0,0]}'))).toBe('accepted');
  });

  it('pads the CRC to 8 hex digits, as it checks it', async () => {
    // A position whose CRC has a leading zero digit: an unpadded CRC would be 7 digits or fewer.
    let updatedAt = 0;
    const jsonOf = (at: number): string => JSON.stringify({ version: 1, group: 'g', offsets: [1], updatedAt: at });
    while (crc32c(jsonOf(updatedAt)) >= 0x10000000) updatedAt++;
    await writeGroupOffsets(nodeFileSystem, topicDir(), { group: 'g', offsets: [1], updatedAt }, false);
    const path = groupOffsetsPath(topicDir(), 'g');
    expect(readFileSync(path, 'utf8').split('\n')[1]).toMatch(/^0[0-9a-f]{7}$/);
    expect(readGroupOffsetsFile(nodeFileSystem, path).updatedAt).toBe(updatedAt);
    const json = jsonOf(updatedAt);
    expect(corruption(writeRaw('g', json, crc32c(json).toString(16)))).toMatch(/fail their CRC32C/);
  });

  it('reads every group of a topic, skips other files, and leaves a damaged one to the caller', async () => {
    expect(readAllGroupOffsets(nodeFileSystem, topicDir())).toEqual([]);
    mkdirSync(join(topicDir(), 'groups'), { recursive: true });
    expect(readAllGroupOffsets(nodeFileSystem, topicDir())).toEqual([]);
    await writeGroupOffsets(nodeFileSystem, topicDir(), { group: 'one', offsets: [1], updatedAt: 1 }, false);
    await writeGroupOffsets(nodeFileSystem, topicDir(), { group: 'two', offsets: [2], updatedAt: 2 }, false);
    writeFileSync(join(topicDir(), 'groups', 'one.heads'), 'not offsets');
    expect(readAllGroupOffsets(nodeFileSystem, topicDir()).map((g) => g.group).sort()).toEqual(['one', 'two']);
    const bad = writeRaw('three', '{"group":"three","offsets":[3]}', 'ffffffff');
    expect(() => readAllGroupOffsets(nodeFileSystem, topicDir())).toThrow(CorruptLogError);
    const told: CorruptLogError[] = [];
    expect(readAllGroupOffsets(nodeFileSystem, topicDir(), (error) => told.push(error)).map((g) => g.group).sort()).toEqual(['one', 'two']);
    expect(told.map((e) => e.file)).toEqual([bad]);
  });
});

describe('group heads files', () => {
  const path = (): string => join(dir, 'g.heads');
  const write = (value: unknown): void => writeFileSync(path(), typeof value === 'string' ? value : JSON.stringify(value));

  it('reads back what it wrote, under the same epoch only', () => {
    const heads: GroupHeads = {
      partitions: [
        { committed: 4, suspects: [{ offset: 4, runs: 2, out: true }, { offset: 6, runs: 0, out: false }] },
        { committed: 0, suspects: [] },
      ],
      clean: false,
      epoch: 'e1',
    };
    const text = serializeGroupHeads(heads);
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({ version: 2, partitions: [{ committed: 4, suspects: [[4, 2, 1], [6, 0, 0]] }, { committed: 0, suspects: [] }], clean: false, epoch: 'e1' });
    write(text);
    expect(readGroupHeads(nodeFileSystem, path(), 'e1')).toEqual(heads);
    expect(readGroupHeads(nodeFileSystem, path(), 'e2')).toBeUndefined();
    write(serializeGroupHeads({ ...heads, clean: true }));
    expect(readGroupHeads(nodeFileSystem, path(), 'e1')?.clean).toBe(true);
  });

  it('reads version 1 files as at most one suspect per partition', () => {
    write({ version: 1, clean: false, epoch: 'e', heads: [{ offset: 3, runs: 1, handedOut: false }, { offset: 8, runs: 0, handedOut: true }, { offset: 2, runs: 0, handedOut: false }] });
    expect(readGroupHeads(nodeFileSystem, path(), 'e')).toEqual({
      partitions: [
        { committed: 3, suspects: [{ offset: 3, runs: 1, out: false }] },
        { committed: 8, suspects: [{ offset: 8, runs: 0, out: true }] },
        { committed: 2, suspects: [] },
      ],
      clean: false,
      epoch: 'e',
    });
  });

  it('reads nothing from a missing, unreadable or malformed file', () => {
    expect(readGroupHeads(nodeFileSystem, path(), 'e')).toBeUndefined();
    const v2 = (partitions: unknown, extra: object = {}): object => ({ version: 2, clean: true, epoch: 'e', partitions, ...extra });
    const bad: unknown[] = [
      '{',
      v2([], { clean: 'yes' }),
      v2([], { version: 3 }),
      v2({}),
      v2([null]),
      v2([{ committed: -1, suspects: [] }]),
      v2([{ committed: 1.5, suspects: [] }]),
      v2([{ committed: 1 }]),
      v2([{ committed: 1, suspects: [{ offset: 1 }] }]),
      v2([{ committed: 1, suspects: [[-1, 0, 0]] }]),
      v2([{ committed: 1, suspects: [[1, 0.5, 0]] }]),
      v2([{ committed: 1, suspects: [[1, 0, 2]] }]),
      v2([{ committed: 1, suspects: [[1, 0, true]] }]),
      { version: 1, clean: true, epoch: 'e', heads: {} },
      { version: 1, clean: true, epoch: 'e', heads: [null] },
      { version: 1, clean: true, epoch: 'e', heads: [{ offset: -1, runs: 0, handedOut: false }] },
      { version: 1, clean: true, epoch: 'e', heads: [{ offset: 1, runs: -1, handedOut: false }] },
      { version: 1, clean: true, epoch: 'e', heads: [{ offset: 1, runs: 0, handedOut: 0 }] },
    ];
    for (const value of bad) {
      write(value);
      expect([value, readGroupHeads(nodeFileSystem, path(), 'e')]).toEqual([value, undefined]);
    }
    write(v2([{ committed: 1, suspects: [[1, 0, 1]] }]));
    expect(readGroupHeads(nodeFileSystem, path(), 'e')).toEqual({ partitions: [{ committed: 1, suspects: [{ offset: 1, runs: 0, out: true }] }], clean: true, epoch: 'e' });
  });
});
