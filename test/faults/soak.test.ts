/**
 * Soak: a scripted firmware keeps an MQTT session up and publishes at QoS 1 while the
 * cloud sends it numbered messages and seeded random faults of the network path fire
 * (registration, bearer, broker down/refusing/slow, packet loss, signal, freeze).
 * Bounded (a few seconds), loopback only. Checked at the end:
 * - the emulator never crashed and still answers;
 * - every command the firmware sent got a final result code;
 * - every QoS 1 AT+SMPUB that answered OK ended in exactly one +SMPUB URC, in order, and
 *   status 0 only for messages the broker-side subscriber really received;
 * - deliveries that reached the module came out as +SMPUBLISH in order, none twice, and
 *   none lost except a packet in transit on the very link that was being cut.
 * Power faults, reboots and garbling are left out on purpose: a module that loses power
 * never answers the command it was running (docs/decisions.md), and garbled bytes are
 * what the firmware's own parser must survive, not the emulator's invariants.
 */
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { DteClient } from '../../src/client/dteClient';
import type { FaultName } from '../../src/faults';
import { seededRandom } from '../../src/random';
import { Observer } from '../helpers/mqtt';
import { sleep, until } from '../helpers/wait';

const SEED = Number(process.env.SOAK_SEED ?? 20_240_601);
const RUN_MS = Number(process.env.SOAK_MS ?? 6000);

type Pick = { name: FaultName; params?: Record<string, unknown> };
const FAULT_MENU: ((r: ReturnType<typeof seededRandom>) => Pick)[] = [
  () => ({ name: 'registrationLost' }),
  () => ({ name: 'bearerDrop' }),
  () => ({ name: 'brokerDown' }),
  (r) => ({ name: 'brokerRefuse', params: { code: r.int(1, 5) } }),
  (r) => ({ name: 'brokerSlow', params: { ms: r.int(200, 1500), direction: ['up', 'down', 'both'][r.int(0, 2)] } }),
  (r) => ({ name: 'packetLoss', params: { rate: r.int(1, 5) / 10 } }),
  (r) => ({ name: 'signal', params: { rssi: [99, 3, 20][r.int(0, 2)] } }),
  () => ({ name: 'freeze', params: { input: 'hold' } }),
];

let emu: EmulatorHandle;
let cloud: Observer;
afterAll(async () => {
  await cloud?.close();
  await emu?.stop();
});

it(`keeps its invariants through random faults (seed ${SEED}, ${RUN_MS} ms)`, async () => {
  const crashes: unknown[] = [];
  const onCrash = (e: unknown) => crashes.push(e);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  // Over TCP on loopback, like firmware on its UART: the wire has latency, so the
  // firmware's loop yields to everything else (an in-process wire never would).
  emu = await startEmulator({ tcp: { host: '127.0.0.1', port: 0 }, brokerPort: 0, seed: SEED });
  const broker = emu.endpoints.broker!;
  cloud = await Observer.connect(broker);
  await cloud.subscribe('soak/up', 1);
  const dte = await DteClient.connectTcp(emu.endpoints.tcp!.port);
  const random = seededRandom(SEED, 'soak');

  // What passed the fault link towards the module (deliveries on soak/down), and when.
  const passedDown: { payload: string; t: number }[] = [];
  emu.faults.link.on('packet', (p) => {
    if (p.dir === 'down' && !p.dropped && p.info.topic === 'soak/down') passedDown.push({ payload: p.info.payload!.toString(), t: emu.modem.clock.now() });
  });

  // ---- the firmware -------------------------------------------------------------------
  let commands = 0;
  const okPublishes: string[] = [];
  const send = async (line: string) => {
    commands++;
    return dte.send(line, 15_000); // throws if no final result code comes
  };
  await send('AT');
  await send('ATE0');
  await send('AT+SAPBR=3,1,"APN","CMNET"');
  await send('AT+SMCONF="URL","iot.example.com:1883"');
  await send('AT+SMCONF="CLEANSS",1');
  await send('AT+SMCONF="TIMEOUT",1');
  let n = 0;
  let running = true;
  const firmware = (async () => {
    while (running) {
      const online = (await send('AT+SMSTATE?')).lines.includes('+SMSTATE: 1');
      if (!online) {
        if (!(await send('AT+SAPBR=2,1')).lines.some((l) => l.startsWith('+SAPBR: 1,1'))) await send('AT+SAPBR=1,1');
        if ((await send('AT+SMCONN')).ok) await send('AT+SMSUB="soak/down",1');
        else await sleep(20); // a firmware backs off a little
        continue;
      }
      const msg = `u${++n}`;
      if ((await send(`AT+SMPUB="soak/up",1,0,"${msg}"`)).ok) okPublishes.push(msg);
      if (n % 5 === 0) await send('AT+CSQ');
    }
  })();

  // ---- the cloud and the faults ---------------------------------------------------------
  let down = 0;
  const cloudTimer = setInterval(() => void cloud.client.publishAsync('soak/down', `d${++down}`, { qos: 1 }).catch(() => undefined), 40);
  const injected: string[] = [];
  const faultLog: { t: number; action: string; name: string; params: unknown }[] = [];
  // Link losses as the module reported them (not from the AT log's ring: a long run outgrows it).
  const cuts: number[] = [];
  emu.modem.on('at', (r) => {
    if (r.dir === 'urc' && r.line === '+SMSTATE: 0') cuts.push(emu.modem.clock.now());
  });
  emu.faults.on('change', (e) => faultLog.push(e));
  const t0 = Date.now();
  while (Date.now() - t0 < RUN_MS) {
    await sleep(random.int(150, 450));
    const f = FAULT_MENU[random.int(0, FAULT_MENU.length - 1)](random);
    emu.faults.inject(f.name, f.params, { duration: random.int(100, 900) });
    injected.push(f.name);
  }
  clearInterval(cloudTimer);
  emu.faults.clearAll();

  // ---- recovery: back online, a few more publishes, every ack settled --------------------
  const okAtClear = okPublishes.length;
  await until(() => okPublishes.length >= okAtClear + 3, 15_000, 'three publishes answered OK after the faults cleared', 50); // it recovered
  running = false;
  await firmware;
  const acks = () => dte.lines.filter((l) => l.startsWith('+SMPUB: '));
  await until(() => acks().length >= okPublishes.length, 15_000, 'an ack URC for every publish answered OK', 50);

  // ---- the invariants ----------------------------------------------------------------
  expect(crashes).toEqual([]);
  expect((await dte.send('AT')).final).toBe('OK'); // still alive and answering

  // Exactly one ack URC per publish that answered OK; the i-th ack is the i-th publish's.
  const ackLines = acks();
  expect(ackLines).toHaveLength(okPublishes.length);
  await cloud.waitFor((m) => m.topic === 'soak/up' && m.payload.toString() === okPublishes[okPublishes.length - 1], 5000).catch(() => undefined);
  const received = new Set(cloud.messages.filter((m) => m.topic === 'soak/up').map((m) => m.payload.toString()));
  const statuses = [0, 0, 0];
  ackLines.forEach((line, i) => {
    const status = Number(line.split(',')[1]);
    statuses[status]++;
    if (status === 0 && !received.has(okPublishes[i])) throw new Error(`${okPublishes[i]} acked with status 0 (${line}) but the broker-side subscriber never got it`);
  });
  expect(statuses[0]).toBeGreaterThan(0);

  // Deliveries: in order, none twice, a subsequence of what passed the link.
  const delivered = dte.lines.filter((l) => l.startsWith('+SMPUBLISH: ')).map((l) => /,"(d\d+)"$/.exec(l)![1]);
  const seq = delivered.map((d) => Number(d.slice(1)));
  for (let i = 1; i < seq.length; i++) {
    if (seq[i] > seq[i - 1]) continue;
    const lines = dte.lines.filter((l) => /SMPUBLISH|SMSTATE: 0|SMCONN|DEACT/.test(l) || l.startsWith('+SMSUB')).join('\n');
    throw new Error(`delivery out of order or twice: d${seq[i - 1]} then d${seq[i]}\n${faultLog.map((f) => `${f.t.toFixed(0)} ${f.action} ${f.name} ${JSON.stringify(f.params)}`).join('\n')}\n${lines}\npassed: ${passedDown.map((p) => `${p.payload}@${p.t.toFixed(0)}`).join(' ')}`);
  }
  const passed = passedDown.map((p) => p.payload);
  let j = 0;
  for (const d of delivered) {
    while (j < passed.length && passed[j] !== d) j++;
    if (j === passed.length) throw new Error(`${d} came out as +SMPUBLISH but never passed the link`);
  }
  // What passed the link but never came out was in transit on a link being cut (the
  // module may have let go of the socket a moment before the proxy wrote to it).
  const lost = passedDown.filter((p) => !delivered.includes(p.payload));
  for (const l of lost) {
    if (cuts.some((t) => Math.abs(t - l.t) < 250)) continue;
    const around = emu.control.log().filter((e) => Math.abs(e.t - l.t) < 1500 && !/SMSTATE\?|SMPUB=|CSQ/.test(e.line)).map((e) => `${e.t.toFixed(0)} ${e.dir} ${e.line} ${e.final ?? ''}`);
    const faultsAround = faultLog.filter((f) => Math.abs(f.t - l.t) < 3000).map((f) => `${f.t.toFixed(0)} ${f.action} ${f.name} ${JSON.stringify(f.params)}`);
    throw new Error(`${l.payload} passed the link at ${l.t} ms and was dropped while the link stayed up\n${faultsAround.join('\n')}\n${around.join('\n')}`);
  }

  const figures = {
    seed: SEED,
    ms: RUN_MS,
    commands,
    faults: injected.length,
    byFault: Object.fromEntries([...new Set(injected)].map((f) => [f, injected.filter((x) => x === f).length])),
    publishesOk: okPublishes.length,
    acks: { ok: statuses[0], timeout: statuses[1], error: statuses[2] },
    cloudSent: down,
    passedLink: passedDown.length,
    delivered: delivered.length,
    lostInCut: lost.length,
    linkCuts: cuts.length,
    linkCounters: emu.faults.link.counters,
  };
  console.log(`soak figures: ${JSON.stringify(figures)}`);
  expect(injected.length).toBeGreaterThan(10);
  expect(delivered.length).toBeGreaterThan(0);
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
}, 60_000);
