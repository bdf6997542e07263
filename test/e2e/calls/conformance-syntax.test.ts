// Conformance, INVITEs with odd but legal syntax (compact headers, several Vias, tel: URIs,
// user=phone with visual separators, national numbers) must connect; INVITEs we cannot serve are
// refused with the right status and never forwarded: Require: foo (420 + Unsupported, RFC 3261
// §8.2.2.3), Max-Forwards: 0 (483, §16.3), a body that is not SDP (415 + Accept, §21.4.13).
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { newBranch, sdp } from './conformance-peer.ts';
import { A, B, bindAB, calleeHeaders, callerInvite, expectNoLeak, isFinal, isRequest, newTag, responseTo, startConformanceEnv, type ConformanceEnv } from './conformance-call.ts';

let env: ConformanceEnv;
beforeAll(async () => {
  env = await startConformanceEnv();
});
afterEach(async () => env?.cleanup());
afterAll(async () => env?.stop());

const via = (port: number): string => `SIP/2.0/UDP 127.0.0.1:${port};branch=${newBranch()};rport`;
const dotted = (n: string): string => `${n.slice(0, 3)}.${n.slice(3, 6)}.${n.slice(6)}`;

const legal: Array<[string, (x: string, port: number) => { uri?: string; headers: string[] }]> = [
  ['compact header forms (v, f, t, i, m, c)', (x, port) => ({ headers: [`v: ${via(port)}`, `f: <sip:${A}@127.0.0.1:${port}>;tag=${newTag()}`, `t: <sip:${x}@127.0.0.1>`, `i: c-${newTag()}`, 'CSeq: 1 INVITE', `m: <sip:${A}@127.0.0.1:${port}>`, 'Max-Forwards: 70', 'c: application/sdp'] })],
  ['several Via lines, one with two values', (x, port) => ({ headers: [`Via: ${via(port)}`, `Via: SIP/2.0/UDP 192.0.2.99:5060;branch=${newBranch()}`, `Via: SIP/2.0/UDP 192.0.2.98;branch=${newBranch()},SIP/2.0/TCP 192.0.2.97;branch=${newBranch()}`, `From: <sip:${A}@127.0.0.1:${port}>;tag=${newTag()}`, `To: <sip:${x}@127.0.0.1>`, `Call-ID: mv-${newTag()}`, 'CSeq: 1 INVITE', `Contact: <sip:${A}@127.0.0.1:${port}>`, 'Max-Forwards: 70', 'Content-Type: application/sdp'] })],
  ['tel: URIs in From and To', (x, port) => ({ headers: [`Via: ${via(port)}`, `From: "${A}" <tel:${A}>;tag=${newTag()}`, `To: <tel:${x}>`, `Call-ID: tel-${newTag()}`, 'CSeq: 1 INVITE', `Contact: <sip:${A}@127.0.0.1:${port}>`, 'Max-Forwards: 70', 'Content-Type: application/sdp'] })],
  ['user=phone with visual separators', (x, port) => ({ uri: `sip:${x.slice(0, 3)}-${x.slice(3, 6)}-${x.slice(6)}@127.0.0.1;user=phone`, headers: [`Via: ${via(port)}`, `From: <sip:${dotted(A)}@127.0.0.1;user=phone>;tag=${newTag()}`, `To: <sip:${x}@127.0.0.1;user=phone>`, `Call-ID: up-${newTag()}`, 'CSeq: 1 INVITE', `Contact: <sip:${A}@127.0.0.1:${port}>`, 'Max-Forwards: 70', 'Content-Type: application/sdp'] })],
  ['national X and national caller with trunk prefix 0', (x, port) => ({ uri: `sip:0${x.slice(3)}@127.0.0.1`, headers: [`Via: ${via(port)}`, `From: <sip:0${A.slice(3)}@127.0.0.1>;tag=${newTag()}`, `To: <sip:0${x.slice(3)}@127.0.0.1>`, `Call-ID: nat-${newTag()}`, 'CSeq: 1 INVITE', `Contact: <sip:${A}@127.0.0.1:${port}>`, 'Max-Forwards: 70', 'Content-Type: application/sdp'] })],
];

for (const [name, make] of legal) {
  it(`${name}: B is called at its number, shown X, and its answer reaches A`, async () => {
    const binding = await bindAB(env);
    const { a, b } = await env.peers();
    const v = make(binding.x, a.port);
    const call = callerInvite(a, { x: binding.x, headers: v.headers, body: sdp(A), ...(v.uri !== undefined && { uri: v.uri }) });
    await a.send(call.invite, env.stack.sipPort);
    const inv = await b.waitFor(isRequest('INVITE'), 'B-leg INVITE');
    expect(inv.firstLine).toContain(`sip:${B}@`);
    expect(inv.get('From')).toContain(binding.x);
    // Busy keeps the case short; the answer path is the same as in the main flows.
    await b.send(responseTo(inv, 486, 'Busy Here', { toTag: newTag(), headers: calleeHeaders(inv, b) }), env.stack.sipPort);
    expect((await a.waitFor(isFinal(), 'final at A')).status).toBe(486);
    expectNoLeak(a, b);
  });
}

it('Require: foo gets 420 with Unsupported: foo, nothing reaches B', async () => {
  const binding = await bindAB(env);
  const { a, b } = await env.peers();
  await a.send(callerInvite(a, { x: binding.x, extra: ['Require: foo'] }).invite, env.stack.sipPort);
  const final = await a.waitFor(isFinal(), 'final at A');
  expect(final.status).toBe(420);
  expect(final.get('Unsupported')).toBe('foo');
  expect(b.filter(isRequest('INVITE'))).toEqual([]);
});

it('Max-Forwards: 0 gets 483 with a Reason, nothing reaches B', async () => {
  const binding = await bindAB(env);
  const { a, b } = await env.peers();
  const call = callerInvite(a, { x: binding.x });
  await a.send(call.invite.replace('Max-Forwards: 70', 'Max-Forwards: 0'), env.stack.sipPort);
  const final = await a.waitFor(isFinal(), 'final at A');
  expect(final.status).toBe(483);
  expect(final.get('Reason')).toMatch(/cause=483/);
  expect(b.filter(isRequest('INVITE'))).toEqual([]);
});

it('multipart/mixed with ISUP (the calling number) gets 415 with Accept: application/sdp and a Reason, nothing reaches B', async () => {
  const binding = await bindAB(env);
  const { a, b } = await env.peers();
  const boundary = 'isup-boundary-1';
  const body = [`--${boundary}`, 'Content-Type: application/sdp', '', sdp(A), `--${boundary}`, 'Content-Type: application/ISUP;version=itu-t92+', 'Content-Disposition: signal;handling=optional', '', `IAM calling ${A}`, `--${boundary}--`, ''].join('\r\n');
  const call = callerInvite(a, { x: binding.x, body });
  await a.send(call.invite.replace('Content-Type: application/sdp', `Content-Type: multipart/mixed;boundary=${boundary}`), env.stack.sipPort);
  const final = await a.waitFor(isFinal(), 'final at A');
  expect(final.status).toBe(415);
  expect(final.get('Accept')).toBe('application/sdp');
  expect(final.get('Reason')).toMatch(/cause=415/);
  expect(b.filter(isRequest('INVITE'))).toEqual([]);
});
