const dangerousKeys = /"(?:__proto__|constructor|prototype)"\s*:/;

function dropDangerousKeys(key: string, value: unknown): unknown {
  return key === '__proto__' || key === 'constructor' || key === 'prototype' ? undefined : value;
}

/**
 * JSON.parse that drops `__proto__`, `constructor` and `prototype` keys, so a payload merged
 * into another object later cannot pollute a prototype. The reviver runs only when the text
 * holds such a key: the common case costs one regular-expression scan.
 */
export function safeJsonParse(text: string): unknown {
  return dangerousKeys.test(text) ? JSON.parse(text, dropDangerousKeys) : JSON.parse(text);
}
