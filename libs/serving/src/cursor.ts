/**
 * Opaque pagination cursors: base64url of a small JSON object, checked on the way back in so a
 * tampered or foreign cursor is a 400, never a query.
 */
/** A cursor this API did not issue: the client's mistake (400). */
export class CursorError extends Error {
  override name = 'CursorError';
  readonly statusCode = 400;
}

export function encodeCursor(kind: 'date' | 'portfolio', after: string): string {
  return Buffer.from(JSON.stringify({ k: kind, a: after })).toString('base64url');
}

export function decodeCursor(kind: 'date' | 'portfolio', cursor: string, valid: RegExp): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError(
      'cursor is not one this API issued; pass next_cursor from the previous page unchanged',
    );
  }
  const c = parsed as { k?: unknown; a?: unknown };
  if (c?.k !== kind || typeof c.a !== 'string' || !valid.test(c.a)) {
    throw new CursorError(
      'cursor is not one this API issued for this endpoint; pass next_cursor from the previous page unchanged',
    );
  }
  return c.a;
}
