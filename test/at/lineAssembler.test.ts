import { LineAssembler, LINE_LIMIT, type Assembled } from '../../src/at/lineAssembler';

const CHARS = { s3: 13, s4: 10, s5: 8 };

/** Feeds a latin1 string byte by byte; returns every assembled result in order. */
function feed(a: LineAssembler, s: string, chars = CHARS): Assembled[] {
  const out: Assembled[] = [];
  for (const b of Buffer.from(s, 'latin1')) {
    const r = a.feed(b, chars);
    if (r) out.push(r);
  }
  return out;
}

const line = (body: string): Assembled => ({ kind: 'line', body });

describe('LineAssembler', () => {
  it.each(['AT', 'at', 'aT', 'At'])('accepts the %s prefix and keeps the body as typed', (prefix) => {
    expect(feed(new LineAssembler(), `${prefix}+cSq\r`)).toEqual([line('+cSq')]);
  });

  it('ends a line on S3, and on a LF that does not follow S3; CR LF is one end, a LF outside a line nothing', () => {
    const a = new LineAssembler();
    expect(feed(a, 'AT+CSQ\r\n')).toEqual([line('+CSQ')]);
    expect(a.inLine).toBe(false);
    // The Python sim800l library ends every command with LF alone (docs/decisions.md, SMS).
    expect(feed(a, 'AT+CSQ\n')).toEqual([line('+CSQ')]);
    expect(feed(a, '\n\n')).toEqual([]);
    expect(a.inLine).toBe(false);
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
