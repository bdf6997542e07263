// Which connected app gets a new request: round-robin over the apps that routed its method
// (drachtio-protocol.md §2.3). Verbs compare case-insensitively; `cdr:*` streams route the same way.
import type { AppSession } from './app-session.ts';

export class AppRouter {
  private readonly byVerb = new Map<string, { sessions: AppSession[]; next: number }>();

  add(verb: string, session: AppSession): void {
    const key = verb.toLowerCase();
    let entry = this.byVerb.get(key);
    if (!entry) {
      entry = { sessions: [], next: 0 };
      this.byVerb.set(key, entry);
    }
    if (!entry.sessions.includes(session)) entry.sessions.push(session);
  }

  /** Only the named verb (the C++ server drops every verb: a quirk not copied, §10 #3). */
  remove(verb: string, session: AppSession): void {
    const entry = this.byVerb.get(verb.toLowerCase());
    if (entry) entry.sessions = entry.sessions.filter((s) => s !== session);
  }

  removeSession(session: AppSession): void {
    for (const entry of this.byVerb.values()) entry.sessions = entry.sessions.filter((s) => s !== session);
  }

  select(verb: string): AppSession | undefined {
    const entry = this.byVerb.get(verb.toLowerCase());
    if (!entry || entry.sessions.length === 0) return undefined;
    for (let i = 0; i < entry.sessions.length; i++) {
      const s = entry.sessions[entry.next % entry.sessions.length] as AppSession;
      entry.next = (entry.next + 1) % entry.sessions.length;
      if (s.isOpen) return s;
    }
    return undefined;
  }

  has(verb: string): boolean {
    return (this.byVerb.get(verb.toLowerCase())?.sessions.length ?? 0) > 0;
  }

  /** Number of connected apps that routed at least one verb. */
  get appCount(): number {
    const all = new Set<AppSession>();
    for (const e of this.byVerb.values()) for (const s of e.sessions) all.add(s);
    return all.size;
  }
}
