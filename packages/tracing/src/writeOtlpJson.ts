import { writeFile } from 'node:fs/promises';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { FlowSpan } from './FlowSpan.js';
import { flowSpanOf } from './flowSpanOf.js';
import { otlpJsonOf } from './otlpJsonOf.js';

/** Writes spans (from the SDK or plain) to `path` as one OTLP/JSON export request: what `hopbus flow` reads. */
export async function writeOtlpJson(path: string, spans: Iterable<ReadableSpan | FlowSpan>): Promise<void> {
  const plain = [...spans].map((span) => ('spanContext' in span ? flowSpanOf(span) : span));
  await writeFile(path, `${JSON.stringify(otlpJsonOf(plain))}\n`);
}
