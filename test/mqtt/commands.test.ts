/**
 * The SM* command forms: SMCONF tags, forms real firmware sends, the read layout, range
 * and tag errors (never a silent change), SMSSL, SMSTATE, and the state errors. The
 * embedded broker on a free port answers the connects.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { startDevice, bearerUp, online, sleep, type Device } from '../helpers/mqtt';

const DEFAULT_LISTING = [
  '+SMCONF: ',
  'CID: 1',
  'URL: ""',
  'CLIENTID: ""',
  'KEEPALIVE: 60',
  'CLEANSS: 0',
  'USERNAME: ""',
  'PASSWORD: ""',
  'TIMEOUT: 60',
  'TOPIC: ""',
  'MESSAGE: ""',
  'QOS: 0',
  'RETAIN: 0',
];

let dev: Device;
beforeEach(async () => {
  dev = await startDevice();
  await dev.dte.ok('AT+CMEE=1');
});
afterEach(async () => dev.stop());

/** AT+CFUN=1,1, then the autobaud sync `AT` the restarted module waits for, and CMEE=1 again. */
async function restart(): Promise<void> {
  await dev.dte.ok('AT+CFUN=1,1');
  await sleep(20);
  await dev.dte.ok('AT');
  await dev.dte.ok('AT+CMEE=1');
}

/** Sends `line`, expects `final`, then checks the modem still answers AT. */
async function expectFinal(line: string, final: string): Promise<void> {
  const r = await dev.dte.send(line);
  expect([line, r.final]).toEqual([line, final]);
  expect((await dev.dte.send('AT')).final).toBe('OK');
}

describe('AT+SMCONF', () => {
  it('answers the test form with the note text', async () => {
    const r = await dev.dte.send('AT+SMCONF=?');
    expect(r.raw).toBe('AT+SMCONF=?\r\r\n+SMCONF: "MQTTParamTag","MQTTParamValue"\r\n\r\nOK\r\n');
  });

  it('lists every tag in the note order, in one information block', async () => {
    const r = await dev.dte.send('AT+SMCONF?');
    expect(r.raw).toBe(`AT+SMCONF?\r\r\n${DEFAULT_LISTING.join('\r\n')}\r\n\r\nOK\r\n`);
  });

  it('accepts the forms real firmware sends', async () => {
    for (const line of [
      'AT+SMCONF="URL","broker.example.com",8883', // SIM7000 dialect: port apart
      'AT+SMCONF="CLIENTID","dev-1"',
      'at+smconf="keeptime", 120', // lower case, alias, space after the comma
      'AT+SMCONF="CLEANSS","1"', // a number in quotes
      'AT+SMCONF="TIMEOUT","1000"', // EWF sends 1000
      'AT+SMCONF=USERNAME,"user"',
      'AT+SMCONF="PASSWORD","pa\\"ss"',
      'AT+SMCONF="CID",1',
      'AT+SMCONF="TOPIC","dev/1/status"',
      'AT+SMCONF="MESSAGE","offline"',
      'AT+SMCONF="QOS",2',
      'AT+SMCONF="RETAIN",1',
    ]) {
      expect([line, (await dev.dte.send(line)).final]).toEqual([line, 'OK']);
    }
    expect(await dev.dte.ok('AT+SMCONF?')).toEqual([
      '+SMCONF: ',
      'CID: 1',
      'URL: "broker.example.com:8883"',
      'CLIENTID: "dev-1"',
      'KEEPALIVE: 120',
      'CLEANSS: 1',
      'USERNAME: "user"',
      'PASSWORD: "pa"ss"',
      'TIMEOUT: 1000',
      'TOPIC: "dev/1/status"',
      'MESSAGE: "offline"',
      'QOS: 2',
      'RETAIN: 1',
    ]);
    await dev.dte.ok('AT+SMCONF="URL","10.0.0.7"');
    expect(await dev.dte.ok('AT+SMCONF?')).toContain('URL: "10.0.0.7:1883"');
    await dev.dte.ok('AT+SMCONF="URL","10.0.0.7:6000"');
    expect(await dev.dte.ok('AT+SMCONF?')).toContain('URL: "10.0.0.7:6000"');
  });

  it.each([
    ['AT+SMCONF="KEEPALIVE",59', '+CME ERROR: 765'],
    ['AT+SMCONF="KEEPALIVE",3601', '+CME ERROR: 765'],
    ['AT+SMCONF="CLEANSS",2', '+CME ERROR: 765'],
    ['AT+SMCONF="TIMEOUT",0', '+CME ERROR: 765'],
    ['AT+SMCONF="CID",4', '+CME ERROR: 765'],
    ['AT+SMCONF="QOS",3', '+CME ERROR: 765'],
    ['AT+SMCONF="RETAIN",2', '+CME ERROR: 765'],
    ['AT+SMCONF="KEEPALIVE","abc"', '+CME ERROR: 765'],
    ['AT+SMCONF="NOSUCHTAG",1', '+CME ERROR: 765'],
    ['AT+SMCONF="URL","host:0"', '+CME ERROR: 765'],
    ['AT+SMCONF="URL","host:70000"', '+CME ERROR: 765'],
    ['AT+SMCONF="URL","host:1883",1883', '+CME ERROR: 765'],
    ['AT+SMCONF="URL",""', '+CME ERROR: 765'],
    ['AT+SMCONF="CID"', '+CME ERROR: 791'],
    ['AT+SMCONF=', '+CME ERROR: 791'],
    ['AT+SMCONF="CID",1,2', '+CME ERROR: 792'],
    ['AT+SMCONF="URL","a",1,2', '+CME ERROR: 792'],
    ['AT+SMCONF="URL"x', '+CME ERROR: 795'],
    ['AT+SMCONF', 'ERROR'],
  ])('%s → %s, and nothing changes', async (line, final) => {
    await expectFinal(line, final);
    expect(await dev.dte.ok('AT+SMCONF?')).toEqual(DEFAULT_LISTING);
  });

  it('answers plain ERROR under CMEE=0', async () => {
    await dev.dte.ok('AT+CMEE=0');
    const r = await dev.dte.send('AT+SMCONF="KEEPALIVE",10');
    expect(r.raw).toBe('AT+SMCONF="KEEPALIVE",10\r\r\nERROR\r\n');
  });

  it('goes back to the defaults when the module restarts (RAM settings)', async () => {
    await dev.dte.ok('AT+SMCONF="CLIENTID","dev-1"');
    await restart();
    expect(await dev.dte.ok('AT+SMCONF?')).toContain('CLIENTID: ""');
  });
});

describe('AT+SMSSL', () => {
  it('has read, test and write forms for 0/1 only', async () => {
    expect((await dev.dte.send('AT+SMSSL=?')).raw).toBe('AT+SMSSL=?\r\r\n+SMSSL: (0,1)\r\n\r\nOK\r\n');
    expect(await dev.dte.ok('AT+SMSSL?')).toEqual(['+SMSSL: 0']);
    await dev.dte.ok('AT+SMSSL="1"'); // EWF sends it quoted
    expect(await dev.dte.ok('AT+SMSSL?')).toEqual(['+SMSSL: 1']);
    await expectFinal('AT+SMSSL=2', '+CME ERROR: 765');
    expect(await dev.dte.ok('AT+SMSSL?')).toEqual(['+SMSSL: 1']);
    await dev.dte.ok('AT+SMSSL=0');
    expect(await dev.dte.ok('AT+SMSSL?')).toEqual(['+SMSSL: 0']);
  });

  it('with TLS on, a connect to a plain broker fails for real (767), it is not faked', async () => {
    await bearerUp(dev.dte);
    await dev.dte.ok('AT+SMCONF="URL","117.131.85.139:6000"');
    await dev.dte.ok('AT+SMSSL=1');
    await expectFinal('AT+SMCONN', '+CME ERROR: 767');
    expect(await dev.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 0']);
  });
});

describe('test forms and state', () => {
  it.each([
    ['AT+SMSUB=?', '+SMSUB: "topic",(0,1)'],
    ['AT+SMUNSUB=?', '+SMUNSUB: "topic"'],
    ['AT+SMPUB=?', '+SMPUB: "topic",(0,1),"message"'],
  ])('%s', async (line, info) => {
    expect((await dev.dte.send(line)).raw).toBe(`${line}\r\r\n${info}\r\n\r\nOK\r\n`);
  });

  it.each(['AT+SMCONN=?', 'AT+SMSTATE=?', 'AT+SMDISC=?'])('%s → OK', async (line) => {
    expect((await dev.dte.send(line)).raw).toBe(`${line}\r\r\nOK\r\n`);
  });

  it('AT+SMSTATE? is 0 before and after a session, 1 during it', async () => {
    expect((await dev.dte.send('AT+SMSTATE?')).raw).toBe('AT+SMSTATE?\r\r\n+SMSTATE: 0\r\n\r\nOK\r\n');
    await online(dev.dte);
    // The exact bytes EWF matches.
    expect((await dev.dte.send('AT+SMSTATE?')).raw).toBe('AT+SMSTATE?\r\r\n+SMSTATE: 1\r\n\r\nOK\r\n');
    await dev.dte.ok('AT+SMDISC');
    expect(await dev.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 0']);
  });
});

describe('wrong state and bad parameters', () => {
  it('refuses SM* requests while not connected (767, never 3)', async () => {
    for (const line of ['AT+SMSUB="a",1', 'AT+SMUNSUB="a"', 'AT+SMPUB="a",1,0,"x"', 'AT+SMDISC']) await expectFinal(line, '+CME ERROR: 767');
  });

  it('needs the bearer of the configured CID (148), then a URL (767)', async () => {
    await dev.dte.ok('AT+SMCONF="URL","117.131.85.139:6000"');
    await expectFinal('AT+SMCONN', '+CME ERROR: 148');
    await bearerUp(dev.dte);
    await dev.dte.ok('AT+SMCONF="CID",2'); // bearer 2 is closed
    await expectFinal('AT+SMCONN', '+CME ERROR: 148');
    await dev.dte.ok('AT+SMCONF="CID",1');
    await restart(); // back to defaults: no URL, no bearer
    await bearerUp(dev.dte);
    await expectFinal('AT+SMCONN', '+CME ERROR: 767');
  });

  it('refuses a second SMCONN while connected (767) and keeps the session', async () => {
    await online(dev.dte);
    await expectFinal('AT+SMCONN', '+CME ERROR: 767');
    expect(await dev.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 1']);
  });

  it.each([
    ['AT+SMSUB="a",2', '+CME ERROR: 765'], // QoS 2 is not SIM800's
    ['AT+SMSUB="a"', '+CME ERROR: 791'],
    ['AT+SMSUB="a/#/b",1', '+CME ERROR: 765'],
    ['AT+SMSUB="",1', '+CME ERROR: 765'],
    ['AT+SMSUB="a",1,1', '+CME ERROR: 792'],
    [`AT+SMSUB="${'t'.repeat(129)}",1`, '+CME ERROR: 24'],
    ['AT+SMPUB="a",2,0,"x"', '+CME ERROR: 765'],
    ['AT+SMPUB="a",1,2,"x"', '+CME ERROR: 765'],
    ['AT+SMPUB="a/+",1,0,"x"', '+CME ERROR: 765'],
    ['AT+SMPUB="a",1,0', '+CME ERROR: 791'],
    ['AT+SMPUB="a",1,0,"x",1', '+CME ERROR: 792'],
    ['AT+SMUNSUB=', '+CME ERROR: 791'],
  ])('%s → %s while connected, and the session goes on', async (line, final) => {
    await online(dev.dte);
    await expectFinal(line, final);
    expect(await dev.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 1']);
    // The packet-id sequence did not move: the next request is still number 1.
    await dev.dte.ok('AT+SMSUB="ok",1');
    expect(await dev.dte.waitFor('+SMSUB:')).toBe('+SMSUB: 1,0');
  });
});

describe('secrets', () => {
  it('never logs the SMCONF password, even at trace level', async () => {
    await dev.stop();
    let logText = '';
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logText += chunk.toString();
        cb();
      },
    });
    dev = await startDevice({ logger: pino({ level: 'trace' }, sink) });
    await bearerUp(dev.dte);
    await dev.dte.ok('AT+SMCONF="URL","117.131.85.139:6000"');
    await dev.dte.ok('AT+SMCONF="CLEANSS",1');
    await dev.dte.ok('AT+SMCONF="USERNAME","user"');
    await dev.dte.ok('AT+SMCONF="PASSWORD","s3cr3t-pw"');
    await dev.dte.ok('AT+SMCONN');
    expect(await dev.dte.ok('AT+SMCONF?')).toContain('PASSWORD: "s3cr3t-pw"');
    await dev.dte.ok('AT+SMDISC');
    expect(logText).toContain('SMCONN'); // the log did record the session
    expect(logText).not.toContain('s3cr3t-pw');
  });
});
