import { createContextKey, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ChainedContext } from '../src/tracing/ChainedContext.js';

const a = createContextKey('a');
const b = createContextKey('b');

describe('ChainedContext', () => {
  it('reads what was set, newest first, and never changes a context once made', () => {
    const one = ChainedContext.empty.setValue(a, 1);
    const two = one.setValue(b, 2).setValue(a, 3);
    expect(ChainedContext.empty.getValue(a)).toBeUndefined();
    expect(one.getValue(a)).toBe(1);
    expect(one.getValue(b)).toBeUndefined();
    expect(two.getValue(a)).toBe(3);
    expect(two.getValue(b)).toBe(2);
  });

  it('deletes as the API contexts do: the key reads undefined, the parent keeps it', () => {
    const set = ChainedContext.empty.setValue(a, 1).setValue(b, 2);
    const deleted = set.deleteValue(a);
    expect(deleted.getValue(a)).toBeUndefined();
    expect(deleted.getValue(b)).toBe(2);
    expect(set.getValue(a)).toBe(1);
    expect(ChainedContext.empty.deleteValue(a)).toBe(ChainedContext.empty);
  });

  it('folds a long chain into the API contexts with the same values', () => {
    const keys = Array.from({ length: 40 }, (_, i) => createContextKey(`k${i}`));
    let context = ChainedContext.empty.setValue(a, 'first');
    keys.forEach((key, i) => {
      context = context.setValue(key, i);
      if (i === 20) context = context.deleteValue(a).setValue(b, 'b');
    });
    expect(context.getValue(a)).toBeUndefined();
    expect(context.getValue(b)).toBe('b');
    keys.forEach((key, i) => expect(context.getValue(key)).toBe(i));
    expect(context).not.toBeInstanceOf(ChainedContext);
  });

  it('carries a span context through a propagator as ROOT_CONTEXT does', () => {
    const w3c = new W3CTraceContextPropagator();
    const headers = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    const getter = { get: (carrier: Record<string, string>, key: string) => carrier[key], keys: (carrier: Record<string, string>) => Object.keys(carrier) };
    const ours = trace.getSpanContext(w3c.extract(ChainedContext.empty, headers, getter));
    expect(ours).toEqual(trace.getSpanContext(w3c.extract(ROOT_CONTEXT, headers, getter)));
    propagation.setGlobalPropagator(w3c);
    try {
      const withSpan = trace.setSpanContext(ChainedContext.empty, ours!);
      const carried: Record<string, string> = {};
      propagation.inject(withSpan, carried);
      expect(carried).toEqual(headers);
      const deleted: Record<string, string> = {};
      propagation.inject(trace.deleteSpan(withSpan), deleted);
      expect(deleted).toEqual({});
    } finally {
      propagation.disable();
    }
  });
});
