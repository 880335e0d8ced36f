import { readAt } from './fileIo.js';
import { checkBatch } from './readBatch.js';
import type { Segment } from './Segment.js';

export interface ScanProblem {
  readonly position: number;
  readonly reason: string;
  /** The batch runs past the end of the file: a write that was cut short. */
  readonly torn: boolean;
}

export interface ScanResult {
  /** Position after the last valid batch. */
  readonly end: number;
  readonly problem: ScanProblem | undefined;
}

const chunkBytes = 1024 * 1024;

/**
 * Reads `segment` from byte `from` (a batch boundary holding offset `expectedOffset`) to
 * `fileSize`, in large sequential chunks, checking each batch (CRC, framing, offsets following
 * on). Updates the segment's nextOffset, timestamps and index entries as it goes, and stops at
 * the first bad batch, reporting it. Never throws for bad bytes; I/O errors reject.
 */
export async function scanSegment(
  segment: Segment,
  from: number,
  expectedOffset: number,
  fileSize: number,
  indexIntervalBytes: number,
  onBytes?: (bytes: number) => void,
  onBatch?: (position: number, baseOffset: number) => void,
): Promise<ScanResult> {
  let buf = Buffer.allocUnsafe(Math.min(chunkBytes, Math.max(64, fileSize - from)));
  let position = from;
  let expected = expectedOffset;
  while (position < fileSize) {
    const length = Math.min(buf.byteLength, fileSize - position);
    const got = await readAt(segment.fs, segment.fd, buf, length, position);
    if (got < length) return { end: position, problem: { position, reason: 'file ends early', torn: true } };
    let at = 0;
    for (;;) {
      const check = checkBatch(buf, at, got);
      if (check.kind === 'incomplete') {
        if (position + at + check.need > fileSize) {
          segment.size = position + at;
          return { end: position + at, problem: { position: position + at, reason: `partial batch (${fileSize - position - at} of ${check.need} bytes)`, torn: true } };
        }
        if (at === 0) buf = Buffer.allocUnsafe(check.need); // a batch bigger than the chunk: read it whole
        break;
      }
      if (check.kind === 'corrupt') {
        return { end: position + at, problem: { position: position + at, reason: check.reason, torn: false } };
      }
      const header = check.header;
      if (header.baseOffset !== expected) {
        return {
          end: position + at,
          problem: { position: position + at, reason: `batch starts at offset ${header.baseOffset}, expected ${expected}`, torn: false },
        };
      }
      const batchPosition = position + at;
      onBatch?.(batchPosition, header.baseOffset);
      if (batchPosition > 0 && batchPosition - segment.lastIndexedPosition >= indexIntervalBytes) segment.addEntry(header.baseOffset, batchPosition);
      expected = header.baseOffset + header.count;
      segment.nextOffset = expected;
      segment.firstTimestamp ??= header.firstTimestamp;
      if (header.maxTimestamp > segment.maxTimestamp) segment.maxTimestamp = header.maxTimestamp;
      at += header.bytes;
      segment.size = position + at;
      if (at >= got) break;
    }
    onBytes?.(at);
    position += at;
  }
  return { end: position, problem: undefined };
}
