/**
 * The user profile: parameters the SIM800 AT Command Manual marks AT&W_SAVE.
 * AT&W writes them to non-volatile memory (a file in --state-dir when given), ATZ reads
 * them back, AT&F restores the factory values except the UART ones.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Settings {
  echo: boolean;
  verbose: boolean;
  quiet: boolean;
  cmee: number;
  cregN: number;
  cgregN: number;
  clts: number;
  ciurc: number;
  fshex: number;
  /** AT+CSMINS <n>: 1 reports SIM insertion and removal with a URC. */
  csmins: number;
  /** AT+CMTE <mode>: temperature detection on (1) or off (0). */
  cmte: number;
  s0: number;
  s3: number;
  s4: number;
  s5: number;
  s6: number;
  s7: number;
  s8: number;
  s10: number;
  // UART settings: kept across ATZ and AT&F (manual, ATZ/AT&F notes)
  ipr: number;
  csclk: number;
}

export const UART_KEYS: readonly (keyof Settings)[] = ['ipr', 'csclk'];

export function factorySettings(ipr: number): Settings {
  return {
    echo: true,
    verbose: true,
    quiet: false,
    cmee: 0,
    cregN: 0,
    cgregN: 0,
    clts: 0,
    ciurc: 1,
    fshex: 0,
    csmins: 0,
    cmte: 0,
    s0: 0,
    s3: 13,
    s4: 10,
    s5: 8,
    s6: 2,
    s7: 60,
    s8: 2,
    s10: 15,
    ipr,
    csclk: 0,
  };
}

/** Where AT&W keeps the profile: memory only, or a JSON file in the state directory. */
export class ProfileStore {
  private memory: Settings | null = null;

  constructor(private readonly stateDir?: string) {}

  private get file(): string | null {
    return this.stateDir ? path.join(this.stateDir, 'profile.json') : null;
  }

  load(factory: Settings): Settings {
    if (this.memory) return { ...this.memory };
    const file = this.file;
    if (file && fs.existsSync(file)) {
      try {
        const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Settings>;
        const merged = { ...factory };
        for (const k of Object.keys(factory) as (keyof Settings)[]) {
          if (typeof stored[k] === typeof factory[k]) (merged as Record<string, unknown>)[k] = stored[k];
        }
        this.memory = merged;
        return { ...merged };
      } catch {
        // A damaged profile behaves like an empty NV: factory values.
      }
    }
    return { ...factory };
  }

  save(s: Settings): void {
    this.memory = { ...s };
    const file = this.file;
    if (file) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(s, null, 2));
    }
  }
}
