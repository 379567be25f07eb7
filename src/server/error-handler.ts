/**
 * The one error shape: every failure, from our code, Fastify or a plugin, becomes
 * `{"error": {"code", "message", "field"?, "line"?, "column"?}}` with the catalog's status.
 * No stack traces, never the whole input, always well under 4 KB.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type RebuyError, httpStatusOfCode, isRebuyError, quoteValue, type ErrorCode } from '../errors.js';
import { MAX_ERROR_FIELD, MAX_ERROR_MESSAGE, type ErrorBody } from './schemas.js';

export interface HttpError {
  status: number;
  body: ErrorBody;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function body(code: ErrorCode, message: string, extra: Omit<ErrorBody['error'], 'code' | 'message'> = {}): ErrorBody {
  const error: ErrorBody['error'] = { code, message: clip(message, MAX_ERROR_MESSAGE) };
  if (extra.field !== undefined) error.field = clip(extra.field, MAX_ERROR_FIELD);
  if (extra.line !== undefined && Number.isInteger(extra.line) && extra.line >= 1) error.line = extra.line;
  if (extra.column !== undefined) error.column = clip(extra.column, MAX_ERROR_FIELD);
  return { error };
}

function httpError(code: ErrorCode, message: string, extra: Omit<ErrorBody['error'], 'code' | 'message'> = {}): HttpError {
  return { status: httpStatusOfCode(code), body: body(code, message, extra) };
}

function fromRebuyError(err: RebuyError): HttpError {
  const status = err.httpStatus;
  if (status >= 500 && err.code !== 'NOT_READY' && err.code !== 'OVERLOADED') {
    return httpError('INTERNAL', 'internal server error');
  }
  const { field, line, column } = err.location;
  return httpError(err.code, err.message, { field, line, column });
}

/** `/customers/3/completion` → `customers[3].completion`; long names are cut. */
export function fieldPath(instancePath: string): string {
  if (instancePath === '') return '';
  let out = '';
  for (const raw of instancePath.slice(1).split('/')) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += (out === '' ? '' : '.') + (seg.length > 60 ? `${seg.slice(0, 60)}…` : seg);
  }
  return out;
}

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

function describeIssue(issue: AjvIssue): string {
  if (issue.keyword === 'type' && Array.isArray(issue.params?.type)) {
    const types = (issue.params.type as string[]).map((t) => (t === 'null' ? 'null' : `a ${t}`));
    return `must be ${types.slice(0, -1).join(', ')} or ${types.at(-1)}`;
  }
  return issue.message ?? 'is invalid';
}

function fromValidation(err: FastifyError): HttpError {
  const issues = (err.validation ?? []) as AjvIssue[];
  const issue = issues.find((i) => i.keyword !== 'if') ?? issues[0];
  const part = err.validationContext ?? 'body';
  if (!issue) return httpError('USAGE', `invalid ${part}`);
  const field = fieldPath(issue.instancePath);
  if (part !== 'body') {
    const name = field || (issue.params?.additionalProperty as string | undefined) || part;
    return httpError('USAGE', `${part} ${name}: ${describeIssue(issue)}`, { field: name });
  }
  if (issue.keyword === 'maxItems' && field === 'customers') {
    return httpError('PAYLOAD_TOO_LARGE', `too many customers in one batch: at most ${String(issue.params?.limit)}`, { field });
  }
  const where = field === '' ? 'body' : field;
  return httpError('INPUT_INVALID', `${where}: ${describeIssue(issue)}`, field ? { field } : {});
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED',
};

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'MALFORMED',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'NOT_READY',
};

function messageFor(code: ErrorCode, err: FastifyError, request?: FastifyRequest): string {
  switch (code) {
    case 'UNSUPPORTED_MEDIA_TYPE': {
      const type = request?.headers['content-type'];
      return type === undefined ? 'a Content-Type header is required' : `Content-Type ${quoteValue(type)} is not accepted here`;
    }
    case 'PAYLOAD_TOO_LARGE':
      return 'request body is too large';
    case 'MALFORMED':
      if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'the JSON body is empty';
      if (err.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return 'Content-Length does not match the body';
      if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
        const at = /position (\d+)/.exec(err.message);
        return `the body is not valid JSON${at ? ` (at position ${at[1]})` : ''}`;
      }
      return 'malformed request';
    default:
      return code.toLowerCase().replaceAll('_', ' ');
  }
}

/** Maps anything thrown while handling a request to a status and the one error body. */
export function toHttpError(err: unknown, request?: FastifyRequest): HttpError {
  if (isRebuyError(err)) return fromRebuyError(err);
  const fe = err as FastifyError;
  if (fe && Array.isArray(fe.validation)) return fromValidation(fe);
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = FASTIFY_CODES[fe.code] ?? CODE_BY_STATUS[status] ?? 'USAGE';
    return httpError(code, messageFor(code, fe, request));
  }
  return httpError('INTERNAL', 'internal server error');
}

export function sendError(reply: FastifyReply, { status, body: errorBody }: HttpError): FastifyReply {
  // A refused upload is not read on: close the connection once the answer is out.
  if (status === 413) reply.header('connection', 'close');
  return reply.code(status).send(errorBody);
}

/** What Node's HTTP parser refuses before Fastify sees a request, as status, code and message. */
function clientError(err: NodeJS.ErrnoException): HttpError {
  const status = (code: ErrorCode, http: number, message: string): HttpError => ({ status: http, body: body(code, message) });
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return status('HEADERS_TOO_LARGE', 431, 'the request headers are too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return status('REQUEST_TIMEOUT', 408, 'the request did not arrive in time');
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return status('MALFORMED', 400, 'the Content-Length header is not valid');
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CHUNK_SIZE':
      return status('MALFORMED', 400, 'the Transfer-Encoding of the request is not valid');
    default:
      return status('MALFORMED', 400, 'malformed HTTP request');
  }
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/**
 * Fastify's clientErrorHandler: errors of the HTTP parser (headers too large, a bad Content-Length)
 * answered in the one error shape, then the connection closed as Node would.
 */
export function handleClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, body: errorBody } = clientError(err);
  const text = JSON.stringify(errorBody);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy();
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const mapped = toHttpError(err, request);
    if (mapped.body.error.code === 'INTERNAL') request.log.error({ err }, 'request failed');
    return sendError(reply, mapped);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = (request.url.split('?')[0] ?? '').slice(0, 100);
    return sendError(reply, httpError('NOT_FOUND', `no route ${request.method} ${quoteValue(path)}`));
  });
}

export { httpError };
