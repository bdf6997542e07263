// The app's SIP text as the server takes it: header names re-cased, server-owned headers dropped.
import { describe, expect, it } from 'vitest';
import { splitAppMessage } from '../../../src/server/app-message.ts';

const names = (text: string): string[] => splitAppMessage(text).headers.map((h) => h.name);

describe('splitAppMessage', () => {
  it('writes well-known headers canonically (compact forms expanded), keeps X- names, re-cases the rest', () => {
    expect(names('INVITE sip:b@h SIP/2.0\r\nf: <sip:a@h>\r\ncall-id: 1\r\nX-my_Header: v\r\nsome-thing: w\r\n\r\n')).toEqual(['From', 'Call-ID', 'X-my_Header', 'Some-Thing']);
  });

  it('drops headers the server owns (Via, Route, Content-Length)', () => {
    expect(names('BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nRoute: <sip:p>\r\nContent-Length: 0\r\nCSeq: 2 BYE\r\n\r\n')).toEqual(['CSeq']);
  });

  it('an app header named like an Object.prototype member is an ordinary header', () => {
    expect(names('INFO sip:b@h SIP/2.0\r\nconstructor: a\r\ntoString: b\r\n__proto__: c\r\n\r\n')).toEqual(['Constructor', 'Tostring', '__proto__']);
  });
});
