// The CallEventSink the call flows use: each event saves (merges) the call record and queues a
// webhook, both in the background. Nothing here throws or makes the caller wait (model.ts).
import type { Logger } from 'pino';
import type { Binding } from '../bindings/model.ts';
import { maskNumber } from '../observability/mask.ts';
import type { CallEventSink, CallRecord } from './model.ts';
import type { CallRecordStore } from './record-store.ts';
import { recordView, releasedBindingView } from './view.ts';
import type { WebhookDispatcher, WebhookEventType } from './webhooks.ts';

export interface CallEventPipeline extends CallEventSink {
  /** For the bindings sweeper (onReleased): queues `binding.released`. */
  bindingReleased(binding: Binding): void;
  /** Resolves when every save started so far has finished (for orderly shutdown and tests). */
  flush(): Promise<void>;
}

export interface CallEventPipelineDeps {
  records: CallRecordStore;
  webhooks: WebhookDispatcher;
  log: Logger;
  /** E.g. apiMetrics(registry): counts releases reported through bindingReleased. */
  counters?: { bindingsReleased: { inc(labels: { tenant: string }): void } };
  now?: () => number;
}

export function createCallEventSink(deps: CallEventPipelineDeps): CallEventPipeline {
  const { records, webhooks, log } = deps;
  const now = deps.now ?? Date.now;
  const pending = new Set<Promise<unknown>>();

  const track = (p: Promise<unknown>): void => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const emit = (type: WebhookEventType, record: CallRecord): void => {
    try {
      // Copy now: the flow may keep mutating its record object after this call returns.
      const snapshot: CallRecord = { ...record };
      // Every event updates the stored record (live progress); the indexes only need writing when
      // the call starts and ends, so ringing/answered cost a fields-only write.
      track(
        records.save(snapshot, { index: type === 'call.started' || type === 'call.ended' }).catch((err: unknown) => {
          log.error({ err, callId: snapshot.id, bindingId: snapshot.bindingId, caller: maskNumber(snapshot.caller) }, 'call record not saved');
        }),
      );
      if (webhooks.wants(snapshot.tenant)) webhooks.enqueue(snapshot.tenant, type, { ...recordView(snapshot) });
    } catch (err) {
      log.error({ err }, 'call event dropped');
    }
  };

  return {
    started: (r) => emit('call.started', r),
    ringing: (r) => emit('call.ringing', r),
    answered: (r) => emit('call.answered', r),
    ended: (r) => emit('call.ended', r),
    bindingReleased(binding: Binding): void {
      try {
        deps.counters?.bindingsReleased.inc({ tenant: binding.tenant });
        webhooks.enqueue(binding.tenant, 'binding.released', releasedBindingView(binding, now()));
      } catch (err) {
        log.error({ err, bindingId: binding.id }, 'binding.released event dropped');
      }
    },
    async flush(): Promise<void> {
      await Promise.allSettled([...pending]);
    },
  };
}
