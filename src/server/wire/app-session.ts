// One connected drachtio-srf application (drachtio-protocol.md §2): authentication, routes,
// ping, and the command stream handed to the server core.
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { FrameDecoder, WireFramingError, decodeCommand, encodeMessageFrame, type AppCommand } from './codec.ts';

export interface AppSessionHandlers {
  /** Successful login: reply tokens after OK (hostports, version, local hostports). */
  authenticateReply(): string[];
  checkSecret(secret: string): boolean;
  onRoute(session: AppSession, verb: string): void;
  onRemoveRoute(session: AppSession, verb: string): void;
  /** sip / proxy commands, only after authentication. */
  onCommand(session: AppSession, cmd: Extract<AppCommand, { kind: 'sip' | 'proxy' }>): void;
  onClose(session: AppSession): void;
}

let nextSessionNumber = 1;

export class AppSession {
  readonly name: string;
  authenticated = false;
  tags: string[] = [];
  private readonly decoder: FrameDecoder;
  private closed = false;
  /** Frames written since the last flush; one socket write per event-loop turn carries them all. */
  private pending: Buffer[] = [];
  private flushScheduled = false;

  constructor(
    private readonly socket: Socket,
    private readonly handlers: AppSessionHandlers,
    private readonly log: Logger,
    maxFrameBytes: number,
  ) {
    this.name = `app-${nextSessionNumber++}@${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.decoder = new FrameDecoder(maxFrameBytes);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 45_000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.log.warn({ app: this.name, err: err.message }, 'app connection error'));
    socket.on('close', () => this.onSocketClose());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Send a server-originated message (SIP text or its serialised bytes); returns its msgId. */
  send(tokens: readonly string[], sip?: string | Buffer): string {
    const id = randomUUID();
    this.write(encodeMessageFrame([id, ...tokens], typeof sip === 'string' ? Buffer.from(sip, 'utf8') : sip));
    return id;
  }

  /** Reply to the app message `appMsgId`. */
  respond(appMsgId: string, tokens: readonly string[], sip?: string | Buffer): void {
    this.send(['response', appMsgId, ...tokens], sip);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.socket.end();
    this.socket.destroySoon?.();
  }

  private write(frame: Buffer): void {
    if (this.closed) return;
    this.pending.push(frame);
    // Everything written while this event-loop turn handles its I/O (several datagrams and app
    // frames may be read in one turn) goes out in one write after it: fewer syscalls on both ends.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushNow);
    }
  }

  private readonly flushNow = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private flush(): void {
    const frames = this.pending;
    if (frames.length === 0) return;
    this.pending = [];
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
  }

  private onData(chunk: Buffer): void {
    let payloads: string[];
    try {
      payloads = this.decoder.push(chunk);
    } catch (err) {
      const reason = err instanceof WireFramingError ? err.message : String(err);
      this.log.warn({ app: this.name, reason }, 'bad frame from app: closing the connection');
      this.socket.destroy();
      return;
    }
    for (const payload of payloads) {
      try {
        this.dispatch(decodeCommand(payload));
      } catch (err) {
        // A command that cannot be processed must never take the server down (drachtio closes the app).
        this.log.error({ app: this.name, err: err instanceof Error ? err.stack : String(err) }, 'error processing app command: closing the connection');
        this.socket.destroy();
        return;
      }
    }
  }

  private dispatch(cmd: AppCommand): void {
    switch (cmd.kind) {
      case 'authenticate':
        if (!this.handlers.checkSecret(cmd.secret)) {
          this.log.warn({ app: this.name }, 'app authentication failed: incorrect secret');
          this.respond(cmd.id, ['NO', 'incorrect secret']);
          this.close();
          return;
        }
        this.authenticated = true;
        this.tags = cmd.tags;
        this.log.info({ app: this.name, tags: cmd.tags }, 'app connected and authenticated');
        this.respond(cmd.id, ['OK', ...this.handlers.authenticateReply()]);
        return;
      case 'ping':
        this.respond(cmd.id, ['OK', 'pong']);
        return;
      case 'route':
      case 'remove_route':
        if (!this.requireAuth(cmd.id)) return;
        if (cmd.kind === 'route') this.handlers.onRoute(this, cmd.verb);
        else this.handlers.onRemoveRoute(this, cmd.verb);
        this.respond(cmd.id, ['OK']);
        return;
      case 'sip':
      case 'proxy':
        if (!this.requireAuth(cmd.id)) return;
        this.handlers.onCommand(this, cmd);
        return;
      case 'unknown':
        this.log.warn({ app: this.name, type: cmd.type }, 'unknown message type from app: closing the connection');
        this.respond(cmd.id, ['NO', 'Unknown message type']);
        this.close();
        return;
    }
  }

  // Unlike the C++ server we refuse commands before a successful login (drachtio-protocol.md §10 #2).
  private requireAuth(id: string): boolean {
    if (this.authenticated) return true;
    this.respond(id, ['NOK', 'not authenticated']);
    return false;
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.log.info({ app: this.name }, 'app disconnected');
    this.handlers.onClose(this);
  }
}
