// Masks the middle digits of a real phone number for logs: '+8613912345678' -> '+86139****5678'.
// A privacy product must never write a full real number at info level or above.

export function maskNumber(value: string | undefined | null): string {
  if (value === undefined || value === null) return '';
  const m = /^(\+?)(\d+)$/.exec(value);
  if (!m) {
    // Not a bare number (e.g. a SIP URI): mask every run of 7+ digits inside it.
    return value.replace(/\d{7,}/g, (run) => maskNumber(run));
  }
  const [, plus, digits] = m as unknown as [string, string, string];
  if (digits.length <= 4) return plus + '*'.repeat(digits.length);
  const keepEnd = 4;
  const keepStart = Math.min(5, Math.max(0, digits.length - keepEnd - 4));
  const hidden = digits.length - keepStart - keepEnd;
  return plus + digits.slice(0, keepStart) + '*'.repeat(hidden) + digits.slice(digits.length - keepEnd);
}
