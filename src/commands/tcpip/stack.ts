/**
 * The TCP/IP application's per-modem state (SIM800 AT Command Manual §8.2; docs/tcpip.md):
 * the stack's state machine (IP INITIAL → IP START → IP CONFIG → IP GPRSACT → IP STATUS →
 * connections), its settings, its six connection slots with real sockets, the module's
 * server, and the PDP contexts shared with AT+SAPBR and AT+CGACT (docs/tcpip.md §2,
 * decisions D4, D5). Everything here is RAM: back to defaults at every power-up.
 */
import * as net from 'node:net';
import type { Clock, TimerHandle } from '../../clock';
import { BearerStatus } from '../../modem/bearer';
import type { FeatureHooks, Notice } from '../../modem/feature';
import type { DialedLink, Modem } from '../../modem/modem';
import type { Address } from '../../address';
import { BrokerRouter } from '../../net/routing';
import { Connection, type ClientState, type Protocol } from './connection';
import { Transparent } from './transparent';
import { nodeDns } from '../../builtins';

/** The stack's own states (manual §8.2.2 <state>); connection states are derived. */
export type BaseState = 'IP INITIAL' | 'IP START' | 'IP CONFIG' | 'IP GPRSACT' | 'IP STATUS' | 'PDP DEACT';

/** Connection numbers 0..5 (manual §8.2.2). */
export const SLOTS = 6;
/** The most AT+CIPSEND takes at a time, and AT+CIPRXGET=2 returns (AT+CIPSEND?, RS capture). */
export const MAX_SEND = 1460;
/** Bytes held per connection for AT+CIPRXGET before the sender is held back (D18). */
export const RX_LIMIT = 65536;
/** Pushed data goes out in pieces of at most this (one segment, D15). */
const PUSH_CHUNK = 1460;
/** Manual §8.2.2: 75 s in multi mode. */
const CONNECT_TIMEOUT_MS = 75_000;

const DIRECT = new BrokerRouter('direct');

export interface PdpContext {
  type: string;
  apn: string;
}

interface ModuleServer {
  port: number;
  hostPort: number;
  server: net.Server;
}

/** Settings of AT+CIPCCFG: NmRetry, WaitTm, SendSz, esc, Rxmode, RxSize, Rxtimer. */
export const CCFG_DEFAULT: readonly number[] = [5, 2, 1024, 1, 0, 1460, 50];
export const TKA_DEFAULT: readonly number[] = [0, 7200, 75, 9];

/** Resolves or rejects with `p`, or rejects after `ms` on the modem's clock. */
function withTimeout<T>(clock: Clock, p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t: TimerHandle = clock.setTimeout(() => reject(new Error('timed out')), ms);
    p.then(
      (v) => {
        clock.clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clock.clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export class TcpIpStack implements FeatureHooks {
  base: BaseState = 'IP INITIAL';
  apn = 'CMNET';
  user = '';
  pwd = '';
  ip = '0.0.0.0';
  /** AT+CIPMUX: 0 one connection, 1 up to six. */
  mux = 0;
  /** AT+CIPQSEND: 0 `SEND OK` after the data left, 1 `DATA ACCEPT` at once. */
  qsend = 0;
  /** AT+CIPRXGET: 0 data pushed to the DTE, 1 fetched by the DTE. */
  rxget = 0;
  /** AT+CIPSSL. */
  ssl = 0;
  head = 0;
  srip = 0;
  showtp = 0;
  /** AT+CIPSPRT: 1 `> ` and SEND OK, 0 SEND OK only, 2 neither. */
  sprt = 1;
  /** AT+CIPMODE: 1 transparent. */
  cipmode = 0;
  ccfg = [...CCFG_DEFAULT];
  ats = { mode: 0, time: 1 };
  tka = [...TKA_DEFAULT];
  /** AT+CGDCONT definitions, by cid. */
  readonly contexts = new Map<number, PdpContext>();
  /** Contexts AT+CGACT=1 activated (released by CIPSHUT/SAPBR=0 on the same cid, D4). */
  readonly cgact = new Set<number>();
  dns: [string, string] = ['0.0.0.0', '0.0.0.0'];
  ntp = { cid: 1, server: '', tz: 0 };
  /** The six slots; single mode uses slot 0. */
  conns: (Connection | undefined)[] = [];
  server: ModuleServer | null = null;
  /** A `+CIPRXGET: 1` notice is outstanding for these connections (D17). */
  private readonly notified = new Set<number>();
  transparent: Transparent | null = null;

  constructor(readonly modem: Modem) {}

  // ---- state ----------------------------------------------------------------------

  /** The context is up for the stack: CIFSR answers, connections may start. */
  get up(): boolean {
    return this.base === 'IP GPRSACT' || this.base === 'IP STATUS';
  }

  /** The stack holds PDP context 1. */
  private get holdsContext(): boolean {
    return this.up || this.base === 'IP CONFIG';
  }

  slot(n: number): Connection | undefined {
    return this.conns[n];
  }

  /** What a connection shows: CONNECTING until `CONNECT OK` was printed. */
  clientState(c: Connection | undefined): ClientState {
    if (!c) return 'INITIAL';
    if (c.state === 'CONNECTED' && !c.announced) return 'CONNECTING';
    return c.state;
  }

  get anyLive(): boolean {
    return this.conns.some((c) => c?.live);
  }

  /** AT+CIPSTATUS's `STATE:` (manual §8.2.12; D1 for multi). */
  stateName(): string {
    if (this.base !== 'IP STATUS') return this.base;
    if (this.mux === 1) return this.anyLive || this.server ? 'IP PROCESSING' : 'IP STATUS';
    const c = this.conns[0];
    if (c) {
      switch (this.clientState(c)) {
        case 'CONNECTING':
          return `${c.protocol} CONNECTING`;
        case 'CONNECTED':
          return 'CONNECT OK';
        case 'CLOSING':
          return `${c.protocol} CLOSING`;
        case 'CLOSED':
        case 'REMOTE CLOSING':
          return c.ended === 'local' ? 'IP CLOSE' : `${c.protocol} CLOSED`;
        case 'INITIAL':
          break;
      }
    }
    return this.server ? 'SERVER LISTENING' : 'IP STATUS';
  }

  /** `C: <n>,...` / `+CIPSTATUS: <n>,...` fields after the number. */
  statusFields(n: number): string {
    const c = this.conns[n];
    if (!c) return `${n},,"","","","INITIAL"`;
    return `${n},0,"${c.protocol}","${c.shownIp || c.remote.host}","${c.remote.port}","${this.clientState(c)}"`;
  }

  /** Is context `cid` active (AT+CGACT?): any of its users holds it (D4). */
  contextActive(cid: number): boolean {
    const b = this.modem.bearers.get(cid);
    return this.cgact.has(cid) || (b !== undefined && b.status === BearerStatus.connected) || (cid === 1 && this.holdsContext);
  }

  // ---- the context ----------------------------------------------------------------

  /** AT+CIICR (or CIPSTART from IP INITIAL): context 1 for the stack, attaching first. */
  async activate(): Promise<boolean> {
    const m = this.modem;
    const before = this.base;
    this.base = 'IP CONFIG';
    await m.clock.sleep(m.timing.delay('bearerOpenMs'));
    if (this.base !== 'IP CONFIG') return false; // CIPSHUT or the network meanwhile
    if (m.bearerBlocker() !== null || !m.setGprsAttached(true, m.urc.bind(m))) {
      this.base = before;
      return false;
    }
    // One PDP context per APN on a real network: share the SAPBR bearer's address when up.
    const sapbr = m.bearers.get(1);
    this.ip = sapbr && sapbr.status === BearerStatus.connected ? sapbr.ip : m.bearers.allocateIp();
    this.base = 'IP GPRSACT';
    return true;
  }

  /** AT+CIPSHUT: every connection and the server gone at once, the stack back to IP INITIAL. */
  shut(): void {
    this.leaveTransparent();
    for (const c of this.conns) c?.destroy('local');
    this.conns = [];
    this.notified.clear();
    this.stopServer(false);
    this.base = 'IP INITIAL';
    this.ip = '0.0.0.0';
    this.cgact.delete(1);
  }

  /**
   * The context went from under the stack: every connection ends (`CLOSED` lines through
   * `notice`, D5), the server stops, the state is PDP DEACT. True when the stack held it.
   */
  private contextGone(notice: Notice): boolean {
    const held = this.holdsContext || this.anyLive;
    if (this.transparent) {
      this.leaveTransparent();
    }
    for (const c of this.conns) {
      if (!c?.live) continue;
      const announced = c.announced;
      c.destroy('pdp');
      c.discard();
      if (announced) notice(this.closedLine(c));
    }
    this.stopServer(false);
    if (held) this.base = 'PDP DEACT';
    return held;
  }

  closedLine(c: Connection): string {
    return this.mux === 1 ? `${c.id}, CLOSED` : 'CLOSED';
  }

  /** AT+CGACT=0,<cid>: the context for every user; lines before the OK (D4, D5). */
  deactivate(cid: number, notice: Notice): void {
    this.modem.dropBearer(cid, notice);
    let active = this.cgact.delete(cid);
    if (cid === 1 && this.contextGone(notice)) active = true;
    if (active) notice('+PDP: DEACT');
  }

  // ---- connections ----------------------------------------------------------------

  /**
   * AT+CIPSTART's work after its OK: the context first from IP INITIAL (single mode), then
   * routing, DNS, the socket (through the fault proxy), TLS; `CONNECT OK` tcpConnectMs after.
   */
  async connect(c: Connection, host: string, port: number, activateFirst: boolean): Promise<void> {
    const m = this.modem;
    const gone = () => c.state !== 'CONNECTING';
    try {
      if (activateFirst) {
        if (!(await this.activate())) throw new Error('PDP activation failed');
        if (gone()) return;
        this.base = 'IP STATUS';
      }
      const routed = (m.router ?? DIRECT).routeSocket({ host, port }, { tls: c.tls, udp: c.protocol === 'UDP' });
      let address = routed.host;
      if (net.isIP(address) === 0) {
        await m.clock.sleep(m.timing.delay('dnsMs'));
        address = (await nodeDns().promises.lookup(address, { family: 4 })).address;
        if (gone()) return;
      }
      c.shownIp = address;
      c.dialled = `${address}:${routed.port}`;
      const to: Address = { host: address, port: routed.port };
      if (c.protocol === 'UDP') await c.openUdp(to);
      else {
        let target: DialedLink = to;
        if (m.link) target = await m.link.dial(to, CONNECT_TIMEOUT_MS);
        if (gone()) return;
        const keepAlive = this.tka[0] === 1 ? this.tka[1] * 1000 : null;
        await withTimeout(m.clock, c.openTcp(target, net.isIP(host) === 0 ? host : undefined, keepAlive), CONNECT_TIMEOUT_MS);
      }
      if (c.state === 'CONNECTING') throw new Error('not connected');
      await m.clock.sleep(m.timing.delay('tcpConnectMs'));
      if (c.ended === 'local' || c.ended === 'pdp' || c.ended === 'failed') return;
      this.announce(c);
    } catch (err) {
      if (gone()) return;
      m.log.info({ id: c.id, host, port, err: (err as Error).message }, 'CIPSTART failed');
      c.failed();
      if (this.transparent?.conn === c) this.transparent = null;
      if (this.cipmode === 1) m.urc('CONNECT FAIL');
      else if (this.mux === 1) m.urc(`${c.id}, CONNECT FAIL`);
      else m.urc(`STATE: ${this.stateName()}`, 'CONNECT FAIL');
    }
  }

  /** `CONNECT OK` (or transparent `CONNECT`), then what arrived meanwhile. */
  private announce(c: Connection): void {
    const m = this.modem;
    c.announced = true;
    m.log.info({ id: c.id, protocol: c.protocol, remote: `${c.remote.host}:${c.remote.port}`, dialled: c.dialled, tls: c.tls }, 'CIPSTART connected');
    if (this.cipmode === 1) {
      m.urcBytes(Buffer.from(this.resultCode('CONNECT', '1'), 'latin1'));
      this.transparent = new Transparent(this, c);
      this.transparent.enter();
    } else m.urc(this.mux === 1 ? `${c.id}, CONNECT OK` : 'CONNECT OK');
    for (const b of c.early.splice(0)) this.onData(c, b);
    if (c.closedEarly) this.onClosed(c);
  }

  /** A result code as the DTE's ATV/ATQ settings frame it (CONNECT, OK outside a command). */
  resultCode(verbose: string, numeric: string): string {
    const s = this.modem.settings;
    if (s.quiet) return '';
    return s.verbose ? `\r\n${verbose}\r\n` : `${numeric}\r`;
  }

  /** Bytes from the network: pushed, kept for AT+CIPRXGET, or transparent. */
  onData(c: Connection, bytes: Buffer): void {
    if (!c.announced) {
      c.early.push(bytes);
      return;
    }
    if (this.transparent?.conn === c) return this.transparent.fromNetwork(bytes);
    if (this.rxget === 1) {
      c.keep(bytes, RX_LIMIT);
      if (!this.notified.has(c.id)) {
        this.notified.add(c.id);
        this.modem.urc(this.mux === 1 ? `+CIPRXGET: 1,${c.id}` : '+CIPRXGET: 1');
      }
      return;
    }
    this.push(c, bytes);
  }

  /** Pushed data (CIPRXGET=0) with the header the settings ask for (§3.5). */
  push(c: Connection, bytes: Buffer): void {
    const verbose = this.modem.settings.verbose;
    const nl = verbose ? '\r\n' : '';
    for (let at = 0; at < bytes.length; at += PUSH_CHUNK) {
      const chunk = bytes.subarray(at, at + PUSH_CHUNK);
      let head = this.srip === 1 ? `${nl}RECV FROM:${c.shownIp || c.remote.host}:${c.remote.port}\r\n` : '';
      if (this.mux === 1) head += `${head ? '' : nl}+RECEIVE,${c.id},${chunk.length}:\r\n`;
      else if (this.head === 1) head += `${head ? '' : nl}+IPD,${chunk.length}${this.showtp === 1 ? `,${c.protocol}` : ''}:`;
      this.modem.urcBytes(head ? Buffer.concat([Buffer.from(head, 'latin1'), chunk]) : chunk);
    }
  }

  /** The peer closed (or reset) the connection: `CLOSED` after the data before it. */
  onClosed(c: Connection): void {
    if (!c.announced) {
      c.closedEarly = true;
      return;
    }
    if (this.transparent?.conn === c) return this.transparent.remoteClosed();
    this.modem.urc(this.closedLine(c));
  }

  /** A read (AT+CIPRXGET=2/3) re-arms the notice for that connection (D17). */
  readFrom(c: Connection, n: number): Buffer {
    this.notified.delete(c.id);
    return c.take(n, RX_LIMIT);
  }

  /** AT+CIPRXGET=0 after 1: what was kept goes out as pushed data. */
  setRxget(mode: number): void {
    this.rxget = mode;
    if (mode !== 0) return;
    this.notified.clear();
    for (const c of this.conns) if (c && c.rxSize > 0 && !c.rxDiscarded) this.push(c, c.takeAll());
  }

  newConnection(id: number, protocol: Protocol, remote: Address, accepted = false): Connection {
    const c = new Connection(id, protocol, remote, !accepted && protocol === 'TCP' && this.ssl === 1, this.modem, this, accepted);
    this.conns[id]?.destroy('local');
    this.conns[id] = c;
    this.notified.delete(id);
    return c;
  }

  // ---- transparent mode -------------------------------------------------------------

  leaveTransparent(): void {
    this.transparent?.stop();
    this.transparent = null;
  }

  // ---- the module's server (AT+CIPSERVER) ---------------------------------------------

  /** Listens on a host port of our choosing for the module's `<port>`; `SERVER OK` once up. */
  startServer(port: number): void {
    const server = net.createServer((s) => this.accept(s));
    const entry: ModuleServer = { port, hostPort: 0, server };
    this.server = entry;
    server.on('error', (err) => this.modem.log.warn({ err: err.message }, 'CIPSERVER listener error'));
    server.listen(0, '127.0.0.1', () => {
      if (this.server !== entry) return void server.close();
      entry.hostPort = (server.address() as net.AddressInfo).port;
      this.modem.log.info({ port, hostPort: entry.hostPort }, 'CIPSERVER listening: connect to 127.0.0.1:hostPort');
      this.modem.urc('SERVER OK');
    });
  }

  stopServer(announce: boolean): void {
    const s = this.server;
    if (!s) return;
    this.server = null;
    s.server.close();
    if (announce) this.modem.urc('SERVER CLOSE');
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => undefined);
    let id = -1;
    if (this.mux === 1) id = [0, 1, 2, 3, 4, 5].find((n) => !this.conns[n]?.live) ?? -1;
    else if (!this.conns[0]?.live) id = 0;
    if (id < 0 || !this.server) return void socket.destroy();
    const ip = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const c = this.newConnection(id, 'TCP', { host: ip, port: socket.remotePort ?? 0 }, true);
    c.shownIp = ip;
    c.dialled = `${ip}:${socket.remotePort ?? 0}`;
    c.adoptAccepted(socket);
    c.announced = true;
    this.modem.urc(this.mux === 1 ? `${id}, REMOTE IP: ${ip}` : `REMOTE IP: ${ip}`);
  }

  // ---- feature hooks --------------------------------------------------------------

  reset(): void {
    this.shut();
    this.apn = 'CMNET';
    this.user = '';
    this.pwd = '';
    this.mux = 0;
    this.qsend = 0;
    this.rxget = 0;
    this.ssl = 0;
    this.head = 0;
    this.srip = 0;
    this.showtp = 0;
    this.sprt = 1;
    this.cipmode = 0;
    this.ccfg = [...CCFG_DEFAULT];
    this.ats = { mode: 0, time: 1 };
    this.tka = [...TKA_DEFAULT];
    this.contexts.clear();
    this.cgact.clear();
    this.dns = ['0.0.0.0', '0.0.0.0'];
    this.ntp = { cid: 1, server: '', tz: 0 };
  }

  /** SAPBR=0 (or the bearer dropped): a CGACT hold on that cid goes with it (D4). */
  bearerDown(cid: number): void {
    this.cgact.delete(cid);
  }

  /** Detach, radio off, registration lost: every context goes. */
  pdpDown(report: { active: boolean }, notice: Notice): void {
    if (this.contextGone(notice)) report.active = true;
    if (this.cgact.size) report.active = true;
    this.cgact.clear();
  }

  /** The network took context `cid` (the bearerDrop fault). */
  contextDown(cid: number, report: { active: boolean }, notice: Notice): void {
    for (const k of cid === 0 ? [1, 2, 3] : [cid]) {
      if (this.cgact.delete(k)) report.active = true;
      if (k === 1 && this.contextGone(notice)) report.active = true;
    }
  }

  snapshot(): unknown {
    return {
      state: this.stateName(),
      mux: this.mux,
      ip: this.ip,
      apn: this.apn,
      user: this.user,
      pwd: this.pwd ? '***' : '',
      transparent: this.transparent !== null,
      sockets: this.conns.flatMap((c) =>
        c
          ? [
              {
                id: c.id,
                type: c.protocol,
                remote: `${c.remote.host}:${c.remote.port}`,
                dialled: c.dialled,
                state: this.clientState(c),
                tls: c.tls,
                accepted: c.accepted,
                bytesUp: c.bytesUp,
                bytesDown: c.bytesDown,
                buffered: c.rxSize,
              },
            ]
          : [],
      ),
      server: this.server ? { port: this.server.port, hostPort: this.server.hostPort, state: 'LISTENING' } : undefined,
    };
  }
}
