import { describe, expect, it } from 'vitest';
import { addressInCidr, findTrunk, parseCidr, TrunkTable } from '../../../src/calls/trunks.ts';
import type { Trunk } from '../../../src/calls/trunks.ts';

const trunks: Trunk[] = [
  { name: 'carrier-a', addresses: ['10.1.0.0/16', '192.0.2.7'], gateways: ['sip:10.1.0.1:5060'], countryCode: '86' },
  { name: 'carrier-b', addresses: ['2001:db8:42::/48'], gateways: [] },
];

describe('CIDR matching', () => {
  it.each([
    ['10.1.2.3', '10.1.0.0/16', true],
    ['10.2.0.1', '10.1.0.0/16', false],
    ['192.0.2.7', '192.0.2.7', true],
    ['192.0.2.8', '192.0.2.7', false],
    ['1.2.3.4', '0.0.0.0/0', true],
    ['10.1.255.255', '10.1.0.0/16', true],
    ['2001:db8:42::1', '2001:db8:42::/48', true],
    ['2001:db8:43::1', '2001:db8:42::/48', false],
    ['::1', '::1/128', true],
    ['::ffff:10.1.9.9', '10.1.0.0/16', true],
    ['10.1.9.9', '::ffff:10.1.0.0/112', true],
    ['[2001:db8:42::5]', '2001:db8:42::/48', true],
    ['10.1.2.3', '2001:db8:42::/48', false],
    ['not-an-ip', '10.1.0.0/16', false],
  ])('%s in %s -> %s', (addr, cidr, expected) => {
    expect(addressInCidr(addr, cidr)).toBe(expected);
  });

  it('rejects malformed blocks at start-up', () => {
    expect(() => parseCidr('10.0.0.0/33')).toThrow(TypeError);
    expect(() => parseCidr('10.0.0.0/x')).toThrow(TypeError);
    expect(() => parseCidr('example.com')).toThrow(TypeError);
    expect(() => new TrunkTable([{ name: 'bad', addresses: ['300.1.1.1'], gateways: [] }])).toThrow(TypeError);
  });
});

describe('findTrunk', () => {
  it('finds the trunk owning the source address', () => {
    expect(findTrunk(trunks, '10.1.200.1')?.name).toBe('carrier-a');
    expect(findTrunk(trunks, '2001:db8:42:ffff::9')?.name).toBe('carrier-b');
  });

  it('returns null for any other source (untrusted)', () => {
    expect(findTrunk(trunks, '203.0.113.5')).toBeNull();
    expect(findTrunk(trunks, '2001:db8:99::1')).toBeNull();
  });

  it('uses another trunk\'s gateways when the source trunk has none', () => {
    const table = new TrunkTable(trunks);
    expect(table.outboundGateways(trunks[1] as Trunk)).toEqual(['sip:10.1.0.1:5060']);
    expect(table.outboundGateways(trunks[0] as Trunk)).toEqual(['sip:10.1.0.1:5060']);
  });
});
