/**
 * The SAPBR bearer profiles (contexts 1..3): their parameters, status and address.
 * Status values per manual §9.2.1: 0 connecting, 1 connected, 2 closing, 3 closed.
 */
import { ipToString, parseIpPool } from './config';

export const BEARER_TAGS = ['CONTYPE', 'APN', 'USER', 'PWD', 'PHONENUM', 'RATE'] as const;
export type BearerTag = (typeof BEARER_TAGS)[number];

export const BearerStatus = { connecting: 0, connected: 1, closing: 2, closed: 3 } as const;
export type BearerStatus = (typeof BearerStatus)[keyof typeof BearerStatus];

export interface Bearer {
  cid: number;
  params: Record<BearerTag, string>;
  status: BearerStatus;
  ip: string;
}

export const BEARER_CIDS = [1, 2, 3] as const;

function freshBearer(cid: number): Bearer {
  return {
    cid,
    params: { CONTYPE: 'GPRS', APN: '', USER: '', PWD: '', PHONENUM: '', RATE: '2' },
    status: BearerStatus.closed,
    ip: '0.0.0.0',
  };
}

export class BearerSet {
  private readonly bearers = new Map<number, Bearer>();
  private readonly pool: { base: number; size: number };
  private next = 0;

  constructor(ipPool: string) {
    this.pool = parseIpPool(ipPool);
    this.reset();
  }

  reset(): void {
    for (const cid of BEARER_CIDS) this.bearers.set(cid, freshBearer(cid));
  }

  get(cid: number): Bearer | undefined {
    return this.bearers.get(cid);
  }

  all(): Bearer[] {
    return [...this.bearers.values()];
  }

  open(): Bearer[] {
    return this.all().filter((b) => b.status === BearerStatus.connected);
  }

  /** The next address of the pool, cycling, so reconnects see a new IP as on a network. */
  allocateIp(): string {
    const ip = ipToString(this.pool.base + 1 + (this.next % this.pool.size));
    this.next++;
    return ip;
  }
}
