import { constants } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { nodeFileSystem } from '../../src/FileSystem.js';
import { DirNode, DurableTree, FileNode } from './DurableTree.js';
import type { CutMode, TreeNode } from './DurableTree.js';

/** A descriptor the process holds, and what it stands for. */
interface OpenFile {
  readonly path: string;
  readonly node: TreeNode | undefined;
  /** O_DSYNC: each write returns once it is durable. */
  readonly syncWrites: boolean;
}

/**
 * The books CrashFileSystem keeps of the folder `dir`: each call that completed, told here by
 * path or descriptor, becomes a change of the DurableTree. Paths outside `dir` are not kept.
 */
export class DiskBooks {
  readonly dir: string;
  private tree: DurableTree;
  private readonly files = new Map<number, OpenFile>();

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.tree = new DurableTree(this.dir);
  }

  /** A stamp for "every change so far": what an fsync starting now covers. */
  stamp(): number {
    return this.tree.stamp();
  }

  /** Leaves on disk what a power cut would (closing every descriptor first); then books start over from there. */
  cut(mode: CutMode, random: () => number, rebootMs: number): void {
    for (const fd of this.files.keys()) nodeFileSystem.closeSync(fd);
    this.files.clear();
    this.tree.cut(mode, random, rebootMs);
    this.tree = new DurableTree(this.dir);
  }

  /** Of the file or folder at `path` now: whether it exists, its changes not yet synced, whether its name is durable. */
  status(path: string): { readonly exists: boolean; readonly unsyncedChanges: number; readonly nameDurable: boolean } {
    return this.tree.status(this.partsOf(path)!);
  }

  /** What `path` would hold after a power cut in 'drop' mode: its bytes, its entry names, or undefined. */
  durableImage(path: string): Buffer | string[] | undefined {
    return this.tree.durableImage(this.partsOf(path)!);
  }

  /** Path segments below `dir`; undefined for a path outside it (or `dir` itself: []). */
  private partsOf(path: string): string[] | undefined {
    const rel = relative(this.dir, resolve(path));
    if (rel === '') return [];
    if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
    return rel.split(sep);
  }

  opened(fd: number, path: string, flags: number): void {
    const parts = this.partsOf(path);
    let node: TreeNode | undefined;
    if (parts) {
      node = this.tree.lookup(parts);
      if (!node) {
        if ((flags & constants.O_CREAT) === 0) throw new Error(`CrashFileSystem: ${path} opened but not known (was it changed behind the test's back?)`);
        node = new FileNode(Buffer.alloc(0));
        this.tree.link(this.tree.parentOf(parts), parts[parts.length - 1]!, node);
      } else if (node.kind === 'file' && (flags & constants.O_TRUNC) !== 0) this.tree.truncate(node, 0);
    }
    this.files.set(fd, { path, node, syncWrites: (flags & constants.O_DSYNC) !== 0 });
  }

  /** A write completed; with `stamp`, an O_DSYNC write syncs as it returns. */
  wrote(fd: number, buffers: readonly Buffer[], position: number, written: number, stamp: (() => number) | undefined): void {
    const file = this.files.get(fd);
    if (file?.node?.kind !== 'file') return;
    this.tree.write(file.node, position, Buffer.concat(buffers).subarray(0, written));
    if (file.syncWrites && stamp) this.tree.sync(file.node, stamp());
  }

  pathOf(fd: number): string {
    return this.files.get(fd)?.path ?? '';
  }

  synced(fd: number, stamp: number): void {
    const node = this.files.get(fd)?.node;
    if (node) this.tree.sync(node, stamp);
  }

  renamed(from: string, to: string): void {
    const fromParts = this.partsOf(from);
    const toParts = this.partsOf(to);
    if (!fromParts || !toParts) return;
    const target = this.tree.parentOf(toParts);
    this.tree.rename(this.tree.parentOf(fromParts), fromParts[fromParts.length - 1]!, target, toParts[toParts.length - 1]!);
  }

  linked(existing: string, newPath: string): void {
    const from = this.partsOf(existing);
    const to = this.partsOf(newPath);
    if (!from || !to) return;
    const node = this.tree.lookup(from);
    if (node) this.tree.link(this.tree.parentOf(to), to[to.length - 1]!, node);
  }

  unlinked(path: string): void {
    const parts = this.partsOf(path);
    if (parts) this.tree.unlink(this.tree.parentOf(parts), parts[parts.length - 1]!);
  }

  madeDirs(path: string): void {
    const parts = this.partsOf(path);
    if (!parts) return;
    for (let i = 1; i <= parts.length; i++) {
      if (this.tree.lookup(parts.slice(0, i))) continue;
      this.tree.link(this.tree.parentOf(parts.slice(0, i)), parts[i - 1]!, new DirNode());
    }
  }

  /** A descriptor the process had open when the power went: not kept, only closed by the cut. */
  orphan(fd: number): void {
    this.files.set(fd, { path: '', node: undefined, syncWrites: false });
  }

  closed(fd: number): void {
    this.files.delete(fd);
  }

  truncated(fd: number, length: number): void {
    const node = this.files.get(fd)?.node;
    if (node?.kind === 'file') this.tree.truncate(node, length);
  }
}
