/**
 * Reading the control API's event streams (Server-Sent Events) in a test, as the page
 * does: fetch with headers, `event:`/`data:` blocks; every event kept in arrival order.
 */
import { until } from './wait';

export interface StreamEvent {
  event: string;
  data: any;
}

export class EventReader {
  readonly events: StreamEvent[] = [];
  private done: Promise<void> = Promise.resolve();

  private constructor(
    readonly status: number,
    private readonly abort: AbortController,
  ) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<EventReader> {
    const abort = new AbortController();
    const res = await fetch(url, { headers, signal: abort.signal });
    const reader = new EventReader(res.status, abort);
    if (!res.ok || !res.body) {
      await res.text().catch(() => undefined);
      return reader;
    }
    const body = res.body.getReader();
    reader.done = (async () => {
      let buf = '';
      try {
        for (;;) {
          const { value, done } = await body.read();
          if (done) return;
          buf += Buffer.from(value).toString('utf8');
          let cut: number;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data !== undefined) reader.events.push({ event, data: JSON.parse(data) });
          }
        }
      } catch {
        // aborted by close()
      }
    })();
    return reader;
  }

  of(event: string): any[] {
    return this.events.filter((e) => e.event === event).map((e) => e.data);
  }

  async waitFor(pred: (e: StreamEvent) => boolean, what: string, ms = 5000): Promise<StreamEvent> {
    await until(() => this.events.some(pred), ms, what);
    return this.events.find(pred)!;
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
