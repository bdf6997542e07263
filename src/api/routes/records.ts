// Call records: GET /v1/records?bindingId=&since=&until=, GET /v1/records/{id}.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';
import { recordView } from '../../records/view.ts';
import type { RouteContext } from '../context.ts';
import { bearer, withErrors } from '../schemas/common.ts';
import { ListRecordsQuery, RecordList, RecordParams, RecordView } from '../schemas/records.ts';

const tags = ['records'];

/** ISO 8601 or epoch ms → epoch ms, or a 400 naming the field. */
export function parseInstant(value: string, field: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new AppError('PN_ERR_VALIDATION', { message: `${field} must be an ISO 8601 date-time or epoch milliseconds`, field });
  return ms;
}

export function registerRecordRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { records } = ctx;

  app.get<{ Querystring: ListRecordsQuery }>(
    '/v1/records',
    { schema: { tags, summary: 'Call records, oldest first, since <= invitedAt < until', security: bearer, querystring: ListRecordsQuery, response: withErrors({ 200: RecordList }) } },
    async (request) => {
      const q = request.query;
      const since = q.since === undefined ? undefined : parseInstant(q.since, 'since');
      const until = q.until === undefined ? undefined : parseInstant(q.until, 'until');
      if (since !== undefined && until !== undefined && until <= since) throw new AppError('PN_ERR_VALIDATION', { message: 'until must be after since', field: 'until' });
      const page = await records.list({
        tenant: request.tenant,
        limit: q.limit ?? 100,
        ...(q.bindingId !== undefined && { bindingId: q.bindingId }),
        ...(since !== undefined && { since }),
        ...(until !== undefined && { until }),
        ...(q.cursor !== undefined && { cursor: q.cursor }),
      });
      const items = page.items.map(recordView);
      return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
    },
  );

  app.get<{ Params: RecordParams }>(
    '/v1/records/:id',
    { schema: { tags, summary: 'One call record', security: bearer, params: RecordParams, response: withErrors({ 200: Type.Ref(RecordView) }) } },
    async (request) => {
      const rec = await records.get(request.tenant, request.params.id);
      if (rec === null) throw new AppError('PN_ERR_NOT_FOUND', { message: 'call record not found' });
      return recordView(rec);
    },
  );
}
