// The overload decision (RFC 3261 §21.5.4 load shedding): thresholds, one window at a time, and
// hysteresis, with made-up samples.
import { describe, expect, it } from 'vitest';
import { OverloadDetector, type OverloadSample } from '../../../src/server/overload.ts';

const sample = (at: number, loopDelayMs: number, pendingInvites = 0): OverloadSample => ({ at, loopDelayMs, pendingInvites });

describe('OverloadDetector', () => {
  const limits = { maxLoopDelayMs: 250, maxPendingInvites: 2000 };

  it('stays normal while every value is at or below its threshold', () => {
    const d = new OverloadDetector(limits);
    for (const s of [sample(0, 0), sample(500, 250, 2000), sample(1000, 100, 10)]) expect(d.observe(s)).toBeUndefined();
    expect(d.overloaded).toBe(false);
  });

  it('enters overload on one window whose mean loop delay is above the threshold', () => {
    const d = new OverloadDetector(limits);
    const change = d.observe(sample(500, 251));
    expect(change).toEqual({ kind: 'entered', sample: sample(500, 251) });
    expect(d.overloaded).toBe(true);
  });

  it('enters overload when unanswered INVITEs pass their threshold, whatever the loop delay', () => {
    const d = new OverloadDetector(limits);
    expect(d.observe(sample(500, 0, 2001))?.kind).toBe('entered');
  });

  it('does not report entering twice while it stays overloaded', () => {
    const d = new OverloadDetector(limits);
    d.observe(sample(500, 400));
    expect(d.observe(sample(1000, 900))).toBeUndefined();
    expect(d.overloaded).toBe(true);
  });

  it('keeps the overload while a value is between half the threshold and the threshold (hysteresis)', () => {
    const d = new OverloadDetector(limits);
    d.observe(sample(0, 300));
    expect(d.observe(sample(500, 125))).toBeUndefined(); // exactly half: not yet clear
    expect(d.observe(sample(1000, 10, 1000))).toBeUndefined(); // pending at half of its limit
    expect(d.overloaded).toBe(true);
  });

  it('clears after a window with every watched value below half its threshold, with the duration', () => {
    const d = new OverloadDetector(limits);
    d.observe(sample(1000, 300));
    d.observe(sample(1500, 200));
    const change = d.observe(sample(2500, 124, 999));
    expect(change).toEqual({ kind: 'left', sample: sample(2500, 124, 999), durationMs: 1500 });
    expect(d.overloaded).toBe(false);
    // and can enter again
    expect(d.observe(sample(3000, 0, 2500))?.kind).toBe('entered');
  });

  it('ignores a value whose threshold is 0 (off)', () => {
    const d = new OverloadDetector({ maxLoopDelayMs: 0, maxPendingInvites: 10 });
    expect(d.enabled).toBe(true);
    expect(d.observe(sample(0, 1e6, 10))).toBeUndefined();
    expect(d.observe(sample(500, 1e6, 11))?.kind).toBe('entered');
    // the loop delay, off, does not hold the overload either
    expect(d.observe(sample(1000, 1e6, 4))?.kind).toBe('left');
  });

  it('is disabled, and never overloaded, with both thresholds 0', () => {
    const d = new OverloadDetector({ maxLoopDelayMs: 0, maxPendingInvites: 0 });
    expect(d.enabled).toBe(false);
    expect(d.observe(sample(0, 1e6, 1e6))).toBeUndefined();
    expect(d.overloaded).toBe(false);
  });

  it('honours a custom clear ratio', () => {
    const d = new OverloadDetector({ maxLoopDelayMs: 100, maxPendingInvites: 0, clearRatio: 0.8 });
    d.observe(sample(0, 150));
    expect(d.observe(sample(500, 80))).toBeUndefined();
    expect(d.observe(sample(1000, 79))?.kind).toBe('left');
  });
});
