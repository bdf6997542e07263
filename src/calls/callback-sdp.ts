// SDP we generate ourselves in the callback flow (RFC 3725 third-party call control): the held
// answer that lets A's 200 be ACKed before B answers, and the origin line of every SDP we send to
// one leg, which must stay one session with an increasing version (RFC 3264 §8). Pure functions.

/** One m= section of an SDP: its m= line and the lines that follow it up to the next m=. */
interface MediaSection {
  media: string;
  port: string;
  proto: string;
  formats: string[];
  lines: string[];
}

function sdpLines(sdp: string): string[] {
  return sdp
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.length >= 2 && l[1] === '=');
}

function mediaSections(sdp: string): MediaSection[] {
  const out: MediaSection[] = [];
  for (const line of sdpLines(sdp)) {
    if (line.startsWith('m=')) {
      const [media = 'audio', port = '0', proto = 'RTP/AVP', ...formats] = line.slice(2).trim().split(/\s+/);
      out.push({ media, port: port.split('/')[0] ?? '0', proto, formats, lines: [] });
    } else {
      out.at(-1)?.lines.push(line);
    }
  }
  return out;
}

/** Attribute lines (rtpmap, fmtp) that describe payload format `fmt` in a media section. */
function formatLines(section: MediaSection, fmt: string): string[] {
  return section.lines.filter((l) => l.startsWith(`a=rtpmap:${fmt} `) || l.startsWith(`a=fmtp:${fmt} `));
}

/** The origin of the SDP session we present to one leg. */
export interface SdpOrigin {
  sessionId: string;
  version: number;
  /** unicast-address of o= (IPv4). */
  address: string;
}

function originLine(o: SdpOrigin): string {
  return `o=- ${o.sessionId} ${o.version} IN IP4 ${o.address}`;
}

/**
 * An answer to `offer` that accepts every offered stream with one of its formats but sends and
 * receives nothing: `a=inactive` (allowed whatever the offered direction, RFC 3264 §6.1) and the
 * connection address 0.0.0.0 (RFC 3264 §8.4, RFC 3725 §4.1 "held" SDP). Rejected streams (port 0)
 * stay rejected (RFC 3264 §6). Returns null when the offer has no m= line (nothing to answer).
 */
export function heldAnswer(offer: string, origin: SdpOrigin): string | null {
  const sections = mediaSections(offer);
  if (sections.length === 0) return null;
  const out = ['v=0', originLine(origin), 's=-', 'c=IN IP4 0.0.0.0', 't=0 0'];
  for (const s of sections) {
    if (s.port === '0' || s.formats.length === 0) {
      out.push(`m=${s.media} 0 ${s.proto} ${s.formats.join(' ') || '0'}`);
      continue;
    }
    // RFC 3264 §6.1: the answer lists at least one of the offered formats; the first is preferred.
    const fmt = s.formats[0] ?? '0';
    out.push(`m=${s.media} 9 ${s.proto} ${fmt}`, ...formatLines(s, fmt), 'a=inactive');
  }
  return out.join('\r\n') + '\r\n';
}

/**
 * Stamps every SDP sent to one leg with that leg's own origin: same session id and address, the
 * version incremented by one each time (RFC 3264 §8: a new offer or answer in the same session
 * keeps the o= line but for the version). Without it A would see the origin of our held answer
 * replaced by B's in the re-INVITE, i.e. a different session.
 */
export class OriginSequence {
  private version: number;

  constructor(
    private readonly sessionId: string,
    private readonly address = '0.0.0.0',
    firstVersion = 1,
  ) {
    this.version = firstVersion - 1;
  }

  /** The origin of the next SDP (version + 1). */
  next(): SdpOrigin {
    this.version++;
    return { sessionId: this.sessionId, version: this.version, address: this.address };
  }

  /** `sdp` with its o= line replaced by the next origin of this sequence. */
  stamp(sdp: string): string {
    const o = originLine(this.next());
    const lines = sdpLines(sdp);
    const i = lines.findIndex((l) => l.startsWith('o='));
    if (i >= 0) lines[i] = o;
    else lines.splice(lines[0]?.startsWith('v=') ? 1 : 0, 0, o);
    return lines.join('\r\n') + '\r\n';
  }
}

/** A random numeric session id (RFC 4566 §5.2 suggests an NTP timestamp; any unique digits do). */
export function newSessionId(random: () => number = Math.random): string {
  return String(Math.floor(random() * 1e9) + 1e9);
}
