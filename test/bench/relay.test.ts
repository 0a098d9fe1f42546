/**
 * The relay floor of benchmarks 2 and 3 (peerChild.ts `mqtt-relay`) must do what the
 * emulator's modem does on those paths, or the ratio to it means nothing: the same lines
 * get the same bytes back (ids aside), through the same broker.
 */
import * as path from 'node:path';

const DIST = path.resolve(__dirname, '..', '..', 'dist', 'bench');
const mqttBench = require(path.join(DIST, 'mqtt.js')) as typeof import('../../src/bench/mqtt');
const procs = require(path.join(DIST, 'procs.js')) as typeof import('../../src/bench/procs');
const common = require(path.join(DIST, 'common.js')) as typeof import('../../src/bench/common');

/** The lines, for a DTE whose modem (or relay) subscribed to `own`. */
const lines = (own: string) => [`AT+SMPUB="${own}",0,0,"ping"\r`, 'AT+SMPUB="bench/other",1,0,"0123456789abcdef"\r', `AT+SMPUB="${own}",1,0,"qos1"\r`];

/**
 * The answers to the lines, sent one at a time, each once the one before is acknowledged,
 * until the last delivery is in; ids replaced by N and the own topic by TOPIC.
 */
async function answers(dte: import('../../src/bench/common').RoundTripper, own: string): Promise<string> {
  const LINES = lines(own);
  const END = `"${own}",4,"qos1"\r\n`;
  let got = '';
  dte.socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
  for (const line of LINES) {
    const acks = (got.match(/\+SMPUB: /g) ?? []).length;
    dte.socket.write(line, 'latin1');
    const deadline = Date.now() + 10_000;
    while ((got.match(/\+SMPUB: /g) ?? []).length === acks) {
      if (Date.now() > deadline) throw new Error(`no +SMPUB ack for ${JSON.stringify(line)}; got ${JSON.stringify(got)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const deadline = Date.now() + 10_000;
  while (!got.endsWith(END)) {
    if (Date.now() > deadline) throw new Error(`no last delivery; got ${JSON.stringify(got)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return got.replace(/\+SMPUB(LISH)?: \d+/g, '+SMPUB$1: N').split(`"${own}"`).join('"TOPIC"');
}

describe('the relay floor of the MQTT benchmarks', () => {
  it('answers the benchmark lines with the bytes the emulator sends, through the same broker', async () => {
    // Each on a topic of its own, so neither hears the other's publishes.
    const rig = await mqttBench.modemRig('bench/loop/modem');
    const relay = await procs.startPeer<{ port: number }>('mqtt-relay', { url: rig.brokerUrl, id: 'test-relay', subscribe: 'bench/loop/relay' });
    const relayDte = await common.RoundTripper.connect(relay.ready.port);
    try {
      const ours = await answers(rig.dte, 'bench/loop/modem');
      const theirs = await answers(relayDte, 'bench/loop/relay');
      // The QoS 0 publish's answers come first and in one piece on both.
      expect(ours.startsWith('\r\nOK\r\n\r\n+SMPUB: N,0\r\n')).toBe(true);
      expect(theirs.startsWith('\r\nOK\r\n\r\n+SMPUB: N,0\r\n')).toBe(true);
      // The same lines in all (a QoS 1 PUBACK and the broker's delivery may come in either order).
      const sortedLines = (text: string) => text.split('\r\n').filter((l) => l !== '').sort();
      expect(sortedLines(theirs)).toEqual(sortedLines(ours));
      expect(sortedLines(ours)).toEqual(['+SMPUB: N,0', '+SMPUB: N,0', '+SMPUB: N,0', '+SMPUBLISH: N,"TOPIC",4,"ping"', '+SMPUBLISH: N,"TOPIC",4,"qos1"', 'OK', 'OK', 'OK']);
    } finally {
      relayDte.close();
      await relay.rpc.stop();
      await rig.close();
    }
  }, 60_000);

  it('answers ERROR to a line it does not relay', async () => {
    const rig = await mqttBench.modemRig('bench/none');
    const relay = await procs.startPeer<{ port: number }>('mqtt-relay', { url: rig.brokerUrl, id: 'test-relay-2', subscribe: 'bench/none' });
    const dte = await common.RoundTripper.connect(relay.ready.port);
    try {
      await dte.trip('AT+CSQ\r', '\r\nERROR\r\n');
    } finally {
      dte.close();
      await relay.rpc.stop();
      await rig.close();
    }
  }, 60_000);
});
