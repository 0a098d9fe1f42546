/**
 * --stdio: the modem's bytes on stdin/stdout, and what docs/cli.md tells users to do
 * with it: `socat PTY,link=/tmp/ttySIM800,raw,echo=0 EXEC:"sim800-emu --stdio"`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tty from 'node:tty';
import { CLI, killAllClis, startCli } from '../helpers/cli';
import { sleep } from '../helpers/wait';
import { describeWithTool, findTool } from '../helpers/tools';

afterEach(killAllClis);

/** Resolves with everything `read` returned once it ends with `want` (or rejects after ms). */
function readUntil(read: () => string, stream: NodeJS.EventEmitter, want: string, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!read().endsWith(want)) return;
      clearTimeout(timer);
      stream.off('data', check);
      resolve(read());
    };
    const timer = setTimeout(() => {
      stream.off('data', check);
      reject(new Error(`waited for ${JSON.stringify(want)}; got ${JSON.stringify(read())}`));
    }, ms);
    stream.on('data', check);
    check();
  });
}

describe('--stdio', () => {
  it('round trip: AT\\r in, AT\\r\\r\\nOK\\r\\n out; stdout carries the wire only', async () => {
    const cli = await startCli(['--stdio', '--broker-port', '0', '--log-level', 'silent']);
    // stdout is the wire, so the ready line went to stderr.
    expect(cli.readyLine).toMatch(/^sim800-emu ready stdio broker=mqtt:\/\/127\.0\.0\.1:\d+ broker-tls=mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect(cli.stdout()).toBe('');
    cli.child.stdin!.write('AT\r');
    expect(await readUntil(cli.stdout, cli.child.stdout!, 'OK\r\n')).toBe('AT\r\r\nOK\r\n');
    // Bytes, not lines: a command split across writes is one command.
    cli.child.stdin!.write('AT+CG');
    await sleep(50);
    cli.child.stdin!.write('MI\r');
    expect(await readUntil(cli.stdout, cli.child.stdout!, 'SIMCOM_Ltd\r\n\r\nOK\r\n')).toBe(
      'AT\r\r\nOK\r\nAT+CGMI\r\r\nSIMCOM_Ltd\r\n\r\nOK\r\n',
    );
  });

  it('stdin\'s end stops the emulator: exit 0', async () => {
    const cli = await startCli(['--stdio', '--broker-port', '0', '--log-level', 'info']);
    cli.child.stdin!.end('AT\r');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toBe('AT\r\r\nOK\r\n');
    expect(cli.stderr()).toContain('"why":"stdin closed"');
  });
});

const socat = findTool('socat');

describeWithTool('socat', socat, 'through a socat pty, as docs/cli.md shows', () => {
  let dir: string;
  let child: ChildProcess | null = null;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-pty-'));
  });

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const c = child;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM'); // socat closes the EXEC child's stdin: the CLI sees its end and exits
      });
    }
    child = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the pty like firmware on a host would; returns a writer and the bytes read. */
  function openPty(link: string): { write(s: string): void; read(): string; stream: tty.ReadStream; close(): void } {
    const fd = fs.openSync(link, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    const stream = new tty.ReadStream(fd);
    stream.setRawMode(true);
    let got = '';
    stream.on('data', (d: Buffer) => (got += d.toString('latin1')));
    return { write: (s) => fs.writeSync(fd, s), read: () => got, stream, close: () => stream.destroy() };
  }

  it('firmware opens the pty, talks AT, closes and reopens it; the modem state stays', async () => {
    const link = path.join(dir, 'ttySIM800');
    const exec = `${process.execPath} ${CLI} --stdio --broker-port 0 --log-level silent`;
    child = spawn(socat!, [`PTY,link=${link},raw,echo=0`, `EXEC:"${exec}"`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await readUntil(() => stderr, child.stderr!, '\n', 10_000); // the CLI's ready line (its stderr is socat's)
    expect(stderr).toMatch(/^sim800-emu ready stdio broker=mqtt:\/\/127\.0\.0\.1:\d+ broker-tls=mqtts:\/\/127\.0\.0\.1:\d+\n$/);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);

    const first = openPty(link);
    first.write('AT\r');
    expect(await readUntil(first.read, first.stream, 'OK\r\n')).toBe('AT\r\r\nOK\r\n');
    first.write('ATE0\r');
    expect(await readUntil(first.read, first.stream, 'ATE0\r\r\nOK\r\n')).toBe('AT\r\r\nOK\r\nATE0\r\r\nOK\r\n');
    first.close();

    // Firmware restarts and opens the port again: same modem, echo still off.
    const second = openPty(link);
    second.write('AT+CGMM\r');
    expect(await readUntil(second.read, second.stream, 'OK\r\n')).toBe('\r\nSIMCOM_SIM800L\r\n\r\nOK\r\n');
    second.close();
  });

  it('with a terminal as stdin/stdout (EXEC:…,pty) the bytes still pass unchanged', async () => {
    // A tty would line-buffer and echo the input and turn LF into CR LF on output.
    const exec = `${process.execPath} ${CLI} --stdio --broker-port 0 --log-level silent`;
    child = spawn(socat!, ['-', `EXEC:"${exec}",pty`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let out = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
    await readUntil(() => stderr, child.stderr!, '\n', 10_000);
    expect(stderr).toMatch(/^sim800-emu ready stdio /);
    child.stdin!.write('AT\r');
    expect(await readUntil(() => out, child.stdout!, 'OK\r\n')).toBe('AT\r\r\nOK\r\n');
    child.stdin!.write('ATI\r');
    expect(await readUntil(() => out, child.stdout!, 'R14.18\r\n\r\nOK\r\n')).toBe('AT\r\r\nOK\r\nATI\r\r\nSIM800 R14.18\r\n\r\nOK\r\n');
  });
});
