/**
 * Shards (docs/fleet.md#shards): `--shard I/N`, or the environment of a Kubernetes
 * Indexed Job's pod, makes a fleet one part of a bigger one, its devices numbered after
 * the shards before it: identities, seeds and ports never overlap between shards.
 */
import { DteClient } from '../../src/client/dteClient';
import { parseConfigText } from '../../src/cli/config';
import { toFleetOptions } from '../../src/cli/fleet';
import { startFleet, type FleetHandle } from '../../src/fleet';
import { identityCapacity, identityFor } from '../../src/fleet/identity';
import { checkShard, firstDevice, parseShard, resolveShard, shardFromEnv } from '../../src/fleet/shard';
import { DEFAULT_MODEM_CONFIG, isValidImei } from '../../src/modem/config';
import { OptionError } from '../../src/optionError';
import { killAllClis, runCli, startCli } from '../helpers/cli';

let fleet: FleetHandle | undefined;
const clients: DteClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await fleet?.stop();
  fleet = undefined;
  await killAllClis();
});

const QUIET = ['--broker-port', '0', '--broker-tls-port', 'off', '--log-level', 'warn'];

describe('reading a shard', () => {
  it('I/N: shard I (from 0) of N', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard(' 0 / 1 ')).toEqual({ index: 0, count: 1 });
    expect(() => parseShard('4/4')).toThrow('"4/4": the shard index must be a whole number 0..3 (shards count from 0)');
    expect(() => parseShard('1/0')).toThrow('the shard count must be a whole number 1..100000');
    expect(() => parseShard('2')).toThrow('"2" is not I/N (shard I of N, I from 0, e.g. 2/4)');
    expect(() => parseShard('-1/4')).toThrow('is not I/N');
  });

  it('the flag first, then SIM800_SHARD, then JOB_COMPLETION_INDEX with SIM800_SHARDS', () => {
    const job = { JOB_COMPLETION_INDEX: '3', SIM800_SHARDS: '8' };
    expect(resolveShard({ index: 1, count: 2 }, { ...job, SIM800_SHARD: '5/6' })).toEqual({ shard: { index: 1, count: 2 }, source: 'flag' });
    expect(resolveShard(undefined, { ...job, SIM800_SHARD: '5/6' })).toEqual({ shard: { index: 5, count: 6 }, source: 'SIM800_SHARD' });
    expect(resolveShard(undefined, job)).toEqual({ shard: { index: 3, count: 8 }, source: 'JOB_COMPLETION_INDEX' });
    expect(resolveShard(undefined, {})).toBeUndefined();
    // An empty variable is an unset one (a manifest's `value: ""`).
    expect(resolveShard(undefined, { SIM800_SHARD: '', JOB_COMPLETION_INDEX: '' })).toBeUndefined();
  });

  it('a Job index without the shard count, or out of range, is refused: every pod would be shard 0/1', () => {
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '2' })).toThrow(
      'JOB_COMPLETION_INDEX=2 is set (a pod of an Indexed Job) but SIM800_SHARDS is not: set SIM800_SHARDS to the Job\'s completions, or give --shard I/N',
    );
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '4', SIM800_SHARDS: '4' })).toThrow('JOB_COMPLETION_INDEX=4, SIM800_SHARDS=4": the shard index must be a whole number 0..3');
    expect(() => shardFromEnv({ SIM800_SHARD: 'two/4' })).toThrow(OptionError);
    expect(() => shardFromEnv({ SIM800_SHARD: 'two/4' })).toThrow('SIM800_SHARD: "two/4" is not I/N');
  });
});

describe('identities across shards', () => {
  it('4 shards of 250: 1000 distinct Luhn-valid IMEIs with the SIM800 TAC, distinct IMSIs and ICCIDs, the same as one fleet of 1000', () => {
    const seen = { imei: new Set<string>(), imsi: new Set<string>(), iccid: new Set<string>() };
    for (let s = 0; s < 4; s++) {
      for (let i = 0; i < 250; i++) {
        const g = firstDevice({ index: s, count: 4 }, 250) + i;
        const id = identityFor(DEFAULT_MODEM_CONFIG, g);
        expect(isValidImei(id.imei)).toBe(true);
        expect(id.imei.slice(0, 8)).toBe(DEFAULT_MODEM_CONFIG.imei.slice(0, 8));
        seen.imei.add(id.imei);
        seen.imsi.add(id.imsi);
        seen.iccid.add(id.iccid);
      }
    }
    expect([seen.imei.size, seen.imsi.size, seen.iccid.size]).toEqual([1000, 1000, 1000]);
    expect(seen.imei).toEqual(new Set(Array.from({ length: 1000 }, (_, g) => identityFor(DEFAULT_MODEM_CONFIG, g).imei)));
  });

  it('the IMEI serial wraps within its six digits: a million distinct devices, and not one more', () => {
    const base = { ...DEFAULT_MODEM_CONFIG, imei: '866782049999994' };
    expect(isValidImei(base.imei)).toBe(true);
    // Serial 999999 + 1 wraps to 000000 under the same TAC, not into the TAC.
    expect(identityFor(base, 1).imei.slice(0, 14)).toBe('86678204000000');
    expect(identityCapacity(DEFAULT_MODEM_CONFIG)).toBe(1_000_000);
    expect(() => checkShard({ index: 0, count: 1000 }, 1000, DEFAULT_MODEM_CONFIG)).not.toThrow();
    expect(() => checkShard({ index: 0, count: 1001 }, 1000, DEFAULT_MODEM_CONFIG)).toThrow(
      '1001 shards of 1000 modems are 1001000 devices, but only 1000000 distinct identities follow from IMEI 866782041234564',
    );
    // A short IMSI holds fewer.
    expect(identityCapacity({ ...DEFAULT_MODEM_CONFIG, imsi: '4600' })).toBe(10_000);
  });

  it('ports past 65535 are refused with the way out', () => {
    expect(() => checkShard({ index: 3, count: 4 }, 10_000, DEFAULT_MODEM_CONFIG, 30_000)).toThrow(
      'shard 3/4 of 10000 modems from port 30000 would listen up to port 69999, past 65535: use port 0 (any free port)',
    );
    expect(() => checkShard({ index: 3, count: 4 }, 10_000, DEFAULT_MODEM_CONFIG, 0)).not.toThrow();
  });
});

describe('a sharded fleet', () => {
  it('shard 1/3 of 2 modems is devices 2 and 3: their identities, seeds and the ready line say so', async () => {
    fleet = await startFleet({ modems: 2, tcp: { port: 0 }, brokerPort: 0, brokerTlsPort: false, shard: { index: 1, count: 3 } });
    expect(fleet.firstDevice).toBe(2);
    expect(fleet.readyLine).toMatch(/ shard=1\/3 modems=2$/);
    for (const [i, e] of fleet.endpoints.tcp!.entries()) {
      const c = await DteClient.connectTcp(e.port);
      clients.push(c);
      expect((await c.ok('AT+GSN'))[0]).toBe(identityFor(DEFAULT_MODEM_CONFIG, 2 + i).imei);
      expect((await c.ok('AT+CIMI'))[0]).toBe(identityFor(DEFAULT_MODEM_CONFIG, 2 + i).imsi);
    }
  });

  it('the CLI: --modems 2 --shard 2/3 from a fixed port listens on port + 4 and + 5', async () => {
    // Shard 2 of 3 from a random base (another if a port is taken): its modems are devices 4 and 5.
    let base = 0;
    let cli;
    for (let attempt = 0; !cli; attempt++) {
      base = 20_000 + Math.floor(Math.random() * 30_000);
      cli = await startCli(['--modems', '2', '--shard', '2/3', '--tcp', `127.0.0.1:${base}`, ...QUIET]).catch((err: Error) => {
        if (attempt >= 5 || !/EADDRINUSE/.test(err.message)) throw err;
        return undefined;
      });
    }
    expect(cli.fields.tcp).toBe(`127.0.0.1:${base + 4}-${base + 5}`);
    expect(cli.fields.shard).toBe('2/3');
    const c = await DteClient.connectTcp(base + 5);
    clients.push(c);
    expect((await c.ok('AT+GSN'))[0]).toBe(identityFor(DEFAULT_MODEM_CONFIG, 5).imei);
  });

  it('the CLI takes the shard from a Kubernetes Indexed Job\'s environment', async () => {
    const cli = await startCli(['--modems', '1', '--tcp', '127.0.0.1:0', ...QUIET], undefined, { JOB_COMPLETION_INDEX: '3', SIM800_SHARDS: '4' });
    expect(cli.fields.shard).toBe('3/4');
    const c = await DteClient.connectTcp(cli.port);
    clients.push(c);
    expect((await c.ok('AT+GSN'))[0]).toBe(identityFor(DEFAULT_MODEM_CONFIG, 3).imei);
  });

  it('usage errors, exit 2: --shard without --modems, a Job index without SIM800_SHARDS, a bad value', async () => {
    const alone = await runCli(['--shard', '1/2', ...QUIET]);
    expect(alone).toMatchObject({ code: 2, stderr: 'sim800-emu: --shard needs --modems: a shard is a part of a fleet\n' });
    const job = await runCli(['--modems', '2', '--tcp', '127.0.0.1:0', ...QUIET], undefined, { JOB_COMPLETION_INDEX: '1' });
    expect(job.code).toBe(2);
    expect(job.stderr).toMatch(/^sim800-emu: JOB_COMPLETION_INDEX=1 is set \(a pod of an Indexed Job\) but SIM800_SHARDS is not/);
    const bad = await runCli(['--modems', '2', '--shard', '2/2', ...QUIET]);
    expect(bad).toMatchObject({ code: 2, stderr: 'sim800-emu: --shard: "2/2": the shard index must be a whole number 0..1 (shards count from 0)\n' });
  });

  it('sim800-emu loadtest refuses the same, and more devices than there are identities, before starting any', async () => {
    const job = await runCli(['loadtest', '--modems', '2'], undefined, { JOB_COMPLETION_INDEX: '1' });
    expect(job).toMatchObject({ code: 2, stdout: '' });
    expect(job.stderr).toMatch(/^loadtest: JOB_COMPLETION_INDEX=1 is set \(a pod of an Indexed Job\) but SIM800_SHARDS is not/);
    const many = await runCli(['loadtest', '--modems', '10000', '--shard', '0/101', '--count', '1']);
    expect(many).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'loadtest: 101 shards of 10000 modems are 1010000 devices, but only 1000000 distinct identities follow from IMEI 866782041234564 (its serial number, 6 digits, and IMSI/ICCID digits): fewer devices\n',
    });
  });

  it('the config file\'s "shard", and the flag over the environment', () => {
    const s = parseConfigText('{"modems": 10, "shard": "1/5"}', 'cfg.json');
    expect(toFleetOptions(s, { SIM800_SHARD: '4/5' }).shard).toEqual({ index: 1, count: 5 });
    expect(toFleetOptions({ modems: 10 }, { SIM800_SHARD: '4/5' }).shard).toEqual({ index: 4, count: 5 });
    expect(toFleetOptions({ modems: 10 }, {}).shard).toBeUndefined();
    expect(() => parseConfigText('{"shard": "5/5"}', 'cfg.json')).toThrow('cfg.json: "shard": "5/5": the shard index must be a whole number 0..4');
  });
});
