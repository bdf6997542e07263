import { describe, expect, it } from 'vitest';
import { containsNumber, numberNeedles } from '../../../src/calls/numbers.ts';
import { scrubSdp } from '../../../src/calls/sdp.ts';

const aDigits = numberNeedles('+8613912345678', '86');

const hostile = [
  'v=0',
  'o=13912345678 8613912345678 2 IN IP4 192.0.2.10',
  's=call from 13912345678',
  'i=Alice 13912345678',
  'u=http://example.com/13912345678',
  'e=alice@example.com (13912345678)',
  'p=+86 139 1234 5678',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'a=tool:softphone-13912345678',
  'm=audio 49170 RTP/AVP 0 8 101',
  'i=media of 13912345678',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=ssrc:1234 cname:13912345678@192.0.2.10',
  'a=label:13912345678',
  'a=x-caller:+8613912345678',
  'a=sendrecv',
  '',
].join('\r\n');

describe('scrubSdp', () => {
  const out = scrubSdp(hostile, { forbidden: aDigits }) ?? '';
  const lines = out.split('\r\n').filter((l) => l !== '');

  it('leaves no trace of the number anywhere', () => {
    expect(containsNumber(out, aDigits)).toBe(false);
  });
  it('rewrites o= username and keeps version, network and address (RFC 4566 §5.2)', () => {
    const o = lines.find((l) => l.startsWith('o='));
    expect(o).toMatch(/^o=- \d+ 2 IN IP4 192\.0\.2\.10$/);
  });
  it('maps the same session id to the same value (re-offers stay one session)', () => {
    const again = scrubSdp(hostile.replace(' 2 IN', ' 3 IN')) ?? '';
    const sid = (s: string) => s.split('\r\n').find((l) => l.startsWith('o='))?.split(' ')[1];
    expect(sid(again)).toBe(sid(out));
    expect(again).toMatch(/^o=- \d+ 3 IN/m);
  });
  it('sets s=- and drops i=, u=, e=, p=, a=tool and a=label', () => {
    expect(lines).toContain('s=-');
    for (const t of ['i=', 'u=', 'e=', 'p=', 'a=tool', 'a=label']) expect(lines.some((l) => l.startsWith(t))).toBe(false);
  });
  it('keeps media, connection, timing and media attributes in order', () => {
    expect(lines).toEqual(expect.arrayContaining(['v=0', 'c=IN IP4 192.0.2.10', 't=0 0', 'm=audio 49170 RTP/AVP 0 8 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv']));
    expect(lines.indexOf('m=audio 49170 RTP/AVP 0 8 101')).toBeLessThan(lines.indexOf('a=rtpmap:0 PCMU/8000'));
    expect(lines[0]).toBe('v=0');
  });
  it('replaces an ssrc cname and drops any other line still carrying the number', () => {
    expect(lines.some((l) => /^a=ssrc:1234 cname:\d+$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('a=x-caller'))).toBe(false);
  });
  it('accepts LF-only input and returns CRLF; keeps an absent body absent', () => {
    expect(scrubSdp('v=0\no=u 1 1 IN IP4 1.2.3.4\ns=x\nt=0 0\n')).toBe('v=0\r\no=- ' + (scrubSdp('v=0\r\no=u 1 1 IN IP4 1.2.3.4\r\n') ?? '').split(' ')[1] + ' 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n');
    expect(scrubSdp(undefined)).toBeUndefined();
    expect(scrubSdp('')).toBe('');
  });
});
