/**
 * The TCP/IP application's per-modem state (SIM800 AT Command Manual §8.2): the stack's
 * state machine (IP INITIAL → IP START → IP GPRSACT → IP STATUS …), its APN, address and
 * settings, the PDP contexts of AT+CGDCONT/AT+CGACT, and the DNS servers. Everything here
 * is RAM: back to defaults at every power-up; contexts go down with the PDP.
 */
import type { FeatureHooks } from '../../modem/feature';

/** The stack's states (manual §8.2.12 <state>), the ones reachable today. */
export type CipState = 'IP INITIAL' | 'IP START' | 'IP GPRSACT' | 'IP STATUS' | 'PDP DEACT';

/** The stack is up in these states: CIFSR answers, CIPSHUT has something to shut. */
export const CIP_ACTIVE: readonly CipState[] = ['IP GPRSACT', 'IP STATUS'];

export interface PdpContext {
  type: string;
  apn: string;
  active: boolean;
}

export class TcpIpStack implements FeatureHooks {
  state: CipState = 'IP INITIAL';
  apn = 'CMNET';
  user = '';
  pwd = '';
  ip = '0.0.0.0';
  /** AT+CIPMUX: 0 one connection, 1 up to six. */
  mux = 0;
  /** AT+CIPQSEND: 0 `SEND OK` after the peer's ack, 1 `DATA ACCEPT` at once. */
  qsend = 0;
  /** AT+CIPRXGET: 0 data pushed to the DTE, 1 fetched by the DTE. */
  rxget = 0;
  /** AT+CIPSSL. */
  ssl = 0;
  /** AT+CGDCONT contexts and their AT+CGACT state, by cid. */
  readonly contexts = new Map<number, PdpContext>();
  dns: [string, string] = ['0.0.0.0', '0.0.0.0'];

  reset(): void {
    this.state = 'IP INITIAL';
    this.apn = 'CMNET';
    this.user = '';
    this.pwd = '';
    this.ip = '0.0.0.0';
    this.mux = 0;
    this.qsend = 0;
    this.rxget = 0;
    this.ssl = 0;
    this.contexts.clear();
    this.dns = ['0.0.0.0', '0.0.0.0'];
  }

  pdpDown(report: { active: boolean }): void {
    if (CIP_ACTIVE.includes(this.state)) {
      this.state = 'PDP DEACT';
      report.active = true;
    }
    for (const c of this.contexts.values()) {
      if (c.active) report.active = true;
      c.active = false;
    }
  }
}
