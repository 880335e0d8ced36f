import { newMessageId } from '@hopbus/core';

describe('newMessageId', () => {
  it('makes RFC 9562 UUIDv7 ids carrying the millisecond', () => {
    const at = Date.UTC(2026, 10, 25, 12, 0, 0);
    const id = newMessageId(at + 1_000_000);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at + 1_000_000);
  });

  it('makes ids that are unique and sort in the order they were made, even within one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => newMessageId());
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i - 1]! < ids[i]!).toBe(true);
  });
});
