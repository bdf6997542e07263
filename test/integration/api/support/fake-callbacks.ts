// An in-memory CallbackPort standing in for the callback flow (issue 8) in API tests.
import { randomUUID } from 'node:crypto';
import type { CallbackPort, CallbackRequest, CallbackState } from '../../../../src/api/callback-port.ts';

export class FakeCallbacks implements CallbackPort {
  readonly calls = new Map<string, CallbackState>();
  readonly requests: CallbackRequest[] = [];

  async start(req: CallbackRequest): Promise<{ id: string; status: 'queued'; x: string }> {
    this.requests.push(req);
    const state: CallbackState = { id: randomUUID(), tenant: req.tenant, status: 'queued', x: req.x ?? '+8613000000000', createdAt: Date.now(), ...(req.a !== undefined && { a: req.a }), ...(req.b !== undefined && { b: req.b }), ...(req.bindingId !== undefined && { bindingId: req.bindingId }) };
    this.calls.set(state.id, state);
    return { id: state.id, status: 'queued', x: state.x };
  }
  async get(tenant: string, id: string): Promise<CallbackState | null> {
    const c = this.calls.get(id);
    return c && c.tenant === tenant ? { ...c } : null;
  }
  async cancel(tenant: string, id: string): Promise<boolean> {
    const c = this.calls.get(id);
    if (!c || c.tenant !== tenant || c.status === 'cancelled') return false;
    c.status = 'cancelled';
    c.endedAt = Date.now();
    return true;
  }
}
