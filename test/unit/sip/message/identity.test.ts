import { describe, expect, it } from 'vitest';
import { detachedString, identityOf } from '../../../../src/sip/message/identity.ts';
import { invite, parseRequest, parseResponse, wire } from './helpers.ts';

describe('identityOf', () => {
  it('keeps the start line, the top Via, From, To, Call-ID, CSeq and Route, and drops the body and every other header', () => {
    const req = parseRequest(
      wire(
        [
          'INVITE sip:bob@example.com SIP/2.0',
          'v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1',
          'Via: SIP/2.0/UDP b.example.com;branch=z9hG4bK2',
          'f: <sip:alice@example.com>;tag=1',
          't: <sip:bob@example.com>',
          'i: call-1@example.com',
          'CSeq: 7 INVITE',
          'Route: <sip:proxy.example.com;lr>',
          'Contact: <sip:alice@a.example.com>',
          'P-Asserted-Identity: <sip:+8613912345678@example.com>',
          'Content-Type: application/sdp',
          'Content-Length: 5',
        ],
        'v=0\r\n',
      ),
    );
    const id = identityOf(req);
    expect(id).toMatchObject({ kind: 'request', method: 'INVITE', uri: 'sip:bob@example.com', version: 'SIP/2.0' });
    expect(id.headers).toEqual([
      { name: 'v', value: 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1' },
      { name: 'f', value: '<sip:alice@example.com>;tag=1' },
      { name: 't', value: '<sip:bob@example.com>' },
      { name: 'i', value: 'call-1@example.com' },
      { name: 'CSeq', value: '7 INVITE' },
      { name: 'Route', value: '<sip:proxy.example.com;lr>' },
    ]);
    expect(id.body.length).toBe(0);
    // The original is left as it was.
    expect(req.headers.length).toBe(11);
    expect(req.body.toString()).toBe('v=0\r\n');
  });

  it('keeps the status and reason of a response', () => {
    const res = parseResponse(wire(['SIP/2.0 486 Busy Here', 'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1', 'To: <sip:bob@example.com>;tag=9', 'Content-Length: 0']));
    expect(identityOf(res)).toMatchObject({ kind: 'response', status: 486, reason: 'Busy Here', headers: [{ name: 'Via' }, { name: 'To', value: '<sip:bob@example.com>;tag=9' }] });
  });

  it('is equal text for values of any length', () => {
    const req = parseRequest(invite());
    for (const h of identityOf(req).headers) expect(req.headers.some((o) => o.name === h.name && o.value === h.value)).toBe(true);
    for (const s of ['', 'a', 'exactly13char', 'x'.repeat(500), 'ünïcödé-value-over-13']) expect(detachedString(s)).toBe(s);
  });
});
