// Conformance, races a carrier's test team stages: CANCEL before the B leg, while B rings and
// crossing B's 200 (never a half call); the caller's INVITE retransmitted after our 200; re-INVITE
// glare and a second re-INVITE while one is pending (RFC 3261 §14.2); B hanging up while A's
// re-INVITE waits for B (§15.1.2). Raw UDP peers on both sides.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { endedRecord } from './call-fixture.ts';
import { calleeInDialog, inDialog, sdp, sipText, type SipMsg } from './conformance-peer.ts';
import {
  A,
  ackAnswer,
  answeredCall,
  bindAB,
  calleeHeaders,
  calleeSdp,
  callerInvite,
  establishCall,
  expectNoLeak,
  isFinal,
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

/** RFC 3261 §9.1: CANCEL with the INVITE's Via (branch), From, To, Call-ID and CSeq number. */
const cancelOf = (call: OutgoingCall, x: string): string =>
  sipText(`CANCEL sip:${x}@127.0.0.1 SIP/2.0`, [call.viaLine, `From: ${call.dialog.from}`, `To: ${call.dialog.to}`, `Call-ID: ${call.dialog.callId}`, 'CSeq: 1 CANCEL', 'Max-Forwards: 70']);
const sameCall = (inv: SipMsg) => (m: SipMsg): boolean => m.get('Call-ID') === inv.get('Call-ID');
/** A later INVITE on the call that `bInvite` set up (a re-INVITE at B). */
const reInviteOf = (bInvite: SipMsg) => (m: SipMsg): boolean => m.method === 'INVITE' && m !== bInvite && sameCall(bInvite)(m);

/** A fresh A–B binding and a call on it, answered and ACKed, between new peers. */
async function connected() {
  const binding = await bindAB(env);
  const { a, b } = await env.peers();
  const e = await establishCall(env, a, b, binding.x);
  return { binding, a, b, sip: env.stack.sipPort, e };
}
const reInvite = (sender: string, port: number, version: number): { headers: string[]; body: string } => ({
  headers: ['Content-Type: application/sdp', `Contact: <sip:${sender}@127.0.0.1:${port}>`],
  body: sdp(sender, { direction: 'sendonly', version, port }),
});

it('CANCEL right after the INVITE: 200 + 487 to A, nothing reaches B, the record is the binding\'s (cancelled)', async () => {
  const binding = await bindAB(env);
  const { a, b } = await env.peers();
  const call = callerInvite(a, { x: binding.x });
  await a.send(call.invite, env.stack.sipPort);
  await a.send(cancelOf(call, binding.x), env.stack.sipPort);
  await a.waitFor(isStatus(200, 'CANCEL'), '200 to CANCEL');
  expect((await a.waitFor(isFinal(), 'final to INVITE')).status).toBe(487);
  const rec = await endedRecord(env, binding.id);
  expect(rec).toMatchObject({ outcome: 'cancelled', finalStatus: 487, hangupBy: 'caller' });
  // Whichever won the race, a B leg that was started was cancelled: never left ringing.
  const bInvite = b.received.find(isRequest('INVITE'));
  if (bInvite) await b.waitFor((m) => m.method === 'CANCEL' && sameCall(bInvite)(m), 'CANCEL at B');
  expectNoLeak(a, b);
});

it('CANCEL crossing B\'s 200: A ends with 487 (B gets ACK and BYE) or with a confirmed call, never a half call', async () => {
  for (const delayMs of [0, 1, 3, 10]) {
    const binding = await bindAB(env);
    const { a, b } = await env.peers();
    const sip = env.stack.sipPort;
    const call = callerInvite(a, { x: binding.x });
    await a.send(call.invite, sip);
    const inv = await b.waitFor(isRequest('INVITE'), 'B-leg INVITE');
    const tag = newTag();
    await b.send(responseTo(inv, 180, 'Ringing', { toTag: tag, headers: calleeHeaders(inv, b) }), sip);
    await a.waitFor(isStatus(180), '180 at A');
    await Promise.all([
      b.send(responseTo(inv, 200, 'OK', { toTag: tag, headers: [...calleeHeaders(inv, b), 'Content-Type: application/sdp'], body: calleeSdp(inv) }), sip),
      new Promise((r) => setTimeout(r, delayMs)).then(() => a.send(cancelOf(call, binding.x), sip)),
    ]);
    const final = await a.waitFor(isFinal(), 'final to INVITE at A');
    await b.waitFor((m) => m.method === 'ACK' && sameCall(inv)(m), 'ACK of the 200 at B');
    if (final.status === 487) {
      const bye = await b.waitFor((m) => m.method === 'BYE' && sameCall(inv)(m), 'BYE at B (its answered leg released)');
      await b.send(responseTo(bye, 200, 'OK'), sip);
      const rec = await endedRecord(env, binding.id);
      expect(rec, `delay ${delayMs} ms`).toMatchObject({ outcome: 'cancelled', finalStatus: 487, hangupBy: 'caller' });
    } else {
      expect(final.status, `delay ${delayMs} ms`).toBe(200);
      await ackAnswer(a, sip, call, final);
      await a.send(inDialog(call.dialog, 'BYE', a.port, { cseq: 2 }), sip);
      const bye = await b.waitFor((m) => m.method === 'BYE' && sameCall(inv)(m), 'BYE at B');
      await b.send(responseTo(bye, 200, 'OK'), sip);
      await a.waitFor(isStatus(200, 'BYE'), '200 to BYE at A');
      expect((await endedRecord(env, binding.id)).outcome, `delay ${delayMs} ms`).toBe('answered');
    }
    expectNoLeak(a, b);
    await env.cleanup();
  }
});

it('A retransmits its INVITE after our 200: the 200 is sent again, no second B leg', async () => {
  const binding = await bindAB(env);
  const { a, b } = await env.peers();
  const sip = env.stack.sipPort;
  const { call, bInvite: inv, ok } = await answeredCall(env, a, b, binding.x);
  const seen = a.received.length;
  await a.send(call.invite, sip);
  // RFC 3261 §13.3.1.4: the 2xx is retransmitted until the ACK comes.
  await a.waitFor(isStatus(200), 'the 200 again', { from: seen });
  await ackAnswer(a, sip, call, ok);
  await b.waitFor(isRequest('ACK'), 'ACK at B');
  await a.send(inDialog(call.dialog, 'BYE', a.port, { cseq: 2 }), sip);
  const bye = await b.waitFor(isRequest('BYE'), 'BYE at B');
  await b.send(responseTo(bye, 200, 'OK'), sip);
  await a.waitFor(isStatus(200, 'BYE'), '200 to BYE');
  expect(b.filter((m) => m.method === 'INVITE' && m.get('Call-ID') !== inv.get('Call-ID'))).toEqual([]);
  expect((await endedRecord(env, binding.id)).outcome).toBe('answered');
  expectNoLeak(a, b);
});

it('re-INVITE glare: A\'s and B\'s re-INVITEs cross; B\'s gets 491 from us, A\'s goes through', async () => {
  const { a, b, sip, e } = await connected();
  const callee = /^INVITE sip:([^@;]+)@/.exec(e.bInvite.firstLine)?.[1] ?? '';
  const fromA = reInvite(A, a.port, 2);
  await a.send(inDialog(e.call.dialog, 'INVITE', a.port, { cseq: 2, ...fromA }), sip);
  const relayed = await b.waitFor(reInviteOf(e.bInvite), "A's re-INVITE at B");
  const fromB = reInvite(callee, b.port, 2);
  await b.send(calleeInDialog(e.bInvite, e.bTag, 'INVITE', b.port, 1, fromB), sip);
  // RFC 3261 §14.2: we have an INVITE outstanding on B's dialog, so B's is refused 491.
  await b.waitFor((m) => m.status === 491 && sameCall(e.bInvite)(m), '491 at B');
  await b.send(responseTo(relayed, 200, 'OK', { headers: [...calleeHeaders(e.bInvite, b), 'Content-Type: application/sdp'], body: sdp(callee, { direction: 'recvonly', version: 2, port: 50000 }) }), sip);
  const ok = await a.waitFor(isStatus(200), '200 to the re-INVITE at A', { from: 2 });
  expect(ok.body).toMatch(/^a=recvonly/m);
  expect(a.filter(isRequest('INVITE'))).toEqual([]);
  expectNoLeak(a, b);
});

it('a second re-INVITE while the first is pending gets 500 with Retry-After (RFC 3261 §14.2)', async () => {
  const { a, b, sip, e } = await connected();
  await a.send(inDialog(e.call.dialog, 'INVITE', a.port, { cseq: 2, ...reInvite(A, a.port, 2) }), sip);
  const relayed = await b.waitFor(reInviteOf(e.bInvite), 're-INVITE at B');
  await a.send(inDialog(e.call.dialog, 'INVITE', a.port, { cseq: 3, ...reInvite(A, a.port, 3) }), sip);
  const refused = await a.waitFor((m) => m.status !== undefined && m.status >= 200 && (m.get('CSeq') ?? '') === '3 INVITE', 'final to the second re-INVITE');
  expect(refused.status).toBe(500);
  expect(Number(refused.get('Retry-After'))).toBeLessThanOrEqual(10);
  await b.send(responseTo(relayed, 200, 'OK', { headers: [...calleeHeaders(e.bInvite, b), 'Content-Type: application/sdp'], body: calleeSdp(e.bInvite) }), sip);
  await a.waitFor((m) => m.status === 200 && m.get('CSeq') === '2 INVITE', 'the first re-INVITE answered');
  expect(b.filter((m) => m.method === 'INVITE' && sameCall(e.bInvite)(m) && m !== e.bInvite && m.get('CSeq') !== relayed.get('CSeq'))).toEqual([]);
  expectNoLeak(a, b);
});

it('B hangs up while A\'s re-INVITE waits for B: A\'s re-INVITE gets 487 at once, A gets BYE (RFC 3261 §15.1.2)', async () => {
  const { binding, a, b, sip, e } = await connected();
  await a.send(inDialog(e.call.dialog, 'INVITE', a.port, { cseq: 2, ...reInvite(A, a.port, 2) }), sip);
  await b.waitFor(reInviteOf(e.bInvite), 're-INVITE at B');
  // B never answers the re-INVITE: it hangs up instead.
  await b.send(calleeInDialog(e.bInvite, e.bTag, 'BYE', b.port, 1), sip);
  await b.waitFor((m) => m.status === 200 && m.get('CSeq') === '1 BYE' && sameCall(e.bInvite)(m), '200 to B\'s BYE');
  const bye = await a.waitFor(isRequest('BYE'), 'BYE at A');
  await a.send(responseTo(bye, 200, 'OK'), sip);
  // Well before the relayed re-INVITE's own timeout (64*T1).
  const final = await a.waitFor((m) => m.status !== undefined && m.status >= 200 && m.get('CSeq') === '2 INVITE', 'final to the re-INVITE', { timeoutMs: 3000 });
  expect(final.status).toBe(487);
  expect(await endedRecord(env, binding.id)).toMatchObject({ outcome: 'answered', hangupBy: 'callee' });
  expectNoLeak(a, b);
});

it('A and B hang up at the same moment right after the answer: both BYEs are answered 200, the call ends once', async () => {
  const binding = await bindAB(env);
  const { a, b } = await env.peers();
  const sip = env.stack.sipPort;
  const { call, bInvite: inv, bTag, ok } = await answeredCall(env, a, b, binding.x);
  await b.waitFor(isRequest('ACK'), 'ACK at B');
  // B's BYE reaches us before A's ACK; A's ACK and BYE follow back to back.
  const bBye = calleeInDialog(inv, bTag, 'BYE', b.port, 1);
  await b.send(bBye, sip);
  await ackAnswer(a, sip, call, ok);
  await a.send(inDialog(call.dialog, 'BYE', a.port, { cseq: 2 }), sip);
  // drachtio-srf held B's BYE until A's ACK, then dropped it when A's BYE destroyed the B leg;
  // the SIP server answers it once the app's own BYE finds the dialog already ended.
  expect((await b.waitFor((m) => m.status !== undefined && m.get('CSeq') === '1 BYE' && sameCall(inv)(m), "our answer to B's BYE")).status).toBe(200);
  expect((await a.waitFor(isFinal('BYE'), "our answer to A's BYE")).status).toBe(200);
  // Whichever way the race went, a BYE we sent to either side is answered.
  for (const [peer, m] of [...a.filter(isRequest('BYE')).map((m) => [a, m] as const), ...b.filter(isRequest('BYE')).map((m) => [b, m] as const)]) await peer.send(responseTo(m, 200, 'OK'), sip);
  const rec = await endedRecord(env, binding.id);
  expect(rec.outcome).toBe('answered');
  expectNoLeak(a, b);
});
