/**
 * `sim800-emu --pty PATH` as users run it: signals, no strays, one-line errors, and the
 * socat attachments docs/serial.md shows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DteClient } from '../../src/client/dteClient';
import { CLI, killAllClis, runCli, startCli } from '../helpers/cli';
import { childrenOf, eventually, openSerial, socat, type SerialDte } from './serialDte';
import { describeWithTool } from '../helpers/tools';

let dir: string;
let dte: SerialDte | null = null;
const helpers: ChildProcess[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-ptycli-'));
});

afterEach(async () => {
  await dte?.close();
  dte = null;
  for (const h of helpers.splice(0)) {
    if (h.exitCode === null && h.signalCode === null) {
      await new Promise<void>((resolve) => {
        h.once('exit', () => resolve());
        h.kill('SIGTERM');
      });
    }
  }
  await killAllClis();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI to its end with extra environment variables. */
function runWithEnv(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  helpers.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const cliArgs = (link: string, ...more: string[]) => ['--pty', link, '--broker-port', '0', '--log-level', 'warn', ...more];

describe('sim800-emu --pty', () => {
  it('ready line names the link; SIGTERM exits 0, removes the link and frees the pty', async () => {
    const link = path.join(dir, 'ttySIM800');
    const cli = await startCli(cliArgs(link));
    expect(cli.readyLine).toMatch(new RegExp(`^sim800-emu ready pty=${link} broker=mqtt://`));
    const device = fs.readlinkSync(link);
    dte = await openSerial(link);
    expect(await dte.exchange('AT', 'OK\r\n')).toBe('AT\r\r\nOK\r\n');
    await dte.close();
    dte = null;
    expect(childrenOf(cli.child.pid!)).toEqual([]); // no helper process: the pty is the emulator's own
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(link)).toBe(false);
    expect(fs.existsSync(device)).toBe(false);
  });

  it('SIGKILL leaves no pty and no process; the next run replaces the dangling link', async () => {
    const link = path.join(dir, 'ttySIM800');
    const first = await startCli(cliArgs(link));
    const device = fs.readlinkSync(link);
    expect(childrenOf(first.child.pid!)).toEqual([]);
    expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await eventually(() => !fs.existsSync(device), 2000, `${device} to go`);
    expect(fs.readlinkSync(link)).toBe(device); // dangling: a killed process cannot clean up

    const second = await startCli(cliArgs(link));
    dte = await openSerial(link);
    expect(await dte.exchange('AT', 'OK\r\n')).toBe('AT\r\r\nOK\r\n');
    await dte.close();
    dte = null;
    expect((await second.stop('SIGINT')).code).toBe(0);
    expect(fs.existsSync(link)).toBe(false);
  });

  it.each([
    ['--pty with --tcp', ['--pty', '/tmp/x', '--tcp', '0'], /^sim800-emu: --tcp and --pty cannot be used together: one modem has one wire$/],
    ['--pty with --stdio', ['--pty', '/tmp/x', '--stdio'], /^sim800-emu: --stdio and --pty cannot be used together: one modem has one wire$/],
    ['--pty with --serial', ['--pty', '/tmp/x', '--serial', '/dev/ttyUSB0'], /^sim800-emu: --pty and --serial cannot be used together: one modem has one wire$/],
    ['--rtscts without --serial', ['--pty', '/tmp/x', '--rtscts'], /^sim800-emu: --rtscts needs --serial: flow control is a serial port's$/],
    ['a bad --baud', ['--pty', '/tmp/x', '--baud', 'fast'], /^sim800-emu: --baud: "fast" is not a baud rate \(a whole number such as 115200\)$/],
    ['a bad --parity', ['--pty', '/tmp/x', '--parity', 'mark'], /^sim800-emu: --parity: "mark" is not one of none, even, odd$/],
  ])('%s: one line on stderr, exit 2', async (_name, args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('where ptys do not exist: one line, exit 2, no link', async () => {
    const link = path.join(dir, 'ttySIM800');
    const r = await runWithEnv(cliArgs(link), { SIM800_EMU_PTMX: path.join(dir, 'no-ptmx') });
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd()).toMatch(/^sim800-emu: --pty: cannot create a pseudo-terminal \(.*no-ptmx: No such file or directory\): this system offers no ptys$/);
    expect(fs.existsSync(link)).toBe(false);
  });
});

describeWithTool('socat', socat, 'socat attachments (docs/serial.md)', () => {
  const run = (args: string[]) => {
    const child = spawn(socat!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    helpers.push(child);
    return child;
  };

  it('the emulator\'s pty offered on TCP: socat TCP-LISTEN:PORT,fork FILE:/tmp/ttySIM800,raw,echo=0; each connection reopens the device', async () => {
    const link = path.join(dir, 'ttySIM800');
    await startCli(cliArgs(link));
    // Port 0, and the port socat got read from its notice (-d -d): "listening on AF=2 127.0.0.1:PORT".
    const listener = run(['-d', '-d', 'TCP-LISTEN:0,bind=127.0.0.1,reuseaddr,fork', `FILE:${link},raw,echo=0`]);
    let notices = '';
    listener.stderr!.on('data', (d: Buffer) => (notices += d.toString()));
    const listening = () => /listening on AF=2 127\.0\.0\.1:(\d+)/.exec(notices);
    await eventually(() => listening() !== null, 5000, 'socat to listen');
    const port = Number(listening()![1]);
    for (const line of ['ATE0', 'AT+CGMI']) {
      const client = await DteClient.connectTcp(port);
      const r = await client.send(line);
      expect(r.final).toBe('OK');
      if (line === 'AT+CGMI') expect(r.raw).toBe('\r\nSIMCOM_Ltd\r\n\r\nOK\r\n'); // ATE0 from the first connection still holds
      await client.close();
      // socat's per-connection child lingers a moment after EOF with the device still open;
      // two readers on one tty would split the bytes, so the next connection waits for it.
      await eventually(() => childrenOf(listener.pid!).length === 0, 5000, 'socat\'s child to exit');
    }
  });

  it('socat pty-to-TCP against the TCP transport: socat pty,raw,echo=0,link=/tmp/ttyS TCP:127.0.0.1:PORT, reopened three times', async () => {
    const cli = await startCli(['--tcp', '0', '--broker-port', '0', '--log-level', 'warn']);
    const link = path.join(dir, 'ttyS');
    const bridge = run([`pty,raw,echo=0,link=${link}`, `TCP:127.0.0.1:${cli.port}`]);
    await eventually(() => fs.existsSync(link), 5000, 'socat\'s pty');
    // socat 1.7.4 keeps its pty across DTE closes (seen here; TOOLCHAIN.md feared otherwise).
    for (const [line, answer] of [['ATE0', 'ATE0\r\r\nOK\r\n'], ['AT', '\r\nOK\r\n'], ['AT', '\r\nOK\r\n']]) {
      dte = await openSerial(link);
      expect(await dte.exchange(line, 'OK\r\n')).toBe(answer);
      await dte.close();
      dte = null;
    }
    expect(bridge.exitCode).toBeNull();
  });

  it('a pty pair as a null-modem cable: --serial on one end, the DTE on the other', async () => {
    const a = path.join(dir, 'ttyA');
    const b = path.join(dir, 'ttyB');
    run(['pty,raw,echo=0,link=' + a, 'pty,raw,echo=0,link=' + b]);
    await eventually(() => fs.existsSync(a) && fs.existsSync(b), 5000, 'socat\'s ptys');
    const cli = await startCli(['--serial', a, '--baud', '115200', '--broker-port', '0', '--log-level', 'warn']);
    expect(cli.readyLine).toMatch(new RegExp(`^sim800-emu ready serial=${a}@115200 broker=`));
    dte = await openSerial(b);
    expect(await dte.exchange('AT', 'OK\r\n')).toBe('AT\r\r\nOK\r\n');
    expect(await dte.exchange('AT+CGMM', 'OK\r\n')).toBe('AT+CGMM\r\r\nSIMCOM_SIM800L\r\n\r\nOK\r\n');
  });
});
