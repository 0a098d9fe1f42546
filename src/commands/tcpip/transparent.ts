/**
 * Transparent mode (AT+CIPMODE=1; manual §8.2.22–23, application note 2.2; docs/tcpip.md
 * §3.10, decision D22): after `CONNECT` the UART is the connection. The DTE's bytes leave
 * in packets of AT+CIPCCFG's SendSz, or WaitTm × 200 ms after the last byte; the network's
 * bytes go to the UART as they are. `+++` between guard times (≥ 1 s of silence before,
 * the three `+` within 1 s, 0.5 s of silence after) goes back to command mode with `OK`;
 * ATO comes back; the peer closing prints `CLOSED` and ends data mode.
 */
import type { TimerHandle } from '../../clock';
import type { Connection } from './connection';
import type { TcpIpStack } from './stack';

const GUARD_BEFORE_MS = 1000;
const PLUS_WINDOW_MS = 1000;
const GUARD_AFTER_MS = 500;
const PLUS = 0x2b;

export class Transparent {
  /** In data mode (false after +++ until ATO). */
  online = false;
  private tx: number[] = [];
  private txTimer: TimerHandle | null = null;
  private pluses = 0;
  private firstPlusAt = 0;
  private plusTimer: TimerHandle | null = null;
  private lastInputAt = 0;
  /** Network data that came in command mode, for ATO. */
  private held: Buffer[] = [];

  constructor(
    private readonly stack: TcpIpStack,
    readonly conn: Connection,
  ) {}

  private get clock() {
    return this.stack.modem.clock;
  }

  /** Data mode from now (after CONNECT). */
  enter(): void {
    this.online = true;
    this.lastInputAt = this.clock.now();
    this.stack.modem.setDataSink((bytes) => this.fromDte(bytes));
  }

  /** ATO: back to data mode; what arrived meanwhile follows the CONNECT. */
  resume(): void {
    this.enter();
    for (const b of this.held.splice(0)) this.stack.modem.urcBytes(b);
  }

  fromNetwork(bytes: Buffer): void {
    if (this.online) this.stack.modem.urcBytes(bytes);
    else this.held.push(bytes);
  }

  private fromDte(bytes: Buffer): void {
    const now = this.clock.now();
    const esc = this.stack.ccfg[3] === 1;
    for (const b of bytes) {
      if (this.pluses > 0) {
        if (b === PLUS && this.pluses < 3 && now - this.firstPlusAt <= PLUS_WINDOW_MS) {
          this.pluses++;
          if (this.pluses === 3) this.armEscape();
          continue;
        }
        this.releasePluses();
      }
      if (esc && b === PLUS && now - this.lastInputAt >= GUARD_BEFORE_MS) {
        this.pluses = 1;
        this.firstPlusAt = now;
        continue;
      }
      this.tx.push(b);
    }
    this.lastInputAt = now;
    this.packetise();
  }

  /** Pluses that turned out to be data go out as data, in their place. */
  private releasePluses(): void {
    if (this.plusTimer) this.clock.clearTimeout(this.plusTimer);
    this.plusTimer = null;
    for (let i = 0; i < this.pluses; i++) this.tx.push(PLUS);
    this.pluses = 0;
  }

  private armEscape(): void {
    this.plusTimer = this.clock.setTimeout(() => {
      this.plusTimer = null;
      this.pluses = 0;
      this.escape();
    }, GUARD_AFTER_MS);
  }

  /** +++ held: command mode, `OK`; the connection stays. */
  private escape(): void {
    this.flush();
    this.online = false;
    this.stack.modem.setDataSink(null);
    this.stack.modem.urcBytes(Buffer.from(this.stack.resultCode('OK', '0'), 'latin1'));
  }

  private packetise(): void {
    const size = this.stack.ccfg[2];
    while (this.tx.length >= size) this.send(this.tx.splice(0, size));
    if (this.txTimer) this.clock.clearTimeout(this.txTimer);
    this.txTimer = null;
    if (this.tx.length) {
      this.txTimer = this.clock.setTimeout(() => {
        this.txTimer = null;
        this.flush();
      }, this.stack.ccfg[1] * 200);
    }
  }

  private flush(): void {
    if (this.txTimer) this.clock.clearTimeout(this.txTimer);
    this.txTimer = null;
    if (this.tx.length) this.send(this.tx.splice(0));
  }

  private send(bytes: number[]): void {
    void this.conn.send(Buffer.from(bytes));
  }

  /** The peer closed: `CLOSED`, command mode. */
  remoteClosed(): void {
    this.flush();
    this.stop();
    this.stack.transparent = null;
    this.stack.modem.urc('CLOSED');
  }

  /** Out of data mode without a word (CIPSHUT, the context gone, power). */
  stop(): void {
    if (this.txTimer) this.clock.clearTimeout(this.txTimer);
    if (this.plusTimer) this.clock.clearTimeout(this.plusTimer);
    this.txTimer = this.plusTimer = null;
    this.tx = [];
    this.held = [];
    this.online = false;
    this.stack.modem.setDataSink(null);
  }
}
