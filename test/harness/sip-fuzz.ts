// Hostile SIP input for robustness tests and benches: real-looking seed messages and a
// deterministic mutator (byte flips, truncations, junk insertions, deletions, duplications, line swaps).
import { request } from '../integration/sip/udp-peer.ts';


const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

export function seeds(port: number): string[] {
  return [
    request('OPTIONS', { port }),
    request('INVITE', { port, body: SDP, extra: ['Content-Type: application/sdp', 'Contact: <sip:peer@127.0.0.1>'] }),
    request('BYE', { port, to: '<sip:svc@127.0.0.1>;tag=x' }),
    request('CANCEL', { port }),
    request('ACK', { port }),
    request('REGISTER', { port, via: `SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKa, SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKb;received=1.2.3.4` }),
    `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKresp\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: r1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`,
    `INVITE sip:x@127.0.0.1 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKc\r\nf: "A \\"q\\"" <sip:a@b>;tag=1\r\nt: sip:x@127.0.0.1\r\ni: compact\r\nCSeq: 9 INVITE\r\nl: 0\r\n\r\n`,
  ];
}

const JUNK = ['\r\n', '\n', ':', ';', ',', '<', '>', '"', '\\', '\0', 'SIP/2.0', 'Via: ', 'Content-Length: 99999999999', 'CSeq: -1 INVITE', ';branch=', 'z9hG4bK', '%00', '\u00ff', ' '.repeat(300), 'A'.repeat(2000)];

export function mutate(base: Buffer, rnd: () => number): Buffer {
  const r = rnd();
  if (r < 0.08) {
    // Pure noise.
    const n = Math.floor(rnd() * 1500);
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
    return b;
  }
  let b = Buffer.from(base);
  const rounds = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < rounds; k++) {
    const at = Math.floor(rnd() * Math.max(1, b.length));
    const op = rnd();
    if (op < 0.3) {
      b[at] = Math.floor(rnd() * 256);
    } else if (op < 0.45) {
      b = b.subarray(0, at);
    } else if (op < 0.6) {
      const junk = Buffer.from(JUNK[Math.floor(rnd() * JUNK.length)] ?? '');
      b = Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
    } else if (op < 0.75) {
      const len = Math.floor(rnd() * 60);
      b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + len))]);
    } else if (op < 0.9) {
      const len = Math.floor(rnd() * 80);
      b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
    } else {
      // Swap two lines.
      const lines = b.toString('latin1').split('\r\n');
      const i = Math.floor(rnd() * lines.length);
      const j = Math.floor(rnd() * lines.length);
      const t = lines[i] ?? '';
      lines[i] = lines[j] ?? '';
      lines[j] = t;
      b = Buffer.from(lines.join('\r\n'), 'latin1');
    }
  }
  return b.length > 60_000 ? b.subarray(0, 60_000) : b;
}

