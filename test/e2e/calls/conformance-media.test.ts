// Conformance, offer/answer variants a carrier produces: early media (183 with SDP), reliable
// provisionals (RFC 3262), late offer (RFC 3261 §13.2.1 offer in the 2xx, answer in the ACK).
// Raw UDP peers on both sides; every message each side received is checked for the other's number.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { endedRecord } from './call-fixture.ts';
import { inDialog, sdp, uriOf, type CallerDialog, type Peer, type SipMsg } from './conformance-peer.ts';
import {
  A,
  ackAnswer,
  bindAB,
  calleeHeaders,
  calleeSdp,
  callerInvite,
  expectNoLeak,
  isRequest,
  isStatus,
  newTag,
  responseTo,
  startConformanceEnv,
  type ConformanceEnv,
  type OutgoingCall,
} from './conformance-call.ts';

let env: ConformanceEnv;
beforeAll(async () => {
  env = await startConformanceEnv();
});
afterEach(async () => env?.cleanup());
afterAll(async () => env?.stop());

it('early media: B answers 183 with SDP and its own PAI, then 200; A gets 183 with scrubbed SDP, then 200', async () => {
  const binding = await bindAB(env);
  const { a, b } = await env.peers();
  const sip = env.stack.sipPort;
  const call = callerInvite(a, { x: binding.x });
  await a.send(call.invite, sip);
  const inv = await b.waitFor(isRequest('INVITE'), 'B-leg INVITE');
  const tag = newTag();
  const hdrs = [...calleeHeaders(inv, b), 'Content-Type: application/sdp'];
  await b.send(responseTo(inv, 183, 'Session Progress', { toTag: tag, headers: hdrs, body: calleeSdp(inv) }), sip);
  const p183 = await a.waitFor(isStatus(183), '183 at A');
  expect(p183.get('Content-Type')).toBe('application/sdp');
  // B's own PAI (its real number) is replaced by X; its o=/s= (B's number) are scrubbed.
  expect(p183.get('P-Asserted-Identity')).toContain(binding.x);
  expect(p183.body).toMatch(/^o=- /m);
  expect(p183.body).toMatch(/^s=-$/m);
  expect(p183.body).toMatch(/^m=audio 50000 /m);
  await b.send(responseTo(inv, 200, 'OK', { toTag: tag, headers: hdrs, body: calleeSdp(inv) }), sip);
  const ok = await a.waitFor(isStatus(200), '200 at A');
  expect(ok.body).toMatch(/^m=audio 50000 /m);
  await ackAnswer(a, sip, call, ok);
  await b.waitFor(isRequest('ACK'), 'ACK at B');
  await a.send(inDialog(call.dialog, 'BYE', a.port, { cseq: 2 }), sip);
  const bye = await b.waitFor(isRequest('BYE'), 'BYE at B');
  await b.send(responseTo(bye, 200, 'OK'), sip);
  await a.waitFor(isStatus(200, 'BYE'), '200 to BYE at A');
  const rec = await endedRecord(env, binding.id);
  expect(rec).toMatchObject({ outcome: 'answered', finalStatus: 200, hangupBy: 'caller' });
  expectNoLeak(a, b);
});


/** A answers nothing, B's 200 is ACKed, A hangs up and B's 200 to the BYE reaches A. */
async function answerAndHangUp(a: Peer, b: Peer, call: OutgoingCall, inv: SipMsg, tag: string, ackBody?: string): Promise<SipMsg> {
  const sip = env.stack.sipPort;
  await b.send(responseTo(inv, 200, 'OK', { toTag: tag, headers: [...calleeHeaders(inv, b), 'Content-Type: application/sdp'], body: calleeSdp(inv) }), sip);
  const ok = await a.waitFor(isStatus(200), '200 at A');
  await ackAnswer(a, sip, call, ok, ackBody);
  const ack = await b.waitFor(isRequest('ACK'), 'ACK at B');
  await a.send(inDialog(call.dialog, 'BYE', a.port, { cseq: 3 }), sip);
  const bye = await b.waitFor(isRequest('BYE'), 'BYE at B');
  await b.send(responseTo(bye, 200, 'OK'), sip);
  await a.waitFor(isStatus(200, 'BYE'), '200 to BYE at A');
  return ack;
}

for (const offer of ['Supported: 100rel', null] as const) {
  it(`reliable 183 from B (Require: 100rel, RSeq) is PRACKed by us; A (${offer ?? 'no 100rel'}) gets 183 with SDP, the call completes`, async () => {
    const binding = await bindAB(env);
    const { a, b } = await env.peers();
    const sip = env.stack.sipPort;
    const call = callerInvite(a, { x: binding.x, extra: offer === null ? [] : [offer] });
    await a.send(call.invite, sip);
    const inv = await b.waitFor(isRequest('INVITE'), 'B-leg INVITE');
    const tag = newTag();
    await b.send(responseTo(inv, 183, 'Session Progress', { toTag: tag, headers: [...calleeHeaders(inv, b), 'Require: 100rel', 'RSeq: 1', 'Content-Type: application/sdp'], body: calleeSdp(inv) }), sip);
    // RFC 3262 §4: the UAC acknowledges the reliable provisional with PRACK, RAck = RSeq CSeq method.
    const prack = await b.waitFor(isRequest('PRACK'), 'PRACK at B');
    expect(prack.get('RAck')).toBe(`1 ${inv.get('CSeq')}`);
    await b.send(responseTo(prack, 200, 'OK', { headers: calleeHeaders(inv, b) }), sip);
    const p183 = await a.waitFor(isStatus(183), '183 at A');
    expect(p183.body).toMatch(/^m=audio 50000 /m);
    // Unreliable towards A (A only offered 100rel, or not at all): a choice the RFC allows (§3).
    expect(p183.get('RSeq')).toBeUndefined();
    await answerAndHangUp(a, b, call, inv, tag);
    const rec = await endedRecord(env, binding.id);
    expect(rec).toMatchObject({ outcome: 'answered', finalStatus: 200, hangupBy: 'caller' });
    expectNoLeak(a, b);
  });
}

it('A requires 100rel: its 183 comes reliably (RSeq, Require: 100rel), its PRACK is answered, the call completes', async () => {
  const binding = await bindAB(env);
  const { a, b } = await env.peers();
  const sip = env.stack.sipPort;
  const call = callerInvite(a, { x: binding.x, extra: ['Supported: 100rel', 'Require: 100rel'] });
  await a.send(call.invite, sip);
  const inv = await b.waitFor(isRequest('INVITE'), 'B-leg INVITE');
  const tag = newTag();
  await b.send(responseTo(inv, 183, 'Session Progress', { toTag: tag, headers: [...calleeHeaders(inv, b), 'Content-Type: application/sdp'], body: calleeSdp(inv) }), sip);
  const p183 = await a.waitFor(isStatus(183), '183 at A');
  expect(p183.get('Require')).toMatch(/100rel/);
  const rseq = p183.get('RSeq');
  expect(rseq).toMatch(/^\d+$/);
  const early: CallerDialog = { ...call.dialog, to: p183.get('To') ?? '', remoteTarget: uriOf(p183.get('Contact')) };
  await a.send(inDialog(early, 'PRACK', a.port, { cseq: 2, headers: [`RAck: ${rseq ?? ''} 1 INVITE`] }), sip);
  await a.waitFor(isStatus(200, 'PRACK'), '200 to PRACK at A');
  await answerAndHangUp(a, b, call, inv, tag);
  expect((await endedRecord(env, binding.id)).outcome).toBe('answered');
  expectNoLeak(a, b);
});

it('late offer: INVITE without SDP, B offers in its 200 (scrubbed to A), A answers in the ACK (scrubbed to B)', async () => {
  const binding = await bindAB(env);
  const { a, b } = await env.peers();
  const sip = env.stack.sipPort;
  const call = callerInvite(a, { x: binding.x, body: null });
  await a.send(call.invite, sip);
  const inv = await b.waitFor(isRequest('INVITE'), 'B-leg INVITE');
  expect(inv.body).toBe('');
  const ack = await answerAndHangUp(a, b, call, inv, newTag(), sdp(A, { port: 41000 }));
  // A's answer (its number in o= and s=) reaches B in the ACK, scrubbed.
  expect(ack.get('Content-Type')).toBe('application/sdp');
  expect(ack.body).toMatch(/^m=audio 41000 /m);
  expect(ack.body).toMatch(/^o=- /m);
  const rec = await endedRecord(env, binding.id);
  expect(rec).toMatchObject({ outcome: 'answered', finalStatus: 200, hangupBy: 'caller' });
  expectNoLeak(a, b);
});
