// Callbacks (click-to-call): POST /v1/calls, GET /v1/calls/{id}, DELETE /v1/calls/{id}.
// The flow itself is behind CallbackPort; without one the API still validates, then answers 503.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';
import type { CallbackPort, CallbackRequest } from '../callback-port.ts';
import { type RouteContext, e164, owned } from '../context.ts';
import { FeatureUnavailableError } from '../error-handler.ts';
import { CallAccepted, CallParams, CallView, StartCallBody } from '../schemas/calls.ts';
import { bearer, IdempotencyHeaders, withErrors } from '../schemas/common.ts';
import { callView } from '../views.ts';

const tags = ['calls'];

export function registerCallRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { bindings, defaultCountryCode: cc } = ctx;
  const port = (): CallbackPort => {
    if (!ctx.callbacks) throw new FeatureUnavailableError('callbacks are not enabled on this deployment');
    return ctx.callbacks;
  };

  app.post<{ Body: StartCallBody }>(
    '/v1/calls',
    {
      schema: {
        tags,
        summary: 'Start a callback: call A showing X, then B, and bridge them',
        security: bearer,
        headers: IdempotencyHeaders,
        body: StartCallBody,
        response: withErrors({ 202: CallAccepted }),
      },
    },
    async (request, reply) => {
      const body = request.body;
      const tenant = request.tenant;
      let req: CallbackRequest;
      if (body.bindingId !== undefined) {
        for (const f of ['a', 'b', 'x'] as const) {
          if (body[f] !== undefined) throw new AppError('PN_ERR_VALIDATION', { message: `${f} must not be given with bindingId`, field: f });
        }
        const binding = owned(await bindings.get(body.bindingId), tenant, 'PN_ERR_BINDING_NOT_FOUND');
        req = { tenant, bindingId: binding.id };
      } else {
        if (body.a === undefined) throw new AppError('PN_ERR_VALIDATION', { message: 'bindingId or a and b are required', field: 'a' });
        if (body.b === undefined) throw new AppError('PN_ERR_VALIDATION', { message: 'b is required with a', field: 'b' });
        const a = e164(body.a, 'a', cc);
        const b = e164(body.b, 'b', cc);
        if (a === b) throw new AppError('PN_ERR_VALIDATION', { message: 'a and b must differ', field: 'b' });
        req = { tenant, a, b };
        if (body.x !== undefined) {
          const x = e164(body.x, 'x', cc);
          const n = await bindings.getNumber(x);
          if (n === null || n.tenant !== tenant) throw new AppError('PN_ERR_X_UNAVAILABLE', { message: 'x is not a number of your pool', field: 'x' });
          req.x = x;
        }
      }
      const started = await port().start(req);
      return reply.code(202).send(started);
    },
  );

  app.get<{ Params: CallParams }>(
    '/v1/calls/:id',
    { schema: { tags, summary: 'State of a callback', security: bearer, params: CallParams, response: withErrors({ 200: Type.Ref(CallView) }) } },
    async (request) => {
      const state = await port().get(request.tenant, request.params.id);
      if (state === null || state.tenant !== request.tenant) throw new AppError('PN_ERR_NOT_FOUND', { message: 'call not found' });
      return callView(state);
    },
  );

  app.delete<{ Params: CallParams }>(
    '/v1/calls/:id',
    { schema: { tags, summary: 'Cancel a callback in progress', security: bearer, params: CallParams, response: withErrors({ 204: Type.Null() }) } },
    async (request, reply) => {
      const p = port();
      const state = await p.get(request.tenant, request.params.id);
      if (state === null || state.tenant !== request.tenant) throw new AppError('PN_ERR_NOT_FOUND', { message: 'call not found' });
      if (!(await p.cancel(request.tenant, state.id))) throw new AppError('PN_ERR_CONFLICT', { message: 'call has already ended' });
      return reply.code(204).send();
    },
  );
}
