import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { PublishTrace } from '../src/tracing/PublishTrace.js';
import { endSafely, failSafely } from '../src/tracing/spanOutcome.js';
import type { OutgoingRecord } from '../src/transport/Transport.js';
import { spanDouble } from './spanDouble.js';
import { recordDiag, register, resetApi } from './tracingApi.js';

const record: OutgoingRecord = { id: 'p1', topic: 'pt.notes', headers: {}, data: new Uint8Array(2), timestamp: 1 };
const warning = (what: string): string => `hopbus: tracing failed while ${what}; the message goes on untraced.`;

afterEach(() => resetApi());

describe('PublishTrace', () => {
  it('ends its span once, whichever of end() and fail() comes first and however often', () => {
    const ended = spanDouble();
    const endedFirst = new PublishTrace(ended, ROOT_CONTEXT, 'memory');
    endedFirst.end();
    endedFirst.end();
    endedFirst.fail(new Error('late'));
    expect(ended.calls).toEqual(['end']);

    const failed = spanDouble();
    const failedFirst = new PublishTrace(failed, ROOT_CONTEXT, 'memory');
    failedFirst.fail(new Error('refused'));
    failedFirst.fail(new Error('again'));
    failedFirst.end();
    expect(failed.calls).toEqual(['isRecording', 'recordException', 'setAttribute', 'setStatus', 'end']);
  });

  it('sets no attribute on a span that does not record, and still carries its context', () => {
    register({ propagator: new W3CTraceContextPropagator() });
    const span = spanDouble({ recording: false });
    const carried = new PublishTrace(span, trace.setSpan(ROOT_CONTEXT, span), 'memory').carry(record);
    expect(carried.headers['traceparent']).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(span.calls).toEqual(['isRecording']);
  });

  it('hands the record on as it is, with a warning, when carrying fails', () => {
    const logged = recordDiag();
    const carried = new PublishTrace(spanDouble({ throwsAt: ['setAttribute'] }), ROOT_CONTEXT, 'memory').carry(record);
    expect(carried).toBe(record);
    expect(logged.messages).toEqual([warning('carrying a publish span')]);
  });
});

describe('ending a publish span', () => {
  it('warns instead of throwing when the span cannot end', () => {
    const logged = recordDiag();
    expect(() => endSafely(spanDouble({ throwsAt: ['end'] }))).not.toThrow();
    expect(logged.messages).toEqual([warning('ending a publish span')]);
  });

  it('records nothing on a span that does not record, and ends it', () => {
    const span = spanDouble({ recording: false });
    failSafely(span, new Error('refused'));
    expect(span.calls).toEqual(['isRecording', 'end']);
  });

  it('still ends the span when recording the failure throws', () => {
    const logged = recordDiag();
    const span = spanDouble({ throwsAt: ['recordException'] });
    failSafely(span, 'not an Error');
    expect(span.calls).toEqual(['isRecording', 'recordException', 'end']);
    expect(logged.messages).toEqual([warning('recording a publish failure')]);
  });
});
