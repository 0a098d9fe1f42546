import { parseArgs, tokenize, toInt, type ParamSpec } from '../../src/at/args';
import { CME } from '../../src/at/cme';

const q = (value: string) => ({ value, quoted: true });
const u = (value: string) => ({ value, quoted: false });

describe('tokenize', () => {
  it('splits at commas outside quotes', () => {
    expect(tokenize('1,"a,b",c')).toEqual([u('1'), q('a,b'), u('c')]);
  });

  it('an empty string has no tokens', () => {
    expect(tokenize('')).toEqual([]);
  });

  it('omitted parameters are undefined, including a trailing one', () => {
    expect(tokenize('1,,3')).toEqual([u('1'), undefined, u('3')]);
    expect(tokenize(',2')).toEqual([undefined, u('2')]);
    expect(tokenize('1,')).toEqual([u('1'), undefined]);
  });

  it('an empty quoted string is a value, not an omission', () => {
    expect(tokenize('""')).toEqual([q('')]);
    expect(tokenize('"",1')).toEqual([q(''), u('1')]);
  });

  it('unescapes \\" inside quotes and keeps other backslashes', () => {
    expect(tokenize('"say \\"hi\\""')).toEqual([q('say "hi"')]);
    expect(tokenize('"C:\\USER\\CERT.CRT",947')).toEqual([q('C:\\USER\\CERT.CRT'), u('947')]);
  });

  it('trims spaces around unquoted values and around quotes', () => {
    expect(tokenize(' 1 , "x" ,  2')).toEqual([u('1'), q('x'), u('2')]);
  });

  it('keeps spaces inside quotes', () => {
    expect(tokenize('" a b "')).toEqual([q(' a b ')]);
  });

  it.each([
    ['an unterminated quote', '"abc'],
    ['text glued after a closing quote', '"abc"x'],
    ['a quote inside an unquoted value', 'ab"c"'],
    ['two quoted strings without a comma', '"a" "b"'],
  ])('rejects %s', (_what, src) => {
    expect(tokenize(src)).toBeNull();
  });
});

describe('toInt', () => {
  it.each([
    ['0', 0],
    ['115200', 115200],
    [' 7 ', 7],
    ['-3', -3],
    ['+4', 4],
    ['007', 7],
  ])('%j → %j', (s, v) => {
    expect(toInt(s)).toBe(v);
  });

  it.each(['', '1.5', '0x10', '1e3', 'abc', '99999999999999999999', '1 2'])('%j is not an integer', (s) => {
    expect(toInt(s)).toBeNull();
  });
});

describe('parseArgs', () => {
  const CFUN: ParamSpec[] = [
    { kind: 'int', name: 'fun', values: [0, 1, 4] },
    { kind: 'int', name: 'rst', min: 0, max: 1, optional: true },
  ];
  const STR: ParamSpec[] = [
    { kind: 'string', name: 'apn', maxLen: 5 },
    { kind: 'string', name: 'user', optional: true, quotes: 'required' },
  ];

  it('converts integers, quoted or not, and leaves omitted optionals undefined', () => {
    expect(parseArgs('1', CFUN)).toMatchObject({ ok: true, values: [1, undefined] });
    expect(parseArgs('"4",1', CFUN)).toMatchObject({ ok: true, values: [4, 1] });
    expect(parseArgs('0,', CFUN)).toMatchObject({ ok: true, values: [0, undefined] });
  });

  it('value sets and ranges answer 765 (Invalid input value)', () => {
    expect(parseArgs('2', CFUN)).toEqual({ ok: false, code: CME.invalidInput });
    expect(parseArgs('1,2', CFUN)).toEqual({ ok: false, code: CME.invalidInput });
    expect(parseArgs('1,-1', CFUN)).toEqual({ ok: false, code: CME.invalidInput });
    expect(parseArgs('x', CFUN)).toEqual({ ok: false, code: CME.invalidInput });
  });

  it('counts: too many 792, none given for a required one 791, an omitted required one 765', () => {
    expect(parseArgs('1,1,1', CFUN)).toEqual({ ok: false, code: CME.paramCountBeyond });
    expect(parseArgs('', CFUN)).toEqual({ ok: false, code: CME.paramCountShort });
    expect(parseArgs(',1', CFUN)).toEqual({ ok: false, code: CME.invalidInput });
  });

  it('malformed quoting answers 795', () => {
    expect(parseArgs('"1', CFUN)).toEqual({ ok: false, code: CME.paramFormat });
  });

  it('strings: length limit 24, quotes required when the table says so', () => {
    expect(parseArgs('"abcde","x"', STR)).toMatchObject({ ok: true, values: ['abcde', 'x'] });
    expect(parseArgs('abcde', STR)).toMatchObject({ ok: true, values: ['abcde', undefined] });
    expect(parseArgs('"abcdef"', STR)).toEqual({ ok: false, code: CME.textTooLong });
    expect(parseArgs('"a",x', STR)).toEqual({ ok: false, code: CME.invalidInput });
  });

  it('returns the tokens so a handler can tell quoted from unquoted', () => {
    const r = parseArgs('"a","b"', STR);
    expect(r.ok && r.tokens).toEqual([q('a'), q('b')]);
  });
});
