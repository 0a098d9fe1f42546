/**
 * Every fixture in fixtures/transcripts runs twice: over a real TCP connection to the
 * built CLI (a fresh process per fixture, so each one starts from power-up) and
 * in-process through startEmulator() + connect(). Same bytes expected from both.
 */
import * as path from 'node:path';
import { DteClient } from '../src/client/dteClient';
import { startEmulator } from '../src/emulator';
import { killAllClis, startCli } from './helpers/cli';
import { loadTranscripts, parseTranscript, runTranscript } from './helpers/transcript';

const transcripts = loadTranscripts(path.resolve(__dirname, '..', 'fixtures', 'transcripts'));
const cases = transcripts.map((t) => [t.name, t] as const);

describe('transcripts over TCP to the CLI', () => {
  afterEach(killAllClis);

  test.each(cases)('%s', async (_name, t) => {
    const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'silent']);
    const client = await DteClient.connectTcp(cli.port);
    try {
      await runTranscript(t, client);
    } finally {
      await client.close();
      await cli.stop();
    }
  });
});

describe('transcripts in-process', () => {
  test.each(cases)('%s', async (_name, t) => {
    const emu = await startEmulator({ tcp: false, brokerPort: 0 });
    const client = emu.connect();
    try {
      await runTranscript(t, client);
    } finally {
      await client.close();
      await emu.stop();
    }
  });
});

describe('the transcript runner itself', () => {
  // A runner that cannot fail proves nothing: these feed it wrong expectations.
  const run = async (text: string) => {
    const emu = await startEmulator({ tcp: false, brokerPort: 0 });
    const client = emu.connect();
    try {
      await runTranscript(parseTranscript(text, 'case.txt'), client, { timeoutMs: 200 });
    } finally {
      await client.close();
      await emu.stop();
    }
  };

  it('passes a correct transcript', async () => {
    await expect(run('> AT\n< AT\\r\\r\\nOK\\r\\n\n')).resolves.toBeUndefined();
  });

  it('fails on a missing CR, naming the fixture line', async () => {
    await expect(run('> AT\n< AT\\r\\nOK\\r\\n\n')).rejects.toThrow(/case\.txt:2: expected/);
  });

  it('fails on bytes nobody expected', async () => {
    await expect(run('> AT\n< AT\\r\n> AT\n')).rejects.toThrow(/case\.txt:3: unexpected bytes before this line was sent: "\\r\\nOK\\r\\n"/);
  });

  it('fails on trailing bytes at the end', async () => {
    await expect(run('> AT\n< AT\\r\\r\\nOK\\r\n')).rejects.toThrow(/case\.txt:end: unexpected bytes after the last expectation: "\\n"/);
  });

  it('fails when a placeholder does not match', async () => {
    await expect(run('> AT+CGSN\n< AT+CGSN\\r\\r\\n{IP}\\r\\n\\r\\nOK\\r\\n\n')).rejects.toThrow(/case\.txt:2/);
  });

  it('fails when output arrives during @quiet', async () => {
    await expect(run('> AT\n@quiet 50\n')).rejects.toThrow(/case\.txt:2: unexpected bytes within 50 ms of quiet/);
  });

  it('rejects unknown escapes, placeholders and line kinds', () => {
    expect(() => parseTranscript('< \\q', 'x.txt')).toThrow(/x\.txt:1: unknown escape/);
    expect(() => parseTranscript('< {IPV6}', 'x.txt')).toThrow(/x\.txt:1: unknown placeholder "\{IPV6\}"/);
    expect(() => parseTranscript('AT', 'x.txt')).toThrow(/x\.txt:1: cannot read "AT"/);
  });

  it('fills {{NAME}} values before reading, and refuses a name without one', () => {
    const t = parseTranscript('> AT+FSWRITE=C:\\A,0,{{LEN}},10\n>> {{DATA}}\n', 'x.txt', { LEN: '5', DATA: 'ab\\r\\n' });
    expect(t.steps.map((s) => (s.kind === 'send' ? s.bytes : s.kind))).toEqual(['AT+FSWRITE=C:\\A,0,5,10\r', 'ab\r\n']);
    expect(() => parseTranscript('> AT{{X}}', 'x.txt')).toThrow('x.txt: no value for {{X}}');
  });

  it('runs @actions in order with their arguments, and fails on one the run lacks', async () => {
    const calls: string[] = [];
    const emu = await startEmulator({ tcp: false, brokerPort: 0 });
    const client = emu.connect();
    try {
      const t = parseTranscript('> AT\n< AT\\r\\r\\nOK\\r\\n\n@note a b=1\n> AT\n< AT\\r\\r\\nOK\\r\\n\n', 'case.txt');
      await runTranscript(t, client, { actions: { note: async (args) => void calls.push(args) } });
      expect(calls).toEqual(['a b=1']);
      await expect(runTranscript(parseTranscript('@other\n', 'case.txt'), client)).rejects.toThrow('case.txt:1: no action "@other" in this run');
    } finally {
      await client.close();
      await emu.stop();
    }
  });

  it('sends "> " lines verbatim with CR and ">> " lines as escaped bytes', () => {
    const t = parseTranscript('> AT+FSCREATE=C:\\USER\\A.TXT\n>> A/\\x08\\r\\n\n', 'x.txt');
    expect(t.steps.map((s) => (s.kind === 'send' ? s.bytes : s.kind))).toEqual(['AT+FSCREATE=C:\\USER\\A.TXT\r', 'A/\b\r\n']);
  });

  it('matches placeholders for their own shapes only', () => {
    const whole = (src: string) => new RegExp(`^${(parseTranscript(`< ${src}`, 'x.txt').steps[0] as { re: RegExp }).re.source}$`);
    expect(whole('"{IP}"').test('"10.89.193.1"')).toBe(true);
    expect(whole('"{IP}"').test('"10.89.193"')).toBe(false);
    expect(whole('{CCLK}').test('19/09/04,16:05:01+32')).toBe(true);
    expect(whole('{CCLK}').test('19/09/04,16:05:01')).toBe(false);
    expect(whole('{INT},{INT}').test('-3,12')).toBe(true);
    expect(whole('{ANY}').test('a\r\nb')).toBe(false);
  });
});
