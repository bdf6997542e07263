import { describe, expect, it } from 'vitest';
import type { Binding, CallLookup } from '../../../src/bindings/model.ts';
import { admit, decide, targetUri } from '../../../src/calls/plan.ts';
import type { Admitted, CallPlan, CallPolicy, InviteFacts, Reject } from '../../../src/calls/plan.ts';
import { TrunkTable } from '../../../src/calls/trunks.ts';
import type { Trunk } from '../../../src/calls/trunks.ts';

const A = '+8613912345678';
const B = '+8613787654321';
const N = '+8615600001111';
const X = '+8617000001234';
const NOW = 1_800_000_000_000;

const trunk: Trunk = {
  name: 'carrier',
  addresses: ['10.0.0.0/24'],
  gateways: ['sip:10.0.0.1:5060', 'sip:gw@10.0.0.2;transport=tcp'],
  countryCode: '86',
};
const custom: Trunk = { ...trunk, name: 'custom', addresses: ['10.9.0.0/24'], unboundStatus: 480, unboundReason: 'Q.850;cause=1', restrictedStatus: 603 };
const table = new TrunkTable([trunk, custom]);
const policy: CallPolicy = { now: NOW, activeCalls: 0, maxConcurrentCalls: 10, retryAfterSeconds: 5 };

function binding(over: Partial<Binding> = {}): Binding {
  return {
    id: 'b1', tenant: 't1', group: 'g', mode: 'AXB', a: A, b: B, x: X, createdAt: NOW - 1000, expiresAt: NOW + 60_000,
    releaseAfterCallSeconds: 60, callRestriction: 'both', record: false, activeCalls: 0, unbindPending: false, ...over,
  };
}

function facts(caller: string, over: Partial<InviteFacts> = {}): InviteFacts {
  return { sourceAddress: '10.0.0.5', requestUri: `sip:${X}@us;user=phone`, from: `<sip:${caller}@10.0.0.5>;tag=1`, hasBody: true, contentType: 'application/sdp', ...over };
}

function admitted(caller: string, t: Trunk = trunk): Admitted {
  const r = admit(facts(caller, t === custom ? { sourceAddress: '10.9.0.3' } : {}), table);
  if (r.kind !== 'admitted') throw new Error(`expected admission, got ${r.cause}`);
  return r;
}

function asPlan(r: CallPlan | Reject): CallPlan {
  if (r.kind !== 'connect') throw new Error(`expected a plan, got reject ${r.cause}`);
  return r;
}
function asReject(r: CallPlan | Reject | Admitted): Reject {
  if (r.kind !== 'reject') throw new Error(`expected a reject, got ${r.kind}`);
  return r;
}

describe('admit: sanity, source trunk, normalisation', () => {
  it('admits an INVITE from a trunk with normalised caller and X', () => {
    const r = admit(facts('013912345678', { requestUri: 'sip:017000001234@us' }), table);
    expect(r).toMatchObject({ kind: 'admitted', caller: A, x: X, gateways: trunk.gateways });
  });
  it('refuses an untrusted source with 403 and nothing else decided', () => {
    const r = asReject(admit(facts(A, { sourceAddress: '203.0.113.9' }), table));
    expect(r).toMatchObject({ cause: 'untrusted-source', status: 403, code: 'PN_ERR_CALL_UNTRUSTED_SOURCE' });
    expect(r.outcome).toBeUndefined();
  });
  it('refuses a body that is not SDP (e.g. ISUP carrying the calling number) with 415', () => {
    const r = asReject(admit(facts(A, { contentType: 'multipart/mixed;boundary=x' }), table));
    expect(r).toMatchObject({ cause: 'sanity', status: 415 });
  });
  it('answers 484 when X is not a number', () => {
    expect(asReject(admit(facts(A, { requestUri: 'sip:service@us' }), table))).toMatchObject({ status: 484, cause: 'bad-number' });
  });
  it('treats an anonymous caller as unbound', () => {
    const r = asReject(admit(facts('anonymous', { from: '<sip:anonymous@anonymous.invalid>;tag=1' }), table));
    expect(r).toMatchObject({ cause: 'unbound', status: 404, reason: 'Q.850;cause=1;text="unallocated number"', outcome: 'rejected-unbound' });
  });
});

describe('decide: lookup and policy', () => {
  const lookupAB: CallLookup = { binding: binding(), target: B, direction: 'a-to-b' };
  const lookupBA: CallLookup = { binding: binding(), target: A, direction: 'b-to-a' };

  it('AXB, A calls X: calls B through every gateway in order', () => {
    const p = asPlan(decide(admitted(A), lookupAB, policy));
    expect(p).toMatchObject({ target: B, direction: 'a-to-b', x: X, caller: A });
    expect(p.targetUris).toEqual([`sip:${B}@10.0.0.1:5060`, `sip:${B}@10.0.0.2;transport=tcp`]);
  });
  it('AXB, B calls X (return call): calls A', () => {
    expect(asPlan(decide(admitted(B), lookupBA, policy))).toMatchObject({ target: A, direction: 'b-to-a' });
  });
  it('reverse: B calls X and reaches A', () => {
    const l: CallLookup = { binding: binding({ mode: 'reverse' }), target: A, direction: 'b-to-a' };
    expect(asPlan(decide(admitted(B), l, policy)).target).toBe(A);
  });
  it('reverse: A calling X gets the unbound treatment, whatever the lookup says', () => {
    const l: CallLookup = { binding: binding({ mode: 'reverse' }), target: B, direction: 'a-to-b' };
    expect(asReject(decide(admitted(A), l, policy))).toMatchObject({ cause: 'unbound', status: 404, outcome: 'rejected-unbound' });
  });
  it('AXN: anyone calling X reaches A', () => {
    const l: CallLookup = { binding: binding({ mode: 'AXN', b: undefined }), target: A, direction: 'b-to-a' };
    expect(asPlan(decide(admitted(N), l, policy)).target).toBe(A);
  });
  it('AXN: A calling its own X is unbound', () => {
    const l: CallLookup = { binding: binding({ mode: 'AXN', b: undefined }), target: A, direction: 'b-to-a' };
    expect(asReject(decide(admitted(A), l, policy)).cause).toBe('unbound');
  });
  it('no binding: 404 with Reason Q.850 cause 1', () => {
    expect(asReject(decide(admitted(N), null, policy))).toMatchObject({ status: 404, reason: 'Q.850;cause=1;text="unallocated number"', outcome: 'rejected-unbound' });
  });
  it('unbound status and reason are configurable per trunk', () => {
    expect(asReject(decide(admitted(N, custom), null, policy))).toMatchObject({ status: 480, reason: 'Q.850;cause=1' });
  });
  it('expired binding: unbound treatment', () => {
    const l: CallLookup = { ...lookupAB, binding: binding({ expiresAt: NOW }) };
    expect(asReject(decide(admitted(A), l, policy))).toMatchObject({ cause: 'expired', status: 404, outcome: 'rejected-unbound' });
  });
  it('a lookup for another X or an inconsistent target is never connected', () => {
    expect(asReject(decide(admitted(A), { ...lookupAB, binding: binding({ x: '+8617000009999' }) }, policy)).cause).toBe('unbound');
    expect(asReject(decide(admitted(A), { ...lookupAB, target: N }, policy)).cause).toBe('unbound');
    expect(asReject(decide(admitted(N), lookupAB, policy)).cause).toBe('unbound');
  });
  it.each([
    ['a-to-b', 'a-to-b', true],
    ['a-to-b', 'b-to-a', false],
    ['b-to-a', 'b-to-a', true],
    ['b-to-a', 'a-to-b', false],
  ] as const)('restriction %s, call %s -> allowed %s', (restriction, direction, ok) => {
    const b = binding({ callRestriction: restriction });
    const l: CallLookup = direction === 'a-to-b' ? { binding: b, target: B, direction } : { binding: b, target: A, direction };
    const r = decide(admitted(direction === 'a-to-b' ? A : B), l, policy);
    if (ok) expect(r.kind).toBe('connect');
    else expect(asReject(r)).toMatchObject({ cause: 'restricted', status: 403, reason: 'Q.850;cause=21;text="call rejected"', outcome: 'rejected-restricted' });
  });
  it('restricted status is configurable per trunk', () => {
    const l: CallLookup = { binding: binding({ callRestriction: 'b-to-a' }), target: B, direction: 'a-to-b' };
    expect(asReject(decide(admitted(A, custom), l, policy)).status).toBe(603);
  });
  it('over the concurrent-call limit: 503 with Retry-After', () => {
    const r = asReject(decide(admitted(A), lookupAB, { ...policy, activeCalls: 10 }));
    expect(r).toMatchObject({ cause: 'call-limit', status: 503, retryAfter: 5, code: 'PN_ERR_CALL_LIMIT' });
  });
  it('store unavailable: 503 with Retry-After', () => {
    const r = asReject(decide(admitted(A), 'store-error', policy));
    expect(r).toMatchObject({ cause: 'store-error', status: 503, retryAfter: 5, reason: 'Q.850;cause=41;text="temporary failure"' });
  });
  it('carries the binding\'s maximum call duration', () => {
    expect(asPlan(decide(admitted(A), { ...lookupAB, binding: binding({ maxCallSeconds: 30 }) }, policy)).maxCallSeconds).toBe(30);
    expect(asPlan(decide(admitted(A), lookupAB, policy)).maxCallSeconds).toBeUndefined();
  });
  it('no gateway configured anywhere: 503, never a connection', () => {
    const bare = new TrunkTable([{ name: 'in-only', addresses: ['10.0.0.0/24'], gateways: [], countryCode: '86' }]);
    const adm = admit(facts(A), bare);
    if (adm.kind !== 'admitted') throw new Error('expected admission');
    expect(asReject(decide(adm, lookupAB, policy))).toMatchObject({ cause: 'no-gateway', status: 503 });
  });
});

describe('targetUri', () => {
  it.each([
    ['sip:10.0.0.1', 'sip:+861@10.0.0.1'],
    ['sip:gw@carrier.example:5080;transport=tcp', 'sip:+861@carrier.example:5080;transport=tcp'],
    ['sips:[2001:db8::1]:5061', 'sips:+861@[2001:db8::1]:5061'],
    ['10.0.0.1:5060', 'sip:+861@10.0.0.1:5060'],
    ['sip:10.0.0.1?X-Foo=bar', 'sip:+861@10.0.0.1'],
  ])('%s -> %s', (gw, uri) => {
    expect(targetUri(gw, '+861')).toBe(uri);
  });
});
