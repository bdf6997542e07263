// The one poll-with-a-deadline for tests: used wherever no event tells us a condition holds.

/** Calls `check` every `intervalMs` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function poll<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Polls until `check` is true; fails after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 20): Promise<void> {
  await poll(what, async () => ((await check()) ? true : undefined), timeoutMs, intervalMs);
}
