import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { socketPathFor } from '../../../src/infra/embedded-redis.ts';

describe('socketPathFor', () => {
  it('puts the socket in the data folder when the path fits sockaddr_un', () => {
    expect(socketPathFor('/srv/pn/data/redis')).toBe('/srv/pn/data/redis/redis.sock');
  });

  it('falls back to a stable, per-folder name in the temp dir when the path is too long', () => {
    const long = '/srv/' + 'a'.repeat(120) + '/redis';
    const other = '/srv/' + 'b'.repeat(120) + '/redis';
    const path = socketPathFor(long);
    expect(path.startsWith(tmpdir())).toBe(true);
    expect(Buffer.byteLength(path)).toBeLessThanOrEqual(107);
    expect(socketPathFor(long)).toBe(path);
    expect(socketPathFor(other)).not.toBe(path);
  });
});
