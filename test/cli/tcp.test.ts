/**
 * The CLI's TCP wire: one DTE at a time, state that outlives a reconnect (or not, with
 * --reset-on-connect), and the NV profile in --state-dir across a restart.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DteClient } from '../../src/client/dteClient';
import { BUSY_MESSAGE } from '../../src/transport/tcp';
import { killAllClis, startCli } from '../helpers/cli';
import { until } from '../helpers/wait';

const ARGS = ['--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'silent'];
const clients: DteClient[] = [];

async function connect(port: number): Promise<DteClient> {
  const c = await DteClient.connectTcp(port);
  clients.push(c);
  return c;
}

/** The CLI logging at info on stderr, where it says when a DTE has gone. */
const LOGGING_ARGS = ['--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'info'];

/**
 * Connects once the emulator has logged the previous DTE's disconnect: until then a new
 * connection is (rightly) refused as a second DTE. (Probing with a connection and a short
 * wait for the refusal can take a slow refusal for acceptance on a loaded machine.)
 */
async function reconnect(cli: { port: number; stderr(): string }): Promise<DteClient> {
  await waitForLog(cli, 'DTE disconnected');
  return connect(cli.port);
}

/** Waits (up to 5 s) until the CLI's stderr holds `text`. */
async function waitForLog(cli: { stderr(): string }, text: string): Promise<void> {
  await until(() => cli.stderr().includes(text), 5000, `"${text}" in the CLI's log`, 10);
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await killAllClis();
});

describe('one DTE at a time', () => {
  it('refuses a second connection with a message and a log line; the first keeps working', async () => {
    const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'warn']);
    const first = await connect(cli.port);
    expect((await first.send('AT')).raw).toBe('AT\r\r\nOK\r\n');

    const second = await connect(cli.port);
    await new Promise<void>((resolve) => second.stream.once('close', () => resolve()));
    expect(second.received).toBe(BUSY_MESSAGE);
    // The log line comes down the child's stderr pipe, which the socket's close can beat.
    await waitForLog(cli, 'refused a second DTE connection');

    expect((await first.send('AT+CGMI')).raw).toBe('AT+CGMI\r\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
  });
});

describe('state across a reconnect', () => {
  async function configureAndLeave(port: number): Promise<void> {
    const dte = await connect(port);
    await dte.ok('AT');
    await dte.ok('AT+CMEE=2');
    expect((await dte.send('ATE0')).raw).toBe('ATE0\r\r\nOK\r\n');
    await dte.close();
  }

  it('outlives it: no echo, CMEE still 2, no new autobaud', async () => {
    const cli = await startCli(LOGGING_ARGS);
    await configureAndLeave(cli.port);
    const dte = await reconnect(cli);
    expect((await dte.send('AT')).raw).toBe('\r\nOK\r\n');
    expect((await dte.send('AT+CMEE?')).raw).toBe('\r\n+CMEE: 2\r\n\r\nOK\r\n');
  });

  it('with --reset-on-connect it does not: power-up, autobaud, factory echo and CMEE', async () => {
    const cli = await startCli([...LOGGING_ARGS, '--reset-on-connect']);
    await configureAndLeave(cli.port);
    const dte = await reconnect(cli);
    expect((await dte.send('AT')).raw).toBe('AT\r\r\nOK\r\n');
    expect((await dte.send('AT+CMEE?')).raw).toBe('AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n');
  });
});

describe('--state-dir', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-state-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Configures a fresh CLI, optionally saves with AT&W, kills it hard, starts another. */
  async function restartAfter(save: boolean): Promise<DteClient> {
    const cli = await startCli([...ARGS, '--state-dir', dir]);
    const dte = await connect(cli.port);
    await dte.ok('AT');
    await dte.ok('ATE0');
    await dte.ok('AT+CMEE=2');
    if (save) await dte.ok('AT&W');
    // SIGKILL: whatever survives was on disk before the process died.
    await cli.stop('SIGKILL');
    const again = await startCli([...ARGS, '--state-dir', dir]);
    return connect(again.port);
  }

  it('AT&W survives a restart of the CLI', async () => {
    const dte = await restartAfter(true);
    expect(fs.readdirSync(dir)).toContain('profile.json');
    expect((await dte.send('AT')).raw).toBe('\r\nOK\r\n');
    expect((await dte.send('AT+CMEE?')).raw).toBe('\r\n+CMEE: 2\r\n\r\nOK\r\n');
  });

  it('without AT&W the restart brings the factory profile back', async () => {
    const dte = await restartAfter(false);
    expect((await dte.send('AT')).raw).toBe('AT\r\r\nOK\r\n');
    expect((await dte.send('AT+CMEE?')).raw).toBe('AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n');
  });
});

describe('the example config file', () => {
  it('is loaded, and flags override it', async () => {
    const example = path.resolve(__dirname, '..', '..', 'fixtures', 'config.example.json');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-example-'));
    try {
      // The file asks for 127.0.0.1:2323, realistic timing, broker port 1883 and a state dir
      // beside it; the flags replace all four so the test needs no fixed port.
      const cli = await startCli(['--config', example, ...ARGS, '--profile', 'instant', '--state-dir', dir]);
      expect(cli.port).not.toBe(2323);
      const dte = await connect(cli.port);
      // The file sets a fixed rate (ipr 115200): the module announces itself without autobaud.
      await dte.waitForRaw('\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n', 5000);
      expect((await dte.send('ATE0;+CGMM')).lines).toEqual(['SIMCOM_SIM800C']);
      expect((await dte.send('AT+CGSN')).raw).toBe('\r\n861234567890123\r\n\r\nOK\r\n');
      expect((await dte.send('AT+COPS?')).lines).toEqual(['+COPS: 0,0,"ACME Mobile"']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
