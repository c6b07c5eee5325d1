import createError from '@fastify/error';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** The API's own client errors; like Fastify's and the libs' (AuthError 401, CursorError 400), each carries its status. */
export const BadRequest = createError<[string]>('FINLAKE_BAD_REQUEST', '%s', 400);
export const Forbidden = createError<[string]>('FINLAKE_FORBIDDEN', '%s', 403);

const NAMES: Record<number, string> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' };

/**
 * One rule for every error: a 4xx keeps its status and its message (it describes the request); anything
 * else is a 500 whose details go to the log, never to the caller.
 */
export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500)
    return reply.code(status).send({ error: NAMES[status] ?? 'bad_request', message: err.message });
  // A mart not published yet (MartNotPublished): the caller may retry later; the message says why.
  if (status === 503)
    return reply
      .code(503)
      .header('retry-after', '3600')
      .send({ error: 'not_published', message: err.message });
  req.log.error({ err }, 'request failed');
  return reply
    .code(500)
    .send({ error: 'internal_error', message: `request ${req.id} failed; it has been logged` });
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply) {
  return reply
    .code(404)
    .send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
}
