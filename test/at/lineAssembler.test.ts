import { CRLF_TAIL, LineAssembler, LINE_LIMIT, type Assembled } from '../../src/at/lineAssembler';

const CHARS = { s3: 13, s5: 8 };

/** Feeds a latin1 string byte by byte; returns every assembled result in order (each copied: a line is valid until the next feed), CR LF tails left out. */
function feed(a: LineAssembler, s: string, chars = CHARS): Assembled[] {
  const out: Assembled[] = [];
  for (const b of Buffer.from(s, 'latin1')) {
    const r = a.feed(b, chars);
    if (r && r !== CRLF_TAIL) out.push({ ...r });
  }
  return out;
}

/** Which bytes of `s` are the LF of a CR LF (not echoed, no line end of their own). */
function swallowed(s: string): number[] {
  const a = new LineAssembler();
  const out: number[] = [];
  Buffer.from(s, 'latin1').forEach((b, i) => {
    if (a.feed(b, CHARS) === CRLF_TAIL) out.push(i);
  });
  return out;
}

const line = (body: string): Assembled => ({ kind: 'line', body });

describe('LineAssembler', () => {
  it.each(['AT', 'at', 'aT', 'At'])('accepts the %s prefix and keeps the body as typed', (prefix) => {
    expect(feed(new LineAssembler(), `${prefix}+cSq\r`)).toEqual([line('+cSq')]);
  });

  it('LF alone ends a line, as CR does (ATE0\\n, AT+CSQ\\n from Python SIM800L drivers)', () => {
    const a = new LineAssembler();
    expect(feed(a, 'ATE0\n')).toEqual([line('E0')]);
    expect(a.inLine).toBe(false);
    expect(feed(a, 'AT+CSQ\nAT+CMGS="+4917012345"\n')).toEqual([line('+CSQ'), line('+CMGS="+4917012345"')]);
  });

  it('CR LF is one line end: the LF is swallowed, no second (empty) line', () => {
    expect(feed(new LineAssembler(), 'AT+CSQ\r\nAT\r\n')).toEqual([line('+CSQ'), line('')]);
    expect(swallowed('AT\r\nAT\r\n')).toEqual([3, 7]);
  });

  it('only the LF right after CR is swallowed: LF CR, LF LF and CR x LF are not', () => {
    expect(swallowed('AT\n\rAT\n\n\rx\n')).toEqual([]);
    expect(swallowed('\r\n\r\n')).toEqual([1, 3]);
    // A CR LF split across feeds is still one: the assembler remembers the CR.
    const a = new LineAssembler();
    expect(feed(a, 'AT\r')).toEqual([line('')]);
    expect(a.feed(0x0a, CHARS)).toBe(CRLF_TAIL);
    expect(a.feed(0x0a, CHARS)).toBeNull();
  });

  it('swallows(), for the first byte of a data phase: only the LF right after CR, once', () => {
    const a = new LineAssembler();
    feed(a, 'AT+FSWRITE=x\r');
    expect(a.swallows(0x0a, true)).toBe(true);
    expect(a.swallows(0x0a, true)).toBe(false);
    feed(a, 'AT+FSWRITE=x\r');
    expect(a.swallows(0x61, true)).toBe(false); // a data byte: the window closes
    expect(a.swallows(0x0a, true)).toBe(false);
    feed(a, 'AT+FSWRITE=x\n');
    expect(a.swallows(0x0a, true)).toBe(false);
  });

  it('swallows() an LF that comes after the prompt only from a DTE whose lines end in CR LF', () => {
    const a = new LineAssembler();
    feed(a, 'AT\r');
    feed(a, 'AT+CIPSEND=3\r'); // CR alone ended the line before: this DTE sends no LF
    expect(a.swallows(0x0a, false)).toBe(false);
    feed(a, 'AT\r\n');
    feed(a, 'AT+CIPSEND=3\r');
    expect(a.swallows(0x0a, false)).toBe(true);
  });

  it('an LF inside a line ends it there (the rest has no AT prefix and is dropped)', () => {
    expect(feed(new LineAssembler(), 'AT+C\nSQ\r')).toEqual([line('+C')]);
  });

  it('an LF ends an overlong line as CR does', () => {
    expect(feed(new LineAssembler(), `AT${'X'.repeat(LINE_LIMIT + 1)}\nAT\n`)).toEqual([{ kind: 'overflow' }, line('')]);
  });

  it('S3 other than CR: that byte ends lines, LF still does, CR is an ordinary character', () => {
    const chars = { ...CHARS, s3: 35 };
    expect(feed(new LineAssembler(), 'AT+CSQ#AT\nAT\r#', chars)).toEqual([line('+CSQ'), line(''), line('\r')]);
    const a = new LineAssembler();
    expect(feed(a, 'AT#', chars)).toEqual([line('')]);
    expect(a.feed(0x0a, chars)).toBe(CRLF_TAIL);
  });

  it('reset() forgets a pending CR LF too', () => {
    const a = new LineAssembler();
    feed(a, 'AT\r');
    a.reset();
    expect(a.feed(0x0a, CHARS)).toBeNull();
  });

  it('drops whatever comes before AT, including a lone A and other letters', () => {
    expect(feed(new LineAssembler(), 'xyzA1TqAAT+GSN\r')).toEqual([line('+GSN')]);
    expect(feed(new LineAssembler(), 'garbage\rAT\r')).toEqual([line('')]);
  });

  it('a CR without a prefix produces nothing', () => {
    expect(feed(new LineAssembler(), '\r\r\rhello\r')).toEqual([]);
  });

  it('empty AT is an empty body', () => {
    expect(feed(new LineAssembler(), 'AT\r')).toEqual([line('')]);
  });

  it('backspace edits the body', () => {
    expect(feed(new LineAssembler(), 'AT+CSX\bQ\r')).toEqual([line('+CSQ')]);
    expect(feed(new LineAssembler(), 'AT+CSQ\b\b\b\b\r')).toEqual([line('')]);
  });

  it('backspace into the prefix: erasing T goes back to looking for it, erasing A forgets the line', () => {
    expect(feed(new LineAssembler(), 'AT\bT+GMM\r')).toEqual([line('+GMM')]);
    const a = new LineAssembler();
    expect(feed(a, 'AT\b\b+GMM\r')).toEqual([]); // prefix gone: the rest is dropped
    expect(a.inLine).toBe(false);
    expect(feed(a, 'AT\r')).toEqual([line('')]);
  });

  it('backspace before any prefix is harmless', () => {
    expect(feed(new LineAssembler(), '\b\b\bA\bAT\r')).toEqual([line('')]);
  });

  it('honours the S5 value in force (backspace may be redefined)', () => {
    expect(feed(new LineAssembler(), 'AT+CSX\x7fQ\r', { ...CHARS, s5: 127 })).toEqual([line('+CSQ')]);
    // With S5=127, BS is an ordinary character of the body.
    expect(feed(new LineAssembler(), 'AT+C\bQ\r', { ...CHARS, s5: 127 })).toEqual([line('+C\bQ')]);
  });

  it('A/ repeats at once, without CR, in either case', () => {
    expect(feed(new LineAssembler(), 'A/')).toEqual([{ kind: 'repeat' }]);
    expect(feed(new LineAssembler(), 'xa/')).toEqual([{ kind: 'repeat' }]);
  });

  it('A/ inside a line is just text', () => {
    expect(feed(new LineAssembler(), 'ATA/\r')).toEqual([line('A/')]);
  });

  it(`accepts exactly ${LINE_LIMIT} characters after AT`, () => {
    const body = 'X'.repeat(LINE_LIMIT);
    expect(feed(new LineAssembler(), `AT${body}\r`)).toEqual([line(body)]);
  });

  it(`rejects ${LINE_LIMIT + 1} characters as a whole line, then works again`, () => {
    const a = new LineAssembler();
    expect(feed(a, `AT${'X'.repeat(LINE_LIMIT + 1)}\r`)).toEqual([{ kind: 'overflow' }]);
    expect(feed(a, 'AT+CSQ\r')).toEqual([line('+CSQ')]);
  });

  it('an overlong line stays overlong when backspaced below the limit (the excess was never stored)', () => {
    const a = new LineAssembler();
    expect(feed(a, `AT${'X'.repeat(LINE_LIMIT + 3)}\b\b\b\b\r`)).toEqual([{ kind: 'overflow' }]);
  });

  it('keeps every byte value in the body (latin1)', () => {
    expect(feed(new LineAssembler(), 'AT\x00\xff\x80\r')).toEqual([line('\x00\xff\x80')]);
  });

  it('reset() forgets a partial line', () => {
    const a = new LineAssembler();
    feed(a, 'AT+CS');
    a.reset();
    expect(feed(a, 'Q\rAT\r')).toEqual([line('')]);
  });
});
