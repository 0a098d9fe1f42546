/**
 * The serial-side flags and config keys (--pty, --serial, --baud, --parity, --rtscts,
 * --pace) as the CLI turns them into EmulatorOptions.
 */
import { mergeSettings, parseConfigText, settingsFromFlags, toEmulatorOptions } from '../../src/cli/config';

describe('serial-side settings', () => {
  it('--serial takes the line: baud, parity, flow control; 115200 8N1 by default', () => {
    expect(toEmulatorOptions(settingsFromFlags({ serial: '/dev/ttyUSB0' })).serial).toEqual({ path: '/dev/ttyUSB0', baudRate: 115200, parity: 'none', rtscts: false });
    const s = settingsFromFlags({ serial: '/dev/ttyUSB0', baud: '9600', parity: 'even', rtscts: true, pace: true });
    const o = toEmulatorOptions(s);
    expect(o.serial).toEqual({ path: '/dev/ttyUSB0', baudRate: 9600, parity: 'even', rtscts: true });
    expect(o.line).toBeUndefined();
    expect(o.pace).toBe(true);
    expect(o.tcp).toBeUndefined(); // the emulator opens no TCP listener beside a named wire
  });

  it('with --pty, --baud and --parity describe the DTE\'s line (autobaud, pacing)', () => {
    const o = toEmulatorOptions(settingsFromFlags({ pty: '/tmp/ttySIM800', baud: '57600', parity: 'odd' }));
    expect(o).toMatchObject({ pty: '/tmp/ttySIM800', line: { baudRate: 57600, parity: 'odd' } });
    expect(o.serial).toBeUndefined();
  });

  it('config file keys; a wire named on the command line replaces the file\'s', () => {
    const file = parseConfigText('{"serial": "/dev/ttyACM0", "baud": 19200, "parity": "none", "rtscts": true, "pace": true}', 'c.json');
    expect(file).toEqual({ serial: '/dev/ttyACM0', baud: 19200, parity: 'none', rtscts: true, pace: true });
    const merged = mergeSettings(file, settingsFromFlags({ pty: '/tmp/ttyX' }));
    expect(merged.pty).toBe('/tmp/ttyX');
    expect(merged.serial).toBeUndefined();
    expect(merged.baud).toBe(19200);
    expect(() => parseConfigText('{"baud": "fast"}', 'c.json')).toThrow('c.json: "baud" must be a number');
    expect(() => parseConfigText('{"pace": 1}', 'c.json')).toThrow('c.json: "pace" must be true or false');
    expect(() => parseConfigText('{"parity": "mark"}', 'c.json')).toThrow('c.json: "parity": "mark" is not one of none, even, odd');
  });

  it('refuses two wires, and out-of-range rates', () => {
    expect(() => settingsFromFlags({ tcp: '0', serial: '/dev/ttyUSB0' })).toThrow('--tcp and --serial cannot be used together: one modem has one wire');
    expect(() => settingsFromFlags({ pty: '', baud: '9600' })).toThrow('--pty: the value is empty');
    expect(() => settingsFromFlags({ baud: '0' })).toThrow('--baud: "0" is not a baud rate');
    expect(() => settingsFromFlags({ baud: '5000000' })).toThrow('--baud: "5000000" is not a baud rate');
  });
});
