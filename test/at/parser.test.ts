import { parseCommandLine, withoutSpaces, type Invocation } from '../../src/at/parser';

const ok = (body: string): Invocation[] => {
  const r = parseCommandLine(body);
  if (!r.ok) throw new Error(`"${body}" did not parse`);
  return r.invocations;
};
const basic = (name: string, args = '', form: Invocation['form'] = 'exec'): Invocation => ({ name, form, args, basic: true });
const ext = (name: string, form: Invocation['form'], args = ''): Invocation => ({ name, form, args, basic: false });

describe('parseCommandLine', () => {
  it('an empty body is an empty command list', () => {
    expect(ok('')).toEqual([]);
  });

  it('chains basic commands without separators', () => {
    expect(ok('E0V1')).toEqual([basic('E', '0'), basic('V', '1')]);
    expect(ok('E0Q0V1&W')).toEqual([basic('E', '0'), basic('Q', '0'), basic('V', '1'), basic('&W')]);
    expect(ok('&FZE0&W')).toEqual([basic('&F'), basic('Z'), basic('E', '0'), basic('&W')]);
  });

  it('upper-cases names but not arguments', () => {
    expect(ok('e1')).toEqual([basic('E', '1')]);
    expect(ok('+cmee=2')).toEqual([ext('+CMEE', 'write', '2')]);
    expect(ok('+sapbr=3,1,"apn","Internet"')).toEqual([ext('+SAPBR', 'write', '3,1,"apn","Internet"')]);
  });

  it('tells the four extended forms apart', () => {
    expect(ok('+CSQ')).toEqual([ext('+CSQ', 'exec')]);
    expect(ok('+CFUN?')).toEqual([ext('+CFUN', 'read')]);
    expect(ok('+CFUN=?')).toEqual([ext('+CFUN', 'test')]);
    expect(ok('+CFUN=1,1')).toEqual([ext('+CFUN', 'write', '1,1')]);
    expect(ok('+CFUN=')).toEqual([ext('+CFUN', 'write', '')]);
  });

  it('splits extended commands at ; outside quotes only', () => {
    expect(ok('+CMEE=2;+CSQ;+CREG?')).toEqual([ext('+CMEE', 'write', '2'), ext('+CSQ', 'exec'), ext('+CREG', 'read')]);
    expect(ok('+SAPBR=3,1,"APN","a;b";+CSQ')).toEqual([ext('+SAPBR', 'write', '3,1,"APN","a;b"'), ext('+CSQ', 'exec')]);
    expect(ok('+X="say \\"hi;\\"";+CSQ')).toEqual([ext('+X', 'write', '"say \\"hi;\\""'), ext('+CSQ', 'exec')]);
  });

  it('mixes basic and extended commands (manual §1.4 example)', () => {
    expect(ok('E1Q0S0=1S3=13V1X4;+IFC=0,0;+IPR=115200;&W')).toEqual([
      basic('E', '1'),
      basic('Q', '0'),
      basic('S0', '1', 'write'),
      basic('S3', '13', 'write'),
      basic('V', '1'),
      basic('X', '4'),
      ext('+IFC', 'write', '0,0'),
      ext('+IPR', 'write', '115200'),
      basic('&W'),
    ]);
    expect(ok('+CIFSR;E0')).toEqual([ext('+CIFSR', 'exec'), basic('E', '0')]);
  });

  it('S-registers: read, write, empty write', () => {
    expect(ok('S3?')).toEqual([basic('S3', '', 'read')]);
    expect(ok('s0=2')).toEqual([basic('S0', '2', 'write')]);
    expect(ok('S7=')).toEqual([basic('S7', '', 'write')]);
  });

  it('tolerates spaces and a trailing ;', () => {
    expect(ok(' +CSQ ;')).toEqual([ext('+CSQ', 'exec')]);
  });

  it('ignores spaces outside quotes anywhere, as V.250 says: between AT, + and the name (usim800)', () => {
    // The lines the usim800 Python driver sends (body = the text after AT).
    expect(ok(' + SAPBR=3,1,"CONTYPE","GPRS"')).toEqual([ext('+SAPBR', 'write', '3,1,"CONTYPE","GPRS"')]);
    expect(ok(' +HTTPACTION=0')).toEqual([ext('+HTTPACTION', 'write', '0')]);
    expect(ok(' + HTTPPARA="URL","http://example.com/a b"')).toEqual([ext('+HTTPPARA', 'write', '"URL","http://example.com/a b"')]);
    expect(ok('+ CSQ')).toEqual([ext('+CSQ', 'exec')]);
    // Inside names, around = ? ; , and inside numbers too.
    expect(ok('+C SQ')).toEqual([ext('+CSQ', 'exec')]);
    expect(ok('+CFUN = ?')).toEqual([ext('+CFUN', 'test')]);
    expect(ok('+CFUN ?')).toEqual([ext('+CFUN', 'read')]);
    expect(ok('+CFUN = 1 , 1 ; + CSQ')).toEqual([ext('+CFUN', 'write', '1,1'), ext('+CSQ', 'exec')]);
    expect(ok('E 0 V 1 & W')).toEqual([basic('E', '0'), basic('V', '1'), basic('&W')]);
    expect(ok('S 3 = 1 3')).toEqual([basic('S3', '13', 'write')]);
    expect(ok('S0 ?')).toEqual([basic('S0', '', 'read')]);
    expect(ok('D 123 ;')).toEqual([basic('D', '123;')]);
  });

  it('keeps spaces inside quotes, \\" escapes included', () => {
    expect(ok('+SAPBR = 3, 1, "APN", " my apn "')).toEqual([ext('+SAPBR', 'write', '3,1,"APN"," my apn "')]);
    expect(ok('+X = "a \\" b ; c" ; +CSQ')).toEqual([ext('+X', 'write', '"a \\" b ; c"'), ext('+CSQ', 'exec')]);
    expect(withoutSpaces('a "b c" d "e \\" f"')).toBe('a"b c"d"e \\" f"');
    expect(withoutSpaces('no-spaces')).toBe('no-spaces');
    // An unterminated quote keeps its spaces (the line is an error anyway).
    expect(withoutSpaces(' +X="a b')).toBe('+X="a b');
    expect(parseCommandLine('+X = "a b')).toEqual({ ok: false });
  });

  it('withoutSpaces can say where each kept character came from', () => {
    const kept: number[] = [];
    expect(withoutSpaces('A + B "c d"', kept)).toBe('A+B"c d"');
    expect(kept).toEqual([0, 2, 4, 6, 7, 8, 9, 10]);
  });

  it('D takes the rest of the line', () => {
    expect(ok('D+123;')).toEqual([basic('D', '+123;')]);
  });

  it('SIMCom-style * and ^ names are extended names', () => {
    expect(ok('*CNTI?')).toEqual([ext('*CNTI', 'read')]);
  });

  it.each([
    ['an extended command followed by another without ;', '+CSQ+CREG?'],
    ['a lone +', '+'],
    ['+ followed by a non-name', '+=1'],
    ['an unterminated quote', '+SAPBR=3,1,"APN'],
    ['S without a number', 'S?'],
    ['S-register without ? or =', 'S3'],
    ['& without a letter', '&'],
    ['a character that starts no command', '#'],
    ['a NUL byte', '\x00'],
    ['text after the read form', '+CSQ?x'],
  ])('rejects %s', (_what, body) => {
    expect(parseCommandLine(body)).toEqual({ ok: false });
  });
});
