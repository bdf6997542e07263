// Pool management: POST/GET /v1/numbers, PATCH/DELETE /v1/numbers/{number}, GET /v1/pool/stats.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { type RouteContext, e164, owned } from '../context.ts';
import { utilization } from '../metrics.ts';
import { bearer, IdempotencyHeaders, withErrors } from '../schemas/common.ts';
import {
  AddNumbersBody,
  AddNumbersReply,
  ListNumbersQuery,
  NumberList,
  NumberParams,
  NumberView,
  PatchNumberBody,
  PoolStatsQuery,
  PoolStatsReply,
} from '../schemas/numbers.ts';
import { numberView } from '../views.ts';

const tags = ['pool'];
const DEFAULT_GROUP = 'default';

export function registerNumberRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { bindings, defaultCountryCode: cc } = ctx;

  app.post<{ Body: AddNumbersBody }>(
    '/v1/numbers',
    { schema: { tags, summary: 'Add privacy numbers to the pool', security: bearer, headers: IdempotencyHeaders, body: AddNumbersBody, response: withErrors({ 201: AddNumbersReply }) } },
    async (request, reply) => {
      const { numbers, areaCode, group = DEFAULT_GROUP } = request.body;
      const normalised = numbers.map((n, i) => e164(n, `numbers.${i}`, cc));
      const unique = [...new Set(normalised)];
      const res = await bindings.addNumbers(unique.map((number) => ({ number, areaCode, tenant: request.tenant, group })));
      return reply.code(201).send(res);
    },
  );

  app.get<{ Querystring: ListNumbersQuery }>(
    '/v1/numbers',
    { schema: { tags, summary: 'List pool numbers', security: bearer, querystring: ListNumbersQuery, response: withErrors({ 200: NumberList }) } },
    async (request) => {
      const q = request.query;
      const page = await bindings.listNumbers({
        tenant: request.tenant,
        limit: q.limit ?? 100,
        ...(q.group !== undefined && { group: q.group }),
        ...(q.areaCode !== undefined && { areaCode: q.areaCode }),
        ...(q.status !== undefined && { status: q.status }),
        ...(q.cursor !== undefined && { cursor: q.cursor }),
      });
      const items = page.items.filter((n) => n.tenant === request.tenant).map(numberView);
      return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
    },
  );

  app.get<{ Params: NumberParams }>(
    '/v1/numbers/:number',
    { schema: { tags, summary: 'Get one pool number', security: bearer, params: NumberParams, response: withErrors({ 200: Type.Ref(NumberView) }) } },
    async (request) => {
      const number = e164(request.params.number, 'number', cc);
      return numberView(owned(await bindings.getNumber(number), request.tenant, 'PN_ERR_NUMBER_NOT_FOUND'));
    },
  );

  app.patch<{ Params: NumberParams; Body: PatchNumberBody }>(
    '/v1/numbers/:number',
    { schema: { tags, summary: 'Enable or disable a pool number', security: bearer, params: NumberParams, body: PatchNumberBody, response: withErrors({ 200: Type.Ref(NumberView) }) } },
    async (request) => {
      const number = e164(request.params.number, 'number', cc);
      owned(await bindings.getNumber(number), request.tenant, 'PN_ERR_NUMBER_NOT_FOUND');
      return numberView(await bindings.setNumberStatus(number, request.body.status));
    },
  );

  app.delete<{ Params: NumberParams }>(
    '/v1/numbers/:number',
    { schema: { tags, summary: 'Remove a pool number (409 while live bindings use it)', security: bearer, params: NumberParams, response: withErrors({ 204: Type.Null() }) } },
    async (request, reply) => {
      const number = e164(request.params.number, 'number', cc);
      owned(await bindings.getNumber(number), request.tenant, 'PN_ERR_NUMBER_NOT_FOUND');
      await bindings.removeNumber(number);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: PoolStatsQuery }>(
    '/v1/pool/stats',
    { schema: { tags, summary: 'Numbers, live bindings and utilization per group and area', security: bearer, querystring: PoolStatsQuery, response: withErrors({ 200: PoolStatsReply }) } },
    async (request) => {
      const rows = await bindings.poolStats({ tenant: request.tenant, ...(request.query.group !== undefined && { group: request.query.group }) });
      const items = rows
        .filter((r) => r.tenant === request.tenant)
        .map((r) => ({ group: r.group, areaCode: r.areaCode, numbers: r.numbers, activeNumbers: r.activeNumbers, liveBindings: r.liveBindings, utilization: utilization(r.liveBindings, r.activeNumbers) }));
      return { items };
    },
  );
}
