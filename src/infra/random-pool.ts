// Random bytes for ids and tokens drawn from the CSPRNG a block at a time: one crypto call per
// 4 KiB instead of one per token (several tokens per call and per binding at hundreds per second;
// a synchronous randomBytes() each was a few percent of the CPU). Each byte is handed out once.
import { randomFillSync } from 'node:crypto';

const BLOCK = 4096;
const block = Buffer.alloc(BLOCK);
let used = BLOCK;

/**
 * `n` (<= 4096) fresh random bytes: `bytes[at]` to `bytes[at + n - 1]`. The buffer is refilled by
 * later calls, so read them before the next call.
 */
export function randomBytesFromPool(n: number): { bytes: Buffer; at: number } {
  if (used + n > BLOCK) {
    randomFillSync(block);
    used = 0;
  }
  const at = used;
  used += n;
  return { bytes: block, at };
}
