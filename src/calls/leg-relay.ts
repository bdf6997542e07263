// The in-dialog requests a bridged call (direct or callback) passes between its two legs:
// re-INVITE and UPDATE offers, one at a time per call and rewritten in transit; DTMF sent as INFO;
// REFER refused, since a transfer would reveal or reach a party outside the binding.
import type { Logger } from 'pino';
import { relayInfo } from './info-relay.ts';
import { relayModify, type ModifyState, type OfferRewrite } from './modify-relay.ts';
import type { SrfDialog } from './srf-types.ts';
import { relayUpdate } from './update-relay.ts';

/** One leg of a bridged call, as a sender. */
export interface BridgedLeg {
  dialog: SrfDialog;
  /** This leg's party's numbers: nothing it sends may carry them to the other leg. */
  digits: readonly string[];
  /** How this leg's offers, and the answers they get back, are rewritten. */
  rewrite: OfferRewrite;
}

export function relayBetweenLegs(state: ModifyState, x: BridgedLeg, y: BridgedLeg, log: Logger): void {
  for (const [from, to] of [
    [x, y],
    [y, x],
  ] as const) {
    from.dialog.on('modify', (req, res) => relayModify(state, from.dialog, to.dialog, req, res, from.rewrite, log));
    from.dialog.on('update', (req, res) => relayUpdate(state, from.dialog, to.dialog, req, res, from.rewrite, log));
    from.dialog.on('info', (req, res) => relayInfo(to.dialog, req, res, from.digits, log));
    from.dialog.on('refer', (_req, res) => res.send(403));
  }
}
