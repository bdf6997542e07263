import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeLua, splitLib } from '../../../src/bindings/lua-compose.ts';
import { newBindingId, randomHex, xOfBindingId } from '../../../src/bindings/ids.ts';

const LIB = `-- header comment
local NOW = tonumber(ARGV[1])

local function a()
  return 1
end

-- b uses a
local function b()
  return a() + 1
end

local function c()
  return 3
end

-- d uses b, not c
local function d()
  return b() * 2
end`;

const functionsOf = (src: string): string[] => [...src.matchAll(/^local function (\w+)/gm)].map((m) => m[1] as string);

describe('composeLua (per-X scripts carry only the helpers they call)', () => {
  it('splits the library into its preamble and one block per function, comments attached below', () => {
    const { preamble, blocks } = splitLib(LIB);
    expect(preamble).toContain('local NOW = tonumber(ARGV[1])');
    expect(preamble).not.toContain('local function');
    expect(blocks.map((x) => x.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(blocks[1]?.text.startsWith('-- b uses a')).toBe(true);
  });

  it('keeps the preamble and the functions reached from the body, transitively, in library order', () => {
    const out = composeLua(LIB, 'return d()');
    expect(functionsOf(out)).toEqual(['a', 'b', 'd']);
    expect(out.startsWith('-- header comment\nlocal NOW')).toBe(true);
    expect(out.endsWith('return d()')).toBe(true);
  });

  it('a body that calls nothing gets only the preamble', () => {
    expect(functionsOf(composeLua(LIB, "return redis.call('GET', KEYS[1])"))).toEqual([]);
  });

  it('a name inside a longer identifier or a method call is not a call of that function', () => {
    expect(functionsOf(composeLua(LIB, 'local x = ab() + t.c() + t:d()'))).toEqual([]);
  });

  it('the real scripts: lookup needs no helper, bind reaches every helper it calls', () => {
    const lib = readFileSync(new URL('../../../src/bindings/lua/lib.lua', import.meta.url), 'utf8');
    const lookup = readFileSync(new URL('../../../src/bindings/lua/lookup.lua', import.meta.url), 'utf8');
    const bind = readFileSync(new URL('../../../src/bindings/lua/bind.lua', import.meta.url), 'utf8');
    expect(functionsOf(composeLua(lib, lookup))).toEqual([]);
    const kept = functionsOf(composeLua(lib, bind));
    for (const f of ['registered', 'live', 'release', 'start_cool', 'prune_cool', 'cooling_at', 'expire_due', 'finish', 'save']) expect(kept).toContain(f);
    // Every helper kept is defined before anything that calls it (Lua locals).
    const all = functionsOf(lib);
    expect(kept).toEqual(all.filter((f) => kept.includes(f)));
  });
});

describe('binding ids', () => {
  it('randomHex gives the asked number of random bytes as hex, different each time, across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const h = randomHex(8);
      expect(h).toMatch(/^[0-9a-f]{16}$/);
      seen.add(h);
    }
    expect(seen.size).toBe(2_000);
    expect(randomHex(3)).toMatch(/^[0-9a-f]{6}$/);
  });

  it('an id carries X (without +) and round-trips through xOfBindingId', () => {
    const id = newBindingId('+8610000000001');
    expect(id).toMatch(/^8610000000001-[0-9a-f]{16}$/);
    expect(xOfBindingId(id)).toBe('+8610000000001');
  });
});
