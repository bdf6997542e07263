import { describe, expect, it } from 'vitest';
import { maskNumber } from '../../../src/observability/mask.ts';

describe('maskNumber', () => {
  it('keeps the country/prefix digits and the last four, masking the middle', () => {
    expect(maskNumber('+8613912345678')).toBe('+86139****5678');
    expect(maskNumber('13912345678')).toBe('139****5678');
  });

  it('never returns the input unchanged for a number longer than four digits', () => {
    for (const n of ['12345', '1234567', '+12025550123', '008613912345678', '+861391234567890']) {
      const masked = maskNumber(n);
      expect(masked).not.toBe(n);
      expect(masked.length).toBe(n.length);
      expect(masked).toContain('*');
      expect(masked.endsWith(n.slice(-4))).toBe(true);
    }
  });

  it('hides at least four digits of any number of eight digits or more', () => {
    for (let len = 8; len <= 16; len++) {
      const n = '9'.repeat(len);
      expect((maskNumber(n).match(/\*/g) ?? []).length).toBeGreaterThanOrEqual(4);
    }
  });

  it('masks short numbers completely', () => {
    expect(maskNumber('110')).toBe('***');
    expect(maskNumber('+1234')).toBe('+****');
  });

  it('masks every long digit run inside a SIP URI or display string', () => {
    const masked = maskNumber('sip:+8613912345678@10.0.0.5;user=phone');
    expect(masked).not.toContain('13912345678');
    expect(masked).toContain('5678@10.0.0.5');
  });

  it('maps null and undefined to the empty string', () => {
    expect(maskNumber(undefined)).toBe('');
    expect(maskNumber(null)).toBe('');
  });
});
