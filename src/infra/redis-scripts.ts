// Lua scripts on the shared Redis client: one way to read a script file and register it
// (defineCommand: EVALSHA with a NOSCRIPT fallback, so a script is sent once per connection).
// The only place that reaches into ioredis's untyped custom commands; callers wrap the returned
// function in typed signatures.
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

export type ScriptArg = string | number;
export type ScriptCall = (...args: ScriptArg[]) => Promise<unknown>;

/** The text of `lua/<name>.lua` next to the module whose `import.meta.url` is `base`. */
export function readLua(base: string, name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, base), 'utf8');
}

/** Registers `lua` as command `name` (its first `numberOfKeys` arguments are keys) and returns its caller. */
export function defineScript(redis: Redis | Cluster, name: string, numberOfKeys: number, lua: string): ScriptCall {
  redis.defineCommand(name, { numberOfKeys, lua });
  const fn = (redis as unknown as Record<string, ScriptCall | undefined>)[name];
  if (!fn) throw new Error(`script ${name} not defined`);
  return fn.bind(redis);
}
