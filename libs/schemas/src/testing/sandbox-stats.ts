import Type, { type Static } from 'typebox';

/**
 * What the FMP sandbox answers on `GET /__sandbox/stats`: the stand-in's side of the wire, read by the
 * tests that drive it over HTTP. Defined once here (a lib both the sandbox, a tool, and a lib's tests may
 * import), so the server's type and its readers' cannot drift; readers check answers against it.
 */
export const sandboxStatsSchema = Type.Object({
  requests: Type.Integer({ minimum: 0 }),
  byStatus: Type.Record(Type.String(), Type.Integer()),
  faults: Type.Record(Type.String(), Type.Integer()),
  /** Calls refused by the rate limiter (not injected 429s). */
  rateLimited: Type.Integer({ minimum: 0 }),
  /** The most accepted calls seen in any sliding window of the limiter's length. */
  maxCallsInAnyWindow: Type.Integer({ minimum: 0 }),
  firstCallAt: Type.Union([Type.Number(), Type.Null()]),
  lastCallAt: Type.Union([Type.Number(), Type.Null()]),
  /** sha256 of every 200 data body served, by `symbol|from|to`. */
  served: Type.Record(Type.String(), Type.Array(Type.String())),
});

export type SandboxStats = Static<typeof sandboxStatsSchema>;
