import { describe, expect, it } from 'vitest';
import { clientKeyOf, serverKeyOf } from '../../../../src/sip/transaction/keys.ts';
import type { Header, SipRequest, SipResponse } from '../../../../src/sip/message/types.ts';

function req(method: string, over: { via?: string; cseq?: string; to?: string; uri?: string; from?: string } = {}): SipRequest {
  const headers: Header[] = [
    { name: 'Via', value: over.via ?? 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc' },
    { name: 'From', value: over.from ?? '<sip:a@example.com>;tag=f1' },
    { name: 'To', value: over.to ?? '<sip:b@example.com>' },
    { name: 'Call-ID', value: 'call-1' },
    { name: 'CSeq', value: over.cseq ?? `1 ${method}` },
    { name: 'Max-Forwards', value: '70' },
  ];
  return { kind: 'request', method, uri: over.uri ?? 'sip:b@example.com', version: 'SIP/2.0', headers, body: Buffer.alloc(0) };
}

function res(status: number, via: string, cseq: string): SipResponse {
  return {
    kind: 'response',
    status,
    reason: 'x',
    version: 'SIP/2.0',
    headers: [
      { name: 'Via', value: via },
      { name: 'CSeq', value: cseq },
    ],
    body: Buffer.alloc(0),
  };
}

describe('client transaction matching (RFC 3261 §17.1.3)', () => {
  it('a response MUST match by top Via branch and CSeq method', () => {
    const invite = req('INVITE');
    const k = clientKeyOf(invite);
    expect(k).toBeDefined();
    expect(clientKeyOf(res(200, 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc', '1 INVITE'))).toBe(k);
  });

  it('a response to a CANCEL with the same branch MUST NOT match the INVITE transaction', () => {
    const k = clientKeyOf(req('INVITE'));
    expect(clientKeyOf(res(200, 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc', '1 CANCEL'))).not.toBe(k);
  });

  it('a response with another branch does not match', () => {
    expect(clientKeyOf(res(200, 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKother', '1 INVITE'))).not.toBe(clientKeyOf(req('INVITE')));
  });

  it('a message without a Via branch has no client key', () => {
    expect(clientKeyOf(res(200, 'SIP/2.0/UDP 10.0.0.1:5060', '1 INVITE'))).toBeUndefined();
  });
});

describe('server transaction matching (RFC 3261 §17.2.3)', () => {
  it('MUST match a retransmission by branch, sent-by and method', () => {
    expect(serverKeyOf(req('OPTIONS'))?.key).toBe(serverKeyOf(req('OPTIONS'))?.key);
    expect(serverKeyOf(req('OPTIONS'))?.rfc2543).toBe(false);
  });

  it('an ACK MUST match the INVITE transaction with the same branch (method ACK maps to INVITE)', () => {
    expect(serverKeyOf(req('ACK', { cseq: '1 ACK', to: '<sip:b@example.com>;tag=t9' }))?.key).toBe(serverKeyOf(req('INVITE'))?.key);
  });

  it('a CANCEL MUST NOT match the INVITE transaction, but its INVITE key finds it (§9.2)', () => {
    const cancel = req('CANCEL', { cseq: '1 CANCEL' });
    expect(serverKeyOf(cancel)?.key).not.toBe(serverKeyOf(req('INVITE'))?.key);
    expect(serverKeyOf(cancel, 'INVITE')?.key).toBe(serverKeyOf(req('INVITE'))?.key);
  });

  it('the same branch from a different sent-by MUST NOT match', () => {
    expect(serverKeyOf(req('OPTIONS', { via: 'SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKabc' }))?.key).not.toBe(serverKeyOf(req('OPTIONS'))?.key);
  });

  it('sent-by without a port is the same as the default port 5060', () => {
    expect(serverKeyOf(req('OPTIONS', { via: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKabc' }))?.key).toBe(serverKeyOf(req('OPTIONS'))?.key);
  });

  it('RFC 2543 fallback: without the magic cookie, MUST match on Request-URI, From tag, Call-ID, CSeq and top Via', () => {
    const via = 'SIP/2.0/UDP 10.0.0.1:5060;branch=old123';
    const invite = serverKeyOf(req('INVITE', { via }));
    expect(invite?.rfc2543).toBe(true);
    expect(serverKeyOf(req('INVITE', { via }))?.key).toBe(invite?.key);
    // The ACK for a non-2xx carries our To tag and CSeq method ACK: same key (the layer then checks the tag).
    expect(serverKeyOf(req('ACK', { via, cseq: '1 ACK', to: '<sip:b@example.com>;tag=ours' }))?.key).toBe(invite?.key);
    expect(serverKeyOf(req('INVITE', { via, uri: 'sip:c@example.com' }))?.key).not.toBe(invite?.key);
    expect(serverKeyOf(req('INVITE', { via, cseq: '2 INVITE' }))?.key).not.toBe(invite?.key);
    expect(serverKeyOf(req('INVITE', { via, from: '<sip:a@example.com>;tag=f2' }))?.key).not.toBe(invite?.key);
    expect(serverKeyOf(req('INVITE', { via: 'SIP/2.0/UDP 10.0.0.3:5060;branch=old123' }))?.key).not.toBe(invite?.key);
  });

  it('RFC 2543 fallback also applies to a Via with no branch at all', () => {
    const k = serverKeyOf(req('OPTIONS', { via: 'SIP/2.0/UDP 10.0.0.1:5060' }));
    expect(k?.rfc2543).toBe(true);
    expect(serverKeyOf(req('OPTIONS', { via: 'SIP/2.0/UDP 10.0.0.1:5060' }))?.key).toBe(k?.key);
  });

  it('a request without a Via has no server key', () => {
    const r = req('OPTIONS');
    r.headers = r.headers.filter((h) => h.name !== 'Via');
    expect(serverKeyOf(r)).toBeUndefined();
  });
});
