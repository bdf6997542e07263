// SDP scrubbing: the session description crosses to the other leg, so every field that can carry
// a party's identity is rewritten or dropped; media lines are kept (RFC 4566 §5).
import { containsNumber } from './numbers.ts';

// Session-level lines that only describe the session or its owner (RFC 4566 §5.4-5.6):
// i= information, u= URI, e= email, p= phone number.
const DROPPED_TYPES = new Set(['i', 'u', 'e', 'p']);
// Attributes that name the sending tool or user (a=tool, a=label).
const DROPPED_ATTRIBUTES = new Set(['tool', 'label']);

/** Deterministic 32-bit FNV-1a as decimal: the same input maps to the same sess-id. */
function hashDigits(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return String(h);
}

function scrubOrigin(value: string): string {
  // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> (RFC 4566 §5.2)
  const parts = value.trim().split(/\s+/);
  if (parts.length !== 6) return `- 0 0 IN IP4 0.0.0.0`;
  const [, sessId = '0', version = '0', net = 'IN', addrType = 'IP4', addr = '0.0.0.0'] = parts;
  // The session id is kept stable (same input, same output) so re-offers stay one session;
  // the version is kept so the far end still sees it increase (RFC 3264 §8).
  return `- ${hashDigits(sessId)} ${version} ${net} ${addrType} ${addr}`;
}

function scrubAttribute(value: string): string | null {
  const name = value.split(/[:\s]/, 1)[0]?.toLowerCase() ?? '';
  if (DROPPED_ATTRIBUTES.has(name)) return null;
  // a=ssrc:<id> cname:<cname>: some stacks use user@host as CNAME (RFC 7022 says random).
  const cname = /^(ssrc:\d+\s+cname:)(.*)$/i.exec(value);
  if (cname) return `${cname[1] ?? ''}${hashDigits(cname[2] ?? '')}`;
  return value;
}

/** Headers of a message whose body is SDP. */
export const SDP_HEADERS: Readonly<Record<string, string>> = { 'Content-Type': 'application/sdp' };

export interface ScrubOptions {
  /** Digit strings (see numbers.numberNeedles) of real numbers that must never cross: any line still containing one is dropped. */
  forbidden?: readonly string[];
}

/** Returns the scrubbed SDP (CRLF line ends) or undefined for an absent body. */
export function scrubSdp(sdp: string | undefined, opts: ScrubOptions = {}): string | undefined {
  if (sdp === undefined || sdp === '') return sdp;
  const out: string[] = [];
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (line === '') continue;
    const type = line[0] ?? '';
    const value = line.slice(2);
    if (line[1] !== '=') continue;
    if (DROPPED_TYPES.has(type)) continue;
    let next: string | null;
    switch (type) {
      case 'o':
        next = `o=${scrubOrigin(value)}`;
        break;
      case 's':
        next = 's=-';
        break;
      case 'a': {
        const a = scrubAttribute(value);
        next = a === null ? null : `a=${a}`;
        break;
      }
      default:
        next = line;
    }
    if (next === null) continue;
    // Last line of defence: whatever field carried a real number, it does not cross.
    if (opts.forbidden && opts.forbidden.length > 0 && containsNumber(next, opts.forbidden)) continue;
    out.push(next);
  }
  return out.join('\r\n') + '\r\n';
}
