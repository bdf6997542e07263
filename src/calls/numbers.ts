// Caller and called numbers of an incoming INVITE, from SIP and tel URIs, normalised to E.164.
// Pure string handling: works on header values as they arrive (drachtio-srf's req.get()).
import { normalizeNumber } from '../bindings/e164.ts';

/** Splits a header value on top-level commas (not inside quotes or <...>). RFC 3261 §7.3.1 */
function splitHeaderValues(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') depth++;
    else if (!quoted && c === '>') depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && c === ',') {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out.map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * The URI inside one name-addr or addr-spec: `"Bob" <sip:+1555@h>;tag=x` -> `sip:+1555@h`.
 * RFC 3261 §20.10: without angle brackets, parameters after ';' belong to the header, not the URI.
 */
export function uriOfNameAddr(value: string): string | null {
  const v = value.trim();
  const lt = v.indexOf('<');
  if (lt >= 0) {
    const gt = v.indexOf('>', lt);
    return gt > lt ? v.slice(lt + 1, gt).trim() : null;
  }
  const uri = v.split(';')[0]?.trim() ?? '';
  return uri === '' ? null : uri;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The user part of a sip:/sips: URI or the number of a tel: URI (RFC 3966), without parameters.
 * `sip:+86-139;npdi@h;user=phone` -> `+86-139`; `tel:+8613912345678;phone-context=x` -> `+8613912345678`.
 */
export function userOfUri(uri: string): string | null {
  const m = /^(sips?|tel):(.*)$/i.exec(uri.trim());
  if (!m) return null;
  const scheme = (m[1] ?? '').toLowerCase();
  const rest = m[2] ?? '';
  if (scheme === 'tel') {
    const num = rest.split(';')[0] ?? '';
    return num === '' ? null : safeDecode(num);
  }
  const at = rest.lastIndexOf('@');
  if (at < 0) return null;
  // userinfo = user [":" password]; user parameters (RFC 4694 npdi, rn) follow ';'.
  const user = (rest.slice(0, at).split(':')[0] ?? '').split(';')[0] ?? '';
  return user === '' ? null : safeDecode(user);
}

/**
 * Normalises a dialled or presented number (visual separators, +, 00, national with the trunk's
 * country code). Without a country code only international forms are accepted.
 */
export function normalizeParty(raw: string, countryCode: string | undefined): string | null {
  const s = raw.trim().replace(/[\s\-.()]/g, '');
  if (!countryCode && !s.startsWith('+') && !s.startsWith('00')) return null;
  return normalizeNumber(s, countryCode ?? '');
}

function firstNumber(headerValue: string | undefined, countryCode: string | undefined): string | null {
  if (!headerValue) return null;
  for (const part of splitHeaderValues(headerValue)) {
    const uri = uriOfNameAddr(part);
    const user = uri ? userOfUri(uri) : null;
    const n = user ? normalizeParty(user, countryCode) : null;
    if (n) return n;
  }
  return null;
}

/** The caller: P-Asserted-Identity first (RFC 3325 §9.1, trusted from a trunk), then From. */
export function callerNumber(h: { pai?: string; from?: string }, countryCode?: string): string | null {
  return firstNumber(h.pai, countryCode) ?? firstNumber(h.from, countryCode);
}

/** The called X: the Request-URI user, else the To URI. */
export function calledNumber(h: { requestUri: string; to?: string }, countryCode?: string): string | null {
  const user = userOfUri(h.requestUri);
  const fromRuri = user ? normalizeParty(user, countryCode) : null;
  return fromRuri ?? firstNumber(h.to, countryCode);
}

/**
 * Digit strings whose presence in a message means the number leaked: the full international
 * digits and, when the country code is known, the national significant number.
 */
export function numberNeedles(e164: string, countryCode?: string): string[] {
  const digits = e164.replace(/\D/g, '');
  const needles = new Set([digits]);
  if (countryCode && digits.startsWith(countryCode) && digits.length - countryCode.length >= 6) {
    needles.add(digits.slice(countryCode.length));
  }
  return [...needles];
}

/** True when any needle occurs in `text` (digits compared after dropping visual separators). */
export function containsNumber(text: string, needles: readonly string[]): boolean {
  const squashed = text.replace(/(\d)[\s\-.()]+(?=\d)/g, '$1');
  return needles.some((n) => n !== '' && (text.includes(n) || squashed.includes(n)));
}
