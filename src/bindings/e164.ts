// Phone-number normalisation to E.164 ("+" then 8 to 15 digits, RFC 3966 global number digits).

const VISUAL_SEPARATORS = /[\s\-.()]/g;

/**
 * Normalise a number written in E.164 ("+8613800138000"), international "00" form
 * ("008613800138000") or national form with a trunk prefix ("013800138000" or "13800138000"),
 * using `defaultCountryCode` (digits only, e.g. "86") for national numbers.
 * Returns null when the input is not a phone number.
 */
export function normalizeNumber(input: string, defaultCountryCode: string): string | null {
  const s = input.trim().replace(VISUAL_SEPARATORS, '');
  let digits: string;
  if (s.startsWith('+')) digits = s.slice(1);
  else if (s.startsWith('00')) digits = s.slice(2);
  else if (/^\d+$/.test(s)) digits = defaultCountryCode + s.replace(/^0/, '');
  else return null;
  if (!/^[1-9]\d{7,14}$/.test(digits)) return null;
  return `+${digits}`;
}

export function isE164(value: string): boolean {
  return /^\+[1-9]\d{7,14}$/.test(value);
}
