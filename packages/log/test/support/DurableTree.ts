import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A change to a file's bytes that no fsync has made durable yet. */
type FileChange = { readonly seq: number; readonly kind: 'write'; readonly position: number; readonly bytes: Buffer } | { readonly seq: number; readonly kind: 'truncate'; readonly length: number };

/** A change to a folder's entries that no fsync of the folder has made durable yet. */
type EntryChange =
  | { readonly seq: number; readonly kind: 'link'; readonly name: string; readonly node: TreeNode }
  | { readonly seq: number; readonly kind: 'unlink'; readonly name: string }
  | { readonly seq: number; readonly kind: 'rename'; readonly from: string; readonly to: string; readonly node: TreeNode };

export class FileNode {
  readonly kind = 'file';
  /** Changes since the durable image, in the order they were made. */
  pending: FileChange[] = [];
  /** What stable storage holds. */
  constructor(public durable: Buffer) {}
}

export class DirNode {
  readonly kind = 'dir';
  /** The entries as programs see them now (the real folder). */
  readonly current = new Map<string, TreeNode>();
  /** The entries stable storage holds. */
  durable = new Map<string, TreeNode>();
  pending: EntryChange[] = [];
}

export type TreeNode = FileNode | DirNode;

/** The unit a disk writes whole: a torn write keeps whole sectors. */
const sectorBytes = 512;

/** How a power cut treats what was not synced: lose all of it, or keep a random prefix of the changes (the last one torn at a sector boundary). */
export type CutMode = 'drop' | 'tear';

/** The image of a file or folder after a power cut. */
type Image = Buffer | Map<string, Image>;

function applyFileChange(content: Buffer, change: FileChange): Buffer {
  if (change.kind === 'truncate') {
    if (change.length <= content.byteLength) return content.subarray(0, change.length);
    return Buffer.concat([content, Buffer.alloc(change.length - content.byteLength)]);
  }
  const end = change.position + change.bytes.byteLength;
  const out = Buffer.alloc(Math.max(content.byteLength, end));
  content.copy(out);
  change.bytes.copy(out, change.position);
  return out;
}

function applyEntryChange(entries: Map<string, TreeNode>, change: EntryChange): void {
  if (change.kind === 'link') entries.set(change.name, change.node);
  else if (change.kind === 'unlink') entries.delete(change.name);
  else {
    entries.delete(change.from);
    entries.set(change.to, change.node);
  }
}

/**
 * What a folder tree holds in memory and on stable storage, as a kernel with a write-back cache
 * would: every write, truncate, create, rename and unlink is kept as a pending change of its
 * file or folder until an fsync of that file (its bytes) or folder (its entries) makes it
 * durable. A file's fsync does not make its name durable, nor a folder's fsync its files' bytes.
 */
export class DurableTree {
  private seq = 0;
  readonly root: DirNode;

  /** The tree as it is on disk under `dir` now, all of it durable. */
  constructor(readonly dir: string) {
    this.root = DurableTree.scan(dir);
  }

  private static scan(dir: string): DirNode {
    const node = new DirNode();
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const child: TreeNode = statSync(path).isDirectory() ? DurableTree.scan(path) : new FileNode(readFileSync(path));
      node.current.set(name, child);
      node.durable.set(name, child);
    }
    return node;
  }

  /** A stamp for "every change made so far": what an fsync starting now covers. */
  stamp(): number {
    return this.seq;
  }

  /** The node at `parts` (path segments below the root) as programs see it now, or (`durable`) as a power cut in 'drop' mode would leave it. */
  lookup(parts: readonly string[], durable = false): TreeNode | undefined {
    let node: TreeNode = this.root;
    for (const part of parts) {
      const next: TreeNode | undefined = node.kind === 'dir' ? (durable ? node.durable : node.current).get(part) : undefined;
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  /** The folder holding `parts`; throws when it is not known (changed behind the tree's back). */
  parentOf(parts: readonly string[]): DirNode {
    const parent = this.lookup(parts.slice(0, -1));
    if (parent?.kind !== 'dir') throw new Error(`DurableTree: no folder for ${parts.join('/')} (was the tree changed behind its back?)`);
    return parent;
  }

  link(parent: DirNode, name: string, node: TreeNode): void {
    parent.current.set(name, node);
    parent.pending.push({ seq: ++this.seq, kind: 'link', name, node });
  }

  unlink(parent: DirNode, name: string): void {
    parent.current.delete(name);
    parent.pending.push({ seq: ++this.seq, kind: 'unlink', name });
  }

  rename(fromParent: DirNode, from: string, toParent: DirNode, to: string): void {
    const node = fromParent.current.get(from);
    if (!node) throw new Error(`DurableTree: rename of unknown ${from}`);
    if (fromParent === toParent) {
      fromParent.current.delete(from);
      fromParent.current.set(to, node);
      fromParent.pending.push({ seq: ++this.seq, kind: 'rename', from, to, node });
    } else {
      this.link(toParent, to, node);
      this.unlink(fromParent, from);
    }
  }

  write(file: FileNode, position: number, bytes: Buffer): void {
    file.pending.push({ seq: ++this.seq, kind: 'write', position, bytes: Buffer.from(bytes) });
  }

  truncate(file: FileNode, length: number): void {
    file.pending.push({ seq: ++this.seq, kind: 'truncate', length });
  }

  /** An fsync that started at `stamp` completed: what was changed before it is durable. */
  sync(node: TreeNode, stamp: number): void {
    if (node.kind === 'file') {
      const done = node.pending.filter((c) => c.seq <= stamp);
      node.pending = node.pending.filter((c) => c.seq > stamp);
      for (const change of done) node.durable = applyFileChange(node.durable, change);
    } else {
      const done = node.pending.filter((c) => c.seq <= stamp);
      node.pending = node.pending.filter((c) => c.seq > stamp);
      const entries = new Map(node.durable);
      for (const change of done) applyEntryChange(entries, change);
      node.durable = entries;
    }
  }

  /** Bytes or entries changed and not yet synced in the node at `parts`, and whether its name is durable in its folder. */
  status(parts: readonly string[]): { readonly exists: boolean; readonly unsyncedChanges: number; readonly nameDurable: boolean } {
    const node = this.lookup(parts);
    if (!node) return { exists: false, unsyncedChanges: 0, nameDurable: false };
    return { exists: true, unsyncedChanges: node.pending.length, nameDurable: this.lookup(parts, true) === node };
  }

  /** What the node at `parts` would hold after a power cut in 'drop' mode: bytes, entry names, or nothing. */
  durableImage(parts: readonly string[]): Buffer | string[] | undefined {
    const node = this.lookup(parts, true);
    if (!node) return undefined;
    return node.kind === 'file' ? node.durable : [...node.durable.keys()].sort();
  }

  /** The tree a power cut leaves: durable state, and in 'tear' mode a random prefix of each node's pending changes. */
  private imageOf(node: TreeNode, mode: CutMode, random: () => number): Image {
    if (node.kind === 'file') {
      let content = node.durable;
      if (mode === 'tear' && node.pending.length > 0) {
        const kept = Math.floor(random() * (node.pending.length + 1));
        for (const change of node.pending.slice(0, kept)) content = applyFileChange(content, change);
        const torn = node.pending[kept];
        if (torn?.kind === 'write') {
          // Disks write whole sectors: a torn write keeps the sectors it reached, never part of one.
          const reached = torn.position + Math.floor(random() * torn.bytes.byteLength);
          const kept = Math.max(0, Math.floor(reached / sectorBytes) * sectorBytes - torn.position);
          content = applyFileChange(content, { ...torn, bytes: torn.bytes.subarray(0, kept) });
        }
      }
      return content;
    }
    const entries = new Map(node.durable);
    if (mode === 'tear') for (const change of node.pending.slice(0, Math.floor(random() * (node.pending.length + 1)))) applyEntryChange(entries, change);
    const image = new Map<string, Image>();
    for (const [name, child] of entries) image.set(name, this.imageOf(child, mode, random));
    return image;
  }

  /**
   * Makes the folder on disk what a power cut would leave of it. Every file under it must be
   * closed. A reboot takes time: what is left was last modified `rebootMs` before now.
   */
  cut(mode: CutMode, random: () => number, rebootMs: number): void {
    const image = this.imageOf(this.root, mode, random);
    for (const name of readdirSync(this.dir)) rmSync(join(this.dir, name), { recursive: true, force: true });
    const before = new Date(Date.now() - rebootMs);
    const write = (dir: string, entries: Map<string, Image>): void => {
      for (const [name, child] of entries) {
        const path = join(dir, name);
        if (Buffer.isBuffer(child)) writeFileSync(path, child, { mode: 0o600 });
        else {
          mkdirSync(path, { mode: 0o700 });
          write(path, child);
        }
        utimesSync(path, before, before);
      }
    };
    write(this.dir, image as Map<string, Image>);
  }
}
