/**
 * Whatever a DTE sends, the engine must not throw, crash or hang, and afterwards a plain
 * `AT` must answer exactly `\r\nOK\r\n` (echo off). Random input comes from a seeded PRNG
 * so that a failure reproduces: the seed is in the test name. Everything runs three
 * times, with lines ended by CR, by LF alone and by CR LF (docs/decisions.md, Line layer).
 */
import { readyDte, type Dte } from '../helpers/dte';

/** mulberry32: small, fast, good enough to make byte soup. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(seed: number, n: number): Buffer {
  const r = prng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** Bytes biased towards AT syntax, so that the parser and handlers get exercised too. */
function atSoup(seed: number, n: number): Buffer {
  const r = prng(seed);
  const pieces = ['AT', 'at', '+', '=', '?', '=?', ';', ',', '"', '\\"', '\r', '\n', '\b', 'A/', '+CSQ', '+CREG', '+SAPBR', '+CGATT', '+CCLK', '+CMEE', 'E', 'S3', '&', '0', '1', '9', '\x00', '\xff', ' '];
  let s = '';
  while (s.length < n) s += r() < 0.85 ? pieces[Math.floor(r() * pieces.length)] : String.fromCharCode(Math.floor(r() * 256));
  return Buffer.from(s, 'latin1');
}

let dte: Dte;
let crashes: unknown[];
const onCrash = (err: unknown) => crashes.push(err);

beforeEach(async () => {
  crashes = [];
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  dte = await readyDte();
});

afterEach(async () => {
  await dte.close();
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
});

const LINE_ENDS = [
  ['CR', '\r'],
  ['LF', '\n'],
  ['CR LF', '\r\n'],
] as const;

describe.each(LINE_ENDS)('lines ended by %s', (_name, EOL) => {
  /** Sends `line` ended by this block's line end and resolves with exactly what it produced. */
  const exchange = (line: string) => dte.exchange(line + EOL, { raw: true });

  /** Ends any partial line, restores plain settings, and checks the exact answer to AT. */
  async function expectHealthy(): Promise<void> {
    await exchange('');
    // Whatever the soup switched on (echo, V0, Q1, a different CMEE), put the line back.
    await exchange('ATE0Q0V1');
    expect(dte.modem.engine.isBusy).toBe(false);
    expect(await exchange('AT')).toBe('\r\nOK\r\n');
    expect(crashes).toEqual([]);
  }

  describe('garbage in, OK out', () => {
    it.each([1, 2, 3, 42, 1234, 99991])('random bytes, seed %i, in random chunk sizes', async (seed) => {
      const bytes = randomBytes(seed, 4000);
      const r = prng(seed ^ 0x5eed);
      for (let i = 0; i < bytes.length; ) {
        const n = 1 + Math.floor(r() * 64);
        dte.write(bytes.subarray(i, i + n));
        i += n;
      }
      await expectHealthy();
    });

    it.each([7, 8, 9, 10])('AT-flavoured soup, seed %i', async (seed) => {
      dte.write(atSoup(seed, 3000));
      await expectHealthy();
    });

    it('300 lines of AT + random bytes: each is answered and the line after it works', async () => {
      const r = prng(77);
      let answered = 0;
      for (let i = 0; i < 300; i++) {
        const tail: number[] = [];
        const n = Math.floor(r() * 40);
        while (tail.length < n) {
          const b = Math.floor(r() * 256);
          if (b !== 13 && b !== 10 && b !== 8) tail.push(b); // keep the line one line
        }
        const out = await exchange(Buffer.concat([Buffer.from('AT'), Buffer.from(tail), Buffer.from(`${EOL}ATE0Q0V1`)]).toString('latin1'));
        if (/(OK|ERROR|\+CME ERROR: [^\r]+)\r\n[\s\S]*\r\nOK\r\n$/.test(out)) answered++;
        expect(out.endsWith('\r\nOK\r\n')).toBe(true);
      }
      // Almost every random line gets its own final result code before the reset line's OK.
      expect(answered).toBeGreaterThan(280);
      await expectHealthy();
    });

    it('NUL and 0xFF bytes, alone and inside lines', async () => {
      dte.write(Buffer.alloc(500, 0x00));
      dte.write(Buffer.alloc(500, 0xff));
      expect(await exchange('AT\x00')).toBe('\r\nERROR\r\n');
      expect(await exchange('AT+CSQ\xff')).toBe('\r\nERROR\r\n');
      expect(await exchange('AT+CMEE=\x002')).toBe('\r\nERROR\r\n');
      await expectHealthy();
    });

    it('10 KB without a line end is one overlong line: ERROR when the line end comes, then normal', async () => {
      dte.write('AT' + 'Z'.repeat(10 * 1024));
      await dte.settle();
      expect(dte.sinceMark()).toBe('');
      expect(await exchange('')).toBe('\r\nERROR\r\n');
      await expectHealthy();
    });

    it('10 KB of junk with no AT in it answers nothing', async () => {
      expect(await exchange('q'.repeat(10 * 1024))).toBe('');
      await expectHealthy();
    });

    it('lone CR storm and LF storm answer nothing', async () => {
      expect(await dte.exchange('\r'.repeat(5000), { raw: true })).toBe('');
      expect(await dte.exchange('\n'.repeat(5000), { raw: true })).toBe('');
      expect(await dte.exchange('\r\n'.repeat(2000), { raw: true })).toBe('');
      expect(await dte.exchange(EOL.repeat(2000), { raw: true })).toBe('');
      await expectHealthy();
    });

    it('interleaved partial lines: each line end ends whatever line is open', async () => {
      // "AT+CG" then "AT+CSQ" reads as one line "+CGAT+CSQ": malformed, ERROR.
      expect(await exchange('AT+CGAT+CSQ')).toBe('\r\nERROR\r\n');
      expect(await exchange(`AT+CS${EOL}Q${EOL}AT+CSQ`)).toBe('\r\nERROR\r\n\r\n+CSQ: 18,0\r\n\r\nOK\r\n');
      await expectHealthy();
    });

    it('many lines in one write are answered in order', async () => {
      const out = await exchange(['AT+CGMI', 'AT+FOO', 'AT+CSQ', 'AT'].join(EOL));
      expect(out).toBe('\r\nSIMCOM_Ltd\r\n\r\nOK\r\n\r\nERROR\r\n\r\n+CSQ: 18,0\r\n\r\nOK\r\n\r\nOK\r\n');
    });

    it('a storm of 300 lines while the first still runs does not lose any', async () => {
      const out = await dte.exchange(`AT${EOL}`.repeat(300), { raw: true });
      expect(out).toBe('\r\nOK\r\n'.repeat(300));
    });
  });

  describe('byte boundaries', () => {
    const LINES = [
      'AT+CGMI',
      'AT+GSV;+GSN',
      'AT+CMEE=2;+CFUN=7',
      'AT+SAPBR=3,1,"APN","in\\"ter;net"',
      'AT+SAPBR=4,1',
      'ATE0Q0V1',
      'AT+CREG?;+CGREG?;+CSQ',
    ];

    it.each(LINES)('%s one byte per write gives the same bytes as one write', async (line) => {
      const whole = await exchange(line);
      await exchange('AT+CMEE=0');
      dte.mark();
      for (const b of Buffer.from(line + EOL, 'latin1')) dte.write(Buffer.from([b]));
      await dte.settle();
      expect(dte.sinceMark()).toBe(whole);
    });

    it('every split point of a two-line input gives the same bytes', async () => {
      const input = `AT+CGMM;+CSQ${EOL}AT+CREG?${EOL}`;
      const whole = await dte.exchange(input, { raw: true });
      expect(whole).toBe('\r\nSIMCOM_SIM800L\r\n\r\n+CSQ: 18,0\r\n\r\nOK\r\n\r\n+CREG: 0,1\r\n\r\nOK\r\n');
      for (let cut = 1; cut < input.length; cut++) {
        dte.mark();
        dte.write(input.slice(0, cut));
        dte.write(input.slice(cut));
        await dte.settle();
        expect([cut, dte.sinceMark()]).toEqual([cut, whole]);
      }
    });

    it('with echo on, the echo is the same whatever the chunking', async () => {
      await exchange('ATE1');
      const whole = await exchange('AT+CGMI');
      // The echo is the line as received: with CR LF, the CR only (the LF belongs to it).
      expect(whole).toBe(`AT+CGMI${EOL === '\r\n' ? '\r' : EOL}\r\nSIMCOM_Ltd\r\n\r\nOK\r\n`);
      dte.mark();
      for (const ch of 'AT+CGMI' + EOL) dte.write(ch);
      await dte.settle();
      expect(dte.sinceMark()).toBe(whole);
    });
  });
});
