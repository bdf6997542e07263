// RFC 4475 torture tests: every case of §3.1.1, §3.1.2, §3.2, §3.3 and §3.4, as our own fixture
// files, with the verdict table in test/fixtures/rfc4475/verdicts.json. None is skipped.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { judge } from './rfc4475-verdict.ts';
import { parseMessage } from '../../../../src/sip/message/parse.ts';
import { serializeMessage } from '../../../../src/sip/message/serialize.ts';
import { canonicalHeaderName, getHeader, getHeaderList, getHeaders } from '../../../../src/sip/message/headers.ts';
import { parseNameAddr } from '../../../../src/sip/message/name-addr.ts';
import { parseUri } from '../../../../src/sip/message/uri.ts';
import { getVias, topVia } from '../../../../src/sip/message/via.ts';
import { cseq, maxForwards, contentLength } from '../../../../src/sip/message/accessors.ts';
import { checkRequestSanity } from '../../../../src/sip/sanity.ts';
import type { SipMessage, SipRequest, SipResponse } from '../../../../src/sip/message/types.ts';

const DIR = fileURLToPath(new URL('../../../fixtures/rfc4475/', import.meta.url));

interface Verdict {
  section: string;
  verdict: 'valid' | 'invalid';
  status?: number;
  stage?: 'parse' | 'sanity';
  note: string;
}

const table = JSON.parse(readFileSync(join(DIR, 'verdicts.json'), 'utf8')) as Record<string, Verdict>;
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.sip'))
  .map((f) => f.slice(0, -4))
  .sort();

function load(name: string): Buffer {
  return readFileSync(join(DIR, `${name}.sip`));
}

function parsed(name: string): SipMessage {
  const r = parseMessage(load(name));
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.message;
}

function req(name: string): SipRequest {
  const m = parsed(name);
  if (m.kind !== 'request') throw new Error(`${name} is not a request`);
  return m;
}

function res(name: string): SipResponse {
  const m = parsed(name);
  if (m.kind !== 'response') throw new Error(`${name} is not a response`);
  return m;
}

/** Every case name of RFC 4475 §3 (49 cases). */
const RFC4475_CASES = [
  'wsinv', 'intmeth', 'esc01', 'escnull', 'esc02', 'lwsdisp', 'longreq', 'dblreq', 'semiuri', 'transports', 'mpart01', 'unreason', 'noreason',
  'badinv01', 'clerr', 'ncl', 'scalar02', 'scalarlg', 'quotbal', 'ltgtruri', 'lwsruri', 'lwsstart', 'trws', 'escruri', 'baddate', 'regbadct',
  'badaspec', 'baddn', 'badvers', 'mismatch01', 'mismatch02', 'bigcode',
  'badbranch',
  'insuf', 'unkscm', 'novelsc', 'unksm2', 'bext01', 'invut', 'regaut01', 'multi01', 'mcl01', 'bcast', 'zeromf', 'cparam01', 'cparam02', 'regescrt', 'sdp01',
  'inv2543',
];

describe('RFC 4475 fixture set', () => {
  it('the fixture directory and the verdict table list the same cases', () => {
    expect(files).toEqual(Object.keys(table).sort());
  });

  it('covers every case of RFC 4475 §3.1.1, §3.1.2, §3.2, §3.3 and §3.4', () => {
    expect(RFC4475_CASES).toHaveLength(49);
    expect([...RFC4475_CASES].sort()).toEqual(files);
  });

  it('every invalid request verdict names a status, and valid ones name none', () => {
    for (const [name, v] of Object.entries(table)) {
      if (v.verdict === 'valid') expect(v.status, name).toBeUndefined();
    }
  });
});

describe('RFC 4475 verdicts', () => {
  for (const name of files) {
    const v = table[name];
    it(`§${v?.section ?? '?'} ${name}: ${v?.verdict ?? '?'}${v?.status ? ` (${v.status})` : ''}`, () => {
      expect(v).toBeDefined();
      if (!v) return;
      const out = judge(load(name));
      expect(out.verdict).toBe(v.verdict);
      expect(out.status).toBe(v.status);
      if (v.stage !== undefined) expect(out.stage).toBe(v.stage);
      // A message we accept survives serialize -> parse with the same headers and body.
      if (out.verdict === 'valid' && out.message) {
        const again = parseMessage(serializeMessage(out.message));
        expect(again.ok).toBe(true);
        if (again.ok) {
          // serialize adds a Content-Length when the original had none (inv2543)
          const noLength = (m: SipMessage) => m.headers.filter((h) => canonicalHeaderName(h.name) !== 'content-length');
          expect(noLength(again.message)).toEqual(noLength(out.message));
          expect(contentLength(again.message)).toBe(out.message.body.length);
          expect(Buffer.compare(again.message.body, out.message.body)).toBe(0);
        }
      }
    });
  }
});

describe('RFC 4475 valid cases: what the parser must see', () => {
  it('wsinv: folding, compact forms, escaped quotes, empty value, unknown headers, leading zeros', () => {
    const m = req('wsinv');
    expect(m.uri).toBe('sip:vivian@example.org;unknownparam');
    expect(parseUri(m.uri).params.get('unknownparam')).toBeNull();
    const from = parseNameAddr(getHeader(m, 'from') ?? '');
    expect(from.displayName).toBe('Ann \\" Smith');
    expect(from.params.get('tag')).toBe('8q2w');
    expect(parseNameAddr(getHeader(m, 'to') ?? '').params.get('tag')).toBe('5e8d1c');
    expect(getHeader(m, 'subject')).toBe('');
    expect(getHeader(m, 'newfangledheader')).toBe('newfangled value continued newfangled value');
    expect(getHeader(m, 'UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    expect(maxForwards(m)).toBe(68);
    expect(cseq(m)).toEqual({ seq: 9, method: 'INVITE' });
    const vias = getVias(m);
    expect(vias.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ['UDP', '192.0.2.7', 'z9hG4bKwsinv01'],
      ['TCP', 'relay.example.org', 'z9hG4bKrelay9'],
      ['UDP', '192.168.255.111', 'z9hG4bKedge30'],
    ]);
    const contact = parseNameAddr(getHeaderList(m, 'contact')[0] ?? '');
    expect(contact.displayName).toBe('Quoted string""');
    expect(contact.params.get('newparam')).toBe('newvalue');
    expect(contact.params.get('secondparam')).toBeNull();
    expect(contact.params.get('q')).toBe('0.33');
    const route = parseNameAddr(getHeader(m, 'route') ?? '');
    expect(route.uri.params.get('unknown-no-value')).toBeNull();
    expect(route.uri.params.get('unknownwith')).toBe('value');
    expect(contentLength(m)).toBe(m.body.length);
  });

  it('intmeth: token characters everywhere, control octets in a quoted display name, UTF-8 with BOM', () => {
    const m = req('intmeth');
    expect(m.method).toBe("!odd-Method0123456789_*+`.%indeed'~");
    const uri = parseUri(m.uri);
    expect(uri.user).toBe("1_odd.URI~(surely!)&isn't+it$/mad?,/;;*");
    expect(uri.password).toBe("&it+has=1,odd!*pas$wo~d_too.(isn't-it)");
    expect(uri.host).toBe('example.org');
    const to = parseNameAddr(getHeader(m, 'to') ?? '');
    expect(to.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    const from = parseNameAddr(getHeader(m, 'from') ?? '');
    expect(from.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(from.params.get('tag')).toBe("_tok~1'+`*%!-.");
    expect(getHeader(m, "extensionHeader-!.%*+_`'~")).toBe('\ufeff大停電');
  });

  it('esc01 / escnull: escapes are kept as received', () => {
    const m = req('esc01');
    expect(parseUri(m.uri).user).toBe('sips%3Aann%40example.net');
    expect(parseNameAddr(getHeader(m, 'to') ?? '').uri.user).toBe('%61nn');
    expect(parseNameAddr(getHeader(m, 'from') ?? '').uri.user).toBe('I%20am%20spaced');
    const contact = parseNameAddr(getHeader(m, 'contact') ?? '');
    expect([...contact.uri.params]).toEqual([
      ['%6c%72', null],
      ['n%61me', 'v%61lue%25%34%31'],
    ]);
    const n = req('escnull');
    expect(getHeaderList(n, 'contact').map((c) => parseNameAddr(c).uri.user)).toEqual(['%00', '%00%00']);
  });

  it('esc02: % in a method and a header name is literal: an unknown method and two Contacts', () => {
    const m = req('esc02');
    expect(m.method).toBe('RE%47IST%45R');
    expect(getHeaderList(m, 'contact')).toHaveLength(2);
    expect(parseNameAddr(getHeader(m, 'to') ?? '').displayName).toBe('%Z%45');
  });

  it('lwsdisp: display name directly followed by <', () => {
    expect(parseNameAddr(getHeader(req('lwsdisp'), 'from') ?? '').displayName).toBe('caller');
  });

  it('longreq: 34 Via values, long tag, long branch', () => {
    const m = req('longreq');
    const vias = getVias(m);
    expect(vias).toHaveLength(34);
    expect(vias[0]?.branch).toBe('z9hG4bK' + 'long'.repeat(50) + 'branch');
    expect(vias[33]?.host).toBe('sip1.example.org');
    expect(parseNameAddr(getHeader(m, 'from') ?? '').params.get('tag')).toBe('12' + '982'.repeat(50) + '424');
    expect(parseNameAddr(getHeader(m, 'to') ?? '').uri.port).toBe(6000);
  });

  it('dblreq: only the first message of the datagram is parsed; the rest is ignored', () => {
    const data = load('dblreq');
    const r = parseMessage(data);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.message.kind === 'request' && r.message.method).toBe('REGISTER');
    expect(r.message.body.length).toBe(0);
    expect(r.size).toBeLessThan(data.length);
    expect(data.subarray(r.size, r.size + 6).toString()).toBe('INVITE');
  });

  it('semiuri: ";par=..." before "@" is part of the user', () => {
    const uri = parseUri(req('semiuri').uri);
    expect(uri.user).toBe('user;par=u%40example.net');
    expect(uri.host).toBe('example.org');
    expect(uri.params.size).toBe(0);
    expect(getHeaderList(req('semiuri'), 'accept')).toHaveLength(6);
  });

  it('transports: known and unknown transports in Via', () => {
    expect(getVias(req('transports')).map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  });

  it('mpart01: a binary multipart body is exactly Content-Length octets', () => {
    const m = req('mpart01');
    expect(m.body.length).toBe(contentLength(m));
    expect(m.body.subarray(-18).toString('latin1')).toBe('\r\n--boundary42--\r\n');
  });

  it('unreason / noreason: unusual and empty reason phrases', () => {
    expect(res('unreason').reason).toBe('= 2**3 * 5**2 это странная фраза, но допустимая');
    expect(res('unreason').status).toBe(200);
    expect(res('noreason').reason).toBe('');
    expect(serializeMessage(res('noreason')).toString().startsWith('SIP/2.0 100 \r\n')).toBe(true);
  });

  it('lwsstart / trws: extra SP in the request line is not written back', () => {
    expect(serializeMessage(req('lwsstart')).toString().split('\r\n')[0]).toBe('INVITE sip:user@example.org SIP/2.0');
    expect(serializeMessage(req('trws')).toString().split('\r\n')[0]).toBe('OPTIONS sip:remote-target@example.org SIP/2.0');
  });

  it('badaspec: spaces inside <> are ignored, a quoted display name may hold a comma', () => {
    const to = parseNameAddr(getHeader(req('badaspec'), 'to') ?? '');
    expect(to.uri.user).toBe('t.watson');
    expect(to.displayName).toBe('Watson, Thomas');
  });

  it('badbranch: the parser does not break on a bare magic cookie', () => {
    expect(topVia(req('badbranch'))?.branch).toBe('z9hG4bK');
  });

  it('unkscm / unksm2: unknown schemes parse as messages', () => {
    expect(req('unkscm').uri).toBe('nobodyKnowsThisScheme:totallyopaquecontent');
    expect(getHeader(req('unksm2'), 'to')).toBe('isbn:2983792873');
  });

  it('bext01: 420 lists the unsupported option tag, and passes once the tag is supported', () => {
    const m = req('bext01');
    expect(checkRequestSanity(m)?.unsupported).toEqual(['nothingSupportedHere']);
    expect(checkRequestSanity(m, { supportedExtensions: ['nothingsupportedhere'] })).toBeNull();
  });

  it('bcast: the broadcast sent-by is readable for the transport to refuse', () => {
    expect(getVias(res('bcast'))[1]?.host).toBe('255.255.255.255');
  });

  it('zeromf: OPTIONS with Max-Forwards 0 passes; the same as INVITE gets 483', () => {
    const m = req('zeromf');
    expect(maxForwards(m)).toBe(0);
    expect(checkRequestSanity(m)).toBeNull();
    const invite: SipRequest = {
      ...m,
      method: 'INVITE',
      headers: m.headers.map((h) => (h.name === 'CSeq' ? { name: h.name, value: '39234321 INVITE' } : h)),
    };
    expect(checkRequestSanity(invite)?.status).toBe(483);
  });

  it('cparam01 / cparam02: a param outside <> belongs to the header, inside <> to the URI', () => {
    const c1 = parseNameAddr(getHeader(req('cparam01'), 'contact') ?? '');
    expect(c1.params.get('unknownparam')).toBeNull();
    expect(c1.uri.params.has('unknownparam')).toBe(false);
    const c2 = parseNameAddr(getHeader(req('cparam02'), 'contact') ?? '');
    expect(c2.uri.params.get('unknownparam')).toBeNull();
    expect(c2.params.size).toBe(0);
  });

  it('regescrt: escaped URI header in a bracketed Contact', () => {
    const c = parseNameAddr(getHeaders(req('regescrt'), 'contact')[0] ?? '');
    expect(c.uri.headers.get('Route')).toBe('%3Csip:sip.example.org%3E');
  });

  it('inv2543: no branch, no tag, no Max-Forwards, body = rest of the datagram', () => {
    const m = req('inv2543');
    expect(topVia(m)?.branch).toBeUndefined();
    expect(parseNameAddr(getHeader(m, 'from') ?? '').params.has('tag')).toBe(false);
    expect(maxForwards(m)).toBeUndefined();
    expect(m.body.toString().startsWith('v=0\r\n')).toBe(true);
    expect(m.body.toString().endsWith('a=rtpmap:0 PCMU/8000\r\n')).toBe(true);
  });

  it('clerr / badvers keep enough (a partial request) to answer', () => {
    const r = parseMessage(load('clerr'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.partial?.method).toBe('INVITE');
    const v = parseMessage(load('badvers'));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.partial?.version).toBe('SIP/7.0');
  });
});
