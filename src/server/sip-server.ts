// The drachtio-compatible SIP server: SIP transports and transactions below, the drachtio wire
// protocol for apps above (drachtio-protocol.md). Apps connect with unmodified drachtio-srf.
import { createServer, type Server } from 'node:net';
import type { Logger } from 'pino';
import { TransportSet } from './transport/transport-set.ts';
import { TransactionLayer, type TimerSettings } from './transaction-layer.ts';
import { LocalAddresses, type AdvertisedListener } from './addresses.ts';
import { DialogTable } from './dialogs.ts';
import { AppRouter } from './wire/router.ts';
import { AppSession } from './wire/app-session.ts';
import { parseContact } from './contacts.ts';
import { UasCore } from './uas.ts';
import { UacCore } from './uac.ts';
import { ProxyCore } from './proxy.ts';
import type { CoreContext } from './core-context.ts';
import { OverloadMonitor, type OverloadOptions, type OverloadStats } from './overload-monitor.ts';

/** srf parses `^v(\d+)\.(\d+)\.(\d+)` and pings only from v0.8.2 on (drachtio-protocol.md §2.2). */
export const SERVER_VERSION = 'v0.9.10-privacy-number';

export interface SipServerOptions {
  /** drachtio-style contacts, e.g. `sip:127.0.0.1:5060;transport=udp,tcp` (port 0: pick a free one). */
  contacts: string[];
  externalIp?: string;
  admin: { address: string; port: number; secret: string };
  timers: TimerSettings;
  maxMessageSize: number;
  tcpIdleTimeoutMs: number;
  /** Largest frame accepted from an app. */
  maxAppFrameBytes?: number;
  /** Send cdr:* events to apps that route them. */
  cdrs?: boolean;
  /** Overload control: new INVITEs refused with 503 + Retry-After while overloaded (absent = off). */
  overload?: OverloadOptions;
  log: Logger;
}

export class SipServer {
  private constructor(
    private readonly transports: TransportSet,
    private readonly layer: TransactionLayer,
    private readonly admin: Server,
    readonly addresses: LocalAddresses,
    private readonly router: AppRouter,
    private readonly sessions: Set<AppSession>,
    private readonly uas: UasCore,
    private readonly uac: UacCore,
    private readonly dialogs: DialogTable,
    private readonly overload: OverloadMonitor | undefined,
    private readonly log: Logger,
  ) {}

  static async start(opts: SipServerOptions): Promise<SipServer> {
    const log = opts.log;
    const specs = opts.contacts.flatMap(parseContact);
    const transports = await TransportSet.listen(specs, { maxMessageSize: opts.maxMessageSize, tcpIdleTimeoutMs: opts.tcpIdleTimeoutMs, log });
    const addresses = new LocalAddresses(transports.listeners, opts.externalIp);
    const dialogs = new DialogTable();
    const router = new AppRouter();
    const sessions = new Set<AppSession>();
    // The layer needs its TU callbacks at construction; the cores need the layer: tie the knot late.
    const cores: { uas?: UasCore; uac?: UacCore; proxy?: ProxyCore } = {};
    const layer = new TransactionLayer({
      transports,
      timers: opts.timers,
      log,
      maxMessageSize: opts.maxMessageSize,
      // The proxy core sees CANCELs of proxied INVITEs and record-routed in-dialog requests first.
      onRequest: (req, source, tx, cancels) => {
        if (!cores.proxy?.onRequest(req, source, tx, cancels)) cores.uas?.onRequest(req, source, tx, cancels);
      },
      onStrayResponse: (res) => {
        if (!cores.proxy?.onStrayResponse(res)) cores.uac?.onStrayResponse(res);
      },
      sanity: { supportedExtensions: ['100rel'] },
      isOwnSentBy: (host, port) => addresses.isOwn(host, port),
    });
    const ctx: CoreContext = { layer, addresses, dialogs, router, log, timers: opts.timers, cdrEnabled: opts.cdrs ?? true };
    const uacCore = new UacCore(ctx, (dialogId, app) => uasCore.answerPendingBye(dialogId, app));
    const overload: OverloadMonitor | undefined = opts.overload ? new OverloadMonitor(opts.overload, (): number => uasCore.unansweredInvites, log) : undefined;
    const uasCore = new UasCore(ctx, (dialog, reason) => uacCore.sendServerBye(dialog, reason), overload);
    cores.uac = uacCore;
    cores.uas = uasCore;
    const proxyCore = new ProxyCore(ctx, (transactionId) => uasCore.takeForProxy(transactionId));
    cores.proxy = proxyCore;

    const admin = createServer((socket) => {
      const session = new AppSession(
        socket,
        {
          checkSecret: (secret) => secret === opts.admin.secret,
          authenticateReply: () => [addresses.hostports(true), SERVER_VERSION, addresses.hostports(false)],
          onRoute: (s, verb) => router.add(verb, s),
          onRemoveRoute: (s, verb) => router.remove(verb, s),
          onCommand: (s, cmd) => {
            if (cmd.kind === 'proxy') {
              proxyCore.onCommand(s, cmd);
              return;
            }
            if (cmd.sip.startsWith('SIP/')) {
              if (cmd.transactionId === '') s.respond(cmd.id, ['NOK', 'transaction id missing']);
              else uasCore.onAppResponse(s, cmd.id, cmd.transactionId, cmd.sip);
            } else {
              uacCore.onAppRequest(s, cmd.id, cmd.transactionId, cmd.dialogId, cmd.proxy, cmd.sip);
            }
          },
          onClose: (s) => {
            sessions.delete(s);
            router.removeSession(s);
            uasCore.onAppGone(s);
            uacCore.onAppGone(s);
          },
        },
        log,
        opts.maxAppFrameBytes ?? 1024 * 1024,
      );
      sessions.add(session);
    });
    await new Promise<void>((resolve, reject) => {
      admin.once('error', reject);
      admin.listen(opts.admin.port, opts.admin.address, () => {
        admin.off('error', reject);
        resolve();
      });
    });
    overload?.start();
    const server = new SipServer(transports, layer, admin, addresses, router, sessions, uasCore, uacCore, dialogs, overload, log);
    log.info({ sip: addresses.hostports(false), admin: `${opts.admin.address}:${server.adminPort}` }, 'sip server listening');
    return server;
  }

  get adminPort(): number {
    const a = this.admin.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  get sipListeners(): readonly AdvertisedListener[] {
    return this.addresses.listeners;
  }

  /** Numbers an operator (and /readyz) wants to see. */
  stats(): {
    apps: number;
    dialogs: number;
    pendingIncoming: number;
    pendingOutgoing: number;
    unansweredInvites: number;
    overload: OverloadStats;
    transport: Record<string, number>;
  } {
    return {
      apps: this.sessions.size,
      dialogs: this.dialogs.size,
      pendingIncoming: this.uas.pendingCount,
      pendingOutgoing: this.uac.pendingCount,
      unansweredInvites: this.uas.unansweredInvites,
      overload: this.overload?.stats ?? { overloaded: false, refusedInvites: 0, loopDelayMs: 0 },
      transport: { ...this.layer.stats },
    };
  }

  /** True when at least one app has routed INVITE. */
  get hasInviteApp(): boolean {
    return this.router.has('invite');
  }

  async close(): Promise<void> {
    this.overload?.stop();
    for (const s of this.sessions) s.close();
    await new Promise<void>((resolve) => this.admin.close(() => resolve()));
    await this.layer.close();
    await this.transports.close();
    this.log.info('sip server stopped');
  }
}
