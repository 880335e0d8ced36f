/** The keys a naive deep merge follows into a prototype. */
const dangerousKeys = ['__proto__', 'constructor', 'prototype'] as const;

/**
 * True when the text may hold one of the dangerous keys: it has one of the names as they are, or
 * a `\u` escape, the only way JSON can spell a letter or `_` other than itself. A text without
 * either cannot parse to such a key; one with either is checked key by key after parsing.
 */
const mayHoldDangerousKey = /__proto__|constructor|prototype|\\u/;

/**
 * Deletes every own `__proto__`, `constructor` and `prototype` property, at any depth. Walks with
 * its own stack, so a deeply nested text (which JSON.parse accepts) cannot overflow the call stack.
 */
function dropDangerousKeys(root: object): void {
  // Only objects and arrays go on the stack: each push checks it.
  const pending: object[] = [root];
  while (pending.length > 0) {
    const value = pending.pop()!;
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) if (typeof item === 'object' && item !== null) pending.push(item);
      continue;
    }
    const object = value as Record<string, unknown>;
    for (const key of dangerousKeys) if (Object.hasOwn(object, key)) delete object[key];
    for (const key of Object.keys(object)) {
      const item = object[key];
      if (typeof item === 'object' && item !== null) pending.push(item);
    }
  }
}

/**
 * JSON.parse that drops every `__proto__`, `constructor` and `prototype` key, at any depth and
 * however the text spells it (`"\u005f_proto__"` is `__proto__`), so a payload merged into
 * another object later cannot reach a prototype. The rest of the value is kept. The decision is
 * made on the parsed keys; the common text, with neither those names nor a `\u` escape, costs
 * one regular-expression scan besides JSON.parse.
 */
export function safeJsonParse(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (typeof value === 'object' && value !== null && mayHoldDangerousKey.test(text)) dropDangerousKeys(value);
  return value;
}
