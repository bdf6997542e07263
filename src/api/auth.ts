// API keys: `Authorization: Bearer <key>` → tenant. Keys are compared by their SHA-256, so the
// lookup time says nothing about how much of a key matched.
import { createHash } from 'node:crypto';
import { AppError } from '../errors.ts';

export interface ApiKey {
  tenant: string;
  key: string;
}

export interface Principal {
  tenant: string;
  /** A short, non-secret id of the key (rate limits, logs). */
  keyId: string;
}

const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

function digest(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function createAuthenticator(keys: readonly ApiKey[]): (authorization: string | undefined) => Principal {
  const byDigest = new Map<string, Principal>();
  for (const k of keys) {
    const d = digest(k.key);
    byDigest.set(d, { tenant: k.tenant, keyId: d.slice(0, 12) });
  }
  return (authorization) => {
    const m = authorization === undefined ? null : BEARER.exec(authorization);
    if (!m?.[1]) throw new AppError('PN_ERR_AUTH_MISSING');
    const p = byDigest.get(digest(m[1]));
    if (!p) throw new AppError('PN_ERR_AUTH_INVALID');
    return p;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every /v1 route. */
    tenant: string;
    apiKeyId: string;
  }
}
