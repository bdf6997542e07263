// Bindings: POST/GET /v1/bindings, GET/PATCH/DELETE /v1/bindings/{id}.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { BindingPatch, NewBinding } from '../../bindings/model.ts';
import { AppError } from '../../errors.ts';
import { type RouteContext, e164, owned } from '../context.ts';
import { BindingList, BindingParams, BindingView, CreateBindingBody, FindBindingsQuery, PatchBindingBody } from '../schemas/bindings.ts';
import { bearer, IdempotencyHeaders, withErrors } from '../schemas/common.ts';
import { bindingView } from '../views.ts';

const tags = ['bindings'];
const DEFAULT_GROUP = 'default';

export function registerBindingRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { bindings, metrics, defaultCountryCode: cc } = ctx;

  app.post<{ Body: CreateBindingBody }>(
    '/v1/bindings',
    {
      schema: {
        tags,
        summary: 'Bind parties to a privacy number (200 with the existing binding when the same live pair is bound again)',
        security: bearer,
        headers: IdempotencyHeaders,
        body: CreateBindingBody,
        response: withErrors({ 201: Type.Ref(BindingView), 200: Type.Ref(BindingView) }),
      },
    },
    async (request, reply) => {
      const body = request.body;
      const tenant = request.tenant;
      const a = e164(body.a, 'a', cc);
      const b = body.b === undefined ? undefined : e164(body.b, 'b', cc);
      if (body.mode === 'AXN' && b !== undefined) throw new AppError('PN_ERR_VALIDATION', { message: 'b is not used in AXN mode', field: 'b' });
      if (body.mode !== 'AXN' && b === undefined) throw new AppError('PN_ERR_VALIDATION', { message: `b is required in ${body.mode} mode`, field: 'b' });
      if (b !== undefined && a === b) throw new AppError('PN_ERR_VALIDATION', { message: 'a and b must differ', field: 'b' });
      let group = body.group;
      let x: string | undefined;
      const refused = (err: unknown): unknown => {
        if (err instanceof AppError && (err.code === 'PN_ERR_POOL_EXHAUSTED' || err.code === 'PN_ERR_X_UNAVAILABLE')) {
          metrics.allocationFailures.inc({ tenant, code: err.code });
        }
        return err;
      };
      if (body.x !== undefined) {
        x = e164(body.x, 'x', cc);
        // A requested X must be one of the tenant's own numbers; others' numbers look unavailable.
        const n = await bindings.getNumber(x);
        if (n === null || n.tenant !== tenant || (group !== undefined && n.group !== group)) {
          throw refused(new AppError('PN_ERR_X_UNAVAILABLE', { message: 'x is not a number of your pool', field: 'x' }));
        }
        group ??= n.group;
      }
      const req: NewBinding = {
        tenant,
        group: group ?? DEFAULT_GROUP,
        mode: body.mode,
        a,
        ttlSeconds: body.ttlSeconds,
        ...(b !== undefined && { b }),
        ...(x !== undefined && { x }),
        ...(body.areaCode !== undefined && { areaCode: body.areaCode }),
        ...(body.areaMatch !== undefined && { areaMatch: body.areaMatch }),
        ...(body.releaseAfterCallSeconds !== undefined && { releaseAfterCallSeconds: body.releaseAfterCallSeconds }),
        ...(body.maxCallSeconds !== undefined && { maxCallSeconds: body.maxCallSeconds }),
        ...(body.callRestriction !== undefined && { callRestriction: body.callRestriction }),
        ...(body.record !== undefined && { record: body.record }),
        ...(body.outId !== undefined && { outId: body.outId }),
        ...(body.metadata !== undefined && { metadata: body.metadata }),
      };
      try {
        const { binding, created } = await bindings.bind(req);
        if (created) metrics.bindingsCreated.inc({ tenant, mode: binding.mode });
        return reply.code(created ? 201 : 200).send(bindingView(binding));
      } catch (err) {
        throw refused(err);
      }
    },
  );

  app.get<{ Querystring: FindBindingsQuery }>(
    '/v1/bindings',
    { schema: { tags, summary: 'Find live bindings by party and/or privacy number', security: bearer, querystring: FindBindingsQuery, response: withErrors({ 200: BindingList }) } },
    async (request) => {
      const { party, x } = request.query;
      if (party === undefined && x === undefined) throw new AppError('PN_ERR_VALIDATION', { message: 'party or x is required', field: 'party' });
      const found = await bindings.find({
        tenant: request.tenant,
        ...(party !== undefined && { party: e164(party, 'party', cc) }),
        ...(x !== undefined && { x: e164(x, 'x', cc) }),
      });
      return { items: found.filter((b) => b.tenant === request.tenant).map(bindingView) };
    },
  );

  app.get<{ Params: BindingParams }>(
    '/v1/bindings/:id',
    { schema: { tags, summary: 'Get a binding', security: bearer, params: BindingParams, response: withErrors({ 200: Type.Ref(BindingView) }) } },
    async (request) => bindingView(owned(await bindings.get(request.params.id), request.tenant, 'PN_ERR_BINDING_NOT_FOUND')),
  );

  app.patch<{ Params: BindingParams; Body: PatchBindingBody }>(
    '/v1/bindings/:id',
    { schema: { tags, summary: 'Change expiry, B, call restriction or max call duration', security: bearer, params: BindingParams, body: PatchBindingBody, response: withErrors({ 200: Type.Ref(BindingView) }) } },
    async (request) => {
      const current = owned(await bindings.get(request.params.id), request.tenant, 'PN_ERR_BINDING_NOT_FOUND');
      const body = request.body;
      const patch: BindingPatch = {};
      if (body.b !== undefined) {
        if (current.mode === 'AXN') throw new AppError('PN_ERR_VALIDATION', { message: 'b is not used in AXN mode', field: 'b' });
        patch.b = e164(body.b, 'b', cc);
        if (patch.b === current.a) throw new AppError('PN_ERR_VALIDATION', { message: 'a and b must differ', field: 'b' });
      }
      if (body.ttlSeconds !== undefined) patch.ttlSeconds = body.ttlSeconds;
      if (body.callRestriction !== undefined) patch.callRestriction = body.callRestriction;
      if (body.maxCallSeconds !== undefined) patch.maxCallSeconds = body.maxCallSeconds;
      return bindingView(await bindings.update(current.id, patch));
    },
  );

  app.delete<{ Params: BindingParams }>(
    '/v1/bindings/:id',
    { schema: { tags, summary: 'Release a binding (when the call in progress ends, if any)', security: bearer, params: BindingParams, response: withErrors({ 204: Type.Null() }) } },
    async (request, reply) => {
      const binding = owned(await bindings.get(request.params.id), request.tenant, 'PN_ERR_BINDING_NOT_FOUND');
      // The store reports the release through its onReleased hook (binding.released webhook, metric).
      await bindings.unbind(binding.id);
      return reply.code(204).send();
    },
  );
}
