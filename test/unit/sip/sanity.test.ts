import { describe, expect, it } from 'vitest';
import {
  checkAccept,
  checkContentType,
  checkMandatoryHeaders,
  checkRequestSanity,
  checkRequestUri,
  checkRequire,
  checkResponseSanity,
  rejectionForParseFailure,
} from '../../../src/sip/sanity.ts';
import { parseMessage } from '../../../src/sip/message/parse.ts';
import { SipParseError, SipVersionError } from '../../../src/sip/message/errors.ts';
import { removeHeader, setHeader, addHeader } from '../../../src/sip/message/headers.ts';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types.ts';

const SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function request(method = 'INVITE', body = SDP): SipRequest {
  const text =
    `${method} sip:+8613900001111@trunk.example.org SIP/2.0\r\n` +
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-s1\r\n' +
    'Max-Forwards: 70\r\n' +
    'From: <sip:+8613800002222@192.0.2.1>;tag=f1\r\n' +
    'To: <sip:+8613900001111@trunk.example.org>\r\n' +
    'Call-ID: sanity-1@192.0.2.1\r\n' +
    `CSeq: 10 ${method}\r\n` +
    'Contact: <sip:caller@192.0.2.1>\r\n' +
    (body ? 'Content-Type: application/sdp\r\n' : '') +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const r = parseMessage(Buffer.from(text));
  if (!r.ok || r.message.kind !== 'request') throw new Error('fixture did not parse');
  return r.message;
}

function response(): SipResponse {
  const r = parseMessage(
    Buffer.from('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-r\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: r1\r\nCSeq: 3 INVITE\r\nContent-Length: 0\r\n\r\n'),
  );
  if (!r.ok || r.message.kind !== 'response') throw new Error('fixture did not parse');
  return r.message;
}

describe('checkRequestSanity (RFC 3261 §8.2, §16.3)', () => {
  it('passes a well-formed INVITE, BYE, ACK and OPTIONS', () => {
    for (const m of ['INVITE', 'BYE', 'OPTIONS', 'CANCEL']) expect(checkRequestSanity(request(m, m === 'INVITE' ? SDP : '')), m).toBeNull();
    expect(checkRequestSanity(request('ACK', ''))).toBeNull();
  });

  it.each(['Via', 'From', 'To', 'Call-ID', 'CSeq'])('a request without %s MUST be rejected with 400 (§8.1.1)', (name) => {
    const m = request();
    removeHeader(m, name);
    expect(checkRequestSanity(m)).toMatchObject({ status: 400, reason: `Missing ${name} Header` });
    expect(checkMandatoryHeaders(m)?.header).toBe(name.toLowerCase());
  });

  it('tolerates a missing Max-Forwards (RFC 2543 peers)', () => {
    const m = request();
    removeHeader(m, 'Max-Forwards');
    expect(checkRequestSanity(m)).toBeNull();
  });

  it.each([
    ['CSeq', '99999999999 INVITE', 'Bad CSeq Header'],
    ['CSeq', 'ten INVITE', 'Bad CSeq Header'],
    ['CSeq', '10 BYE', 'CSeq Method Mismatch'],
    ['From', 'sip:a@b, sip:c@d', 'Bad From Header'],
    ['From', '<sip:a@b>;;tag=1', 'Bad From Header'],
    ['To', '"open <sip:a@b>', 'Bad To Header'],
    ['To', 'http://example.org', 'Bad To Header'],
    ['Via', 'SIP/2.0/UDP', 'Bad Via Header'],
    ['Via', 'SIP/2.0/UDP h;branch=z9hG4bK', 'Bad Via Header'],
    ['Via', 'SIP/3.0/UDP h;branch=z9hG4bK1', 'Bad Via Header'],
    ['Call-ID', 'two words', 'Bad Call-ID Header'],
    ['Max-Forwards', '256', 'Bad Max-Forwards Header'],
    ['Max-Forwards', 'many', 'Bad Max-Forwards Header'],
    ['Contact', 'sip:a@b?x=1', 'Bad Contact Header'],
    ['Content-Type', 'sdp', 'Bad Content-Type Header'],
  ])('400 for a malformed %s: %s', (name, value, reason) => {
    const m = request();
    setHeader(m, name, value);
    const f = checkRequestSanity(m);
    expect(f).toMatchObject({ status: 400, reason });
  });

  it('400 for a repeated single-valued header (RFC 4475 §3.3.8)', () => {
    for (const name of ['To', 'From', 'Call-ID', 'CSeq', 'Max-Forwards', 'Content-Type']) {
      const m = request();
      addHeader(m, name, name === 'CSeq' ? '10 INVITE' : name === 'Max-Forwards' ? '70' : name === 'Content-Type' ? 'application/sdp' : name === 'Call-ID' ? 'other' : '<sip:x@y>');
      expect(checkRequestSanity(m), name).toMatchObject({ status: 400, reason: `Bad ${name} Header` });
    }
  });

  it('a later bad Via value is found too', () => {
    const m = request();
    addHeader(m, 'Via', 'SIP/2.0/UDP ok.example.org;branch=z9hG4bK2, garbage');
    expect(checkRequestSanity(m)?.reason).toBe('Bad Via Header');
  });

  it('416 for a Request-URI scheme we do not serve (§8.2.2.1), 400 for a malformed one', () => {
    const m = request();
    m.uri = 'mailto:someone@example.org';
    expect(checkRequestSanity(m)).toMatchObject({ status: 416 });
    m.uri = 'sip:user@';
    expect(checkRequestSanity(m)).toMatchObject({ status: 400, reason: 'Bad Request-URI' });
    m.uri = 'sip:user@example.org?Route=x';
    expect(checkRequestUri(m)).toMatchObject({ status: 400 });
    m.uri = 'tel:+8613900001111';
    expect(checkRequestSanity(m)).toBeNull();
    m.uri = 'sips:[2001:db8::1]:5061';
    expect(checkRequestSanity(m)).toBeNull();
  });

  it('483 when Max-Forwards is 0 (§16.3 step 3), except OPTIONS answered locally', () => {
    const m = request();
    setHeader(m, 'Max-Forwards', '0');
    expect(checkRequestSanity(m)).toMatchObject({ status: 483, reason: 'Too Many Hops' });
    const o = request('OPTIONS', '');
    setHeader(o, 'Max-Forwards', '0');
    expect(checkRequestSanity(o)).toBeNull();
  });

  it('420 with the unsupported tags for Require (§8.2.2.3), not for ACK or CANCEL', () => {
    const m = request();
    addHeader(m, 'Require', '100rel, timer');
    expect(checkRequestSanity(m)).toMatchObject({ status: 420, unsupported: ['100rel', 'timer'] });
    expect(checkRequestSanity(m, { supportedExtensions: ['timer'] })).toMatchObject({ status: 420, unsupported: ['100rel'] });
    expect(checkRequestSanity(m, { supportedExtensions: ['timer', '100rel'] })).toBeNull();
    const ack = request('ACK', '');
    addHeader(ack, 'Require', 'foo');
    expect(checkRequire(ack, [])).toBeNull();
  });

  it('415 for an INVITE body we cannot read (§8.2.3), 400 for a body without Content-Type (§7.4.1)', () => {
    const m = request();
    setHeader(m, 'Content-Type', 'application/x-unknown');
    expect(checkRequestSanity(m)).toMatchObject({ status: 415, accept: ['application/sdp', 'multipart/mixed', 'multipart/alternative'] });
    expect(checkContentType(m, ['application/x-unknown'])).toBeNull();
    removeHeader(m, 'Content-Type');
    expect(checkRequestSanity(m)).toMatchObject({ status: 400, reason: 'Missing Content-Type Header' });
    const info = request('INFO', 'Signal=1\r\n');
    setHeader(info, 'Content-Type', 'application/dtmf-relay');
    expect(checkRequestSanity(info)).toBeNull();
  });

  it('406 when an INVITE Accept excludes SDP', () => {
    const m = request();
    addHeader(m, 'Accept', 'text/plain');
    expect(checkRequestSanity(m)).toMatchObject({ status: 406 });
    setHeader(m, 'Accept', 'text/plain, application/*;q=0.5');
    expect(checkAccept(m)).toBeNull();
    setHeader(m, 'Accept', 'Application/SDP');
    expect(checkAccept(m)).toBeNull();
  });
});

describe('checkResponseSanity', () => {
  it('passes a good response and flags one that cannot be matched', () => {
    expect(checkResponseSanity(response())).toBeNull();
    const r = response();
    setHeader(r, 'CSeq', '99999999999 INVITE');
    expect(checkResponseSanity(r)).toMatchObject({ reason: 'Bad CSeq Header', header: 'cseq' });
    const v = response();
    removeHeader(v, 'Via');
    expect(checkResponseSanity(v)).toMatchObject({ header: 'via' });
  });
});

describe('rejectionForParseFailure', () => {
  const partial = request();
  it('505 for another version, 400 naming the header, 400 otherwise; null without a partial', () => {
    expect(rejectionForParseFailure(new SipVersionError('SIP/3.0'), partial)).toMatchObject({ status: 505, reason: 'Version Not Supported' });
    expect(rejectionForParseFailure(new SipParseError('bad', 'content-length'), partial)).toMatchObject({ status: 400, reason: 'Bad Content-Length Header' });
    expect(rejectionForParseFailure(new SipParseError('bad'), partial)).toMatchObject({ status: 400, reason: 'Bad Request' });
    expect(rejectionForParseFailure(new SipParseError('bad'), undefined)).toBeNull();
  });
});
