// Shared by rfc4475.test.ts: what our stack does with one fixture (parse, then sanity).
import { parseMessage } from '../../../../src/sip/message/parse.ts';
import { checkRequestSanity, checkResponseSanity, rejectionForParseFailure } from '../../../../src/sip/sanity.ts';
import type { SipMessage } from '../../../../src/sip/message/types.ts';

export interface Outcome {
  verdict: 'valid' | 'invalid';
  stage?: 'parse' | 'sanity';
  status?: number;
  reason?: string;
  message?: SipMessage;
}

/** The options our server uses when it runs the torture cases (nothing beyond RFC 3261 supported). */
export function judge(data: Buffer): Outcome {
  const r = parseMessage(data);
  if (!r.ok) {
    const rej = rejectionForParseFailure(r.error, r.partial);
    return rej ? { verdict: 'invalid', stage: 'parse', status: rej.status, reason: rej.reason } : { verdict: 'invalid', stage: 'parse' };
  }
  const msg = r.message;
  if (msg.kind === 'request') {
    const f = checkRequestSanity(msg);
    return f ? { verdict: 'invalid', stage: 'sanity', status: f.status, reason: f.reason, message: msg } : { verdict: 'valid', message: msg };
  }
  const f = checkResponseSanity(msg);
  return f ? { verdict: 'invalid', stage: 'sanity', reason: f.reason, message: msg } : { verdict: 'valid', message: msg };
}
