/**
 * Where an incoming message goes (docs/sms.md, "Receiving a message"): AT+CNMI mode 0
 * buffering and its flush or clear, class 0 and class 3 routing, SM_P overflowing into ME,
 * ME on its own, MT as SM followed by ME.
 */
import { FROM, SCTS, deliver, smsDte, type SmsDte } from './helpers';

let dte: SmsDte;
afterEach(async () => {
  await dte?.close();
});

const ok = '\r\nOK\r\n';

describe('AT+CNMI', () => {
  beforeEach(async () => {
    dte = await smsDte();
  });

  it('mode 0 keeps indications; leaving it with bfr 0 flushes them after the OK', async () => {
    await dte.exchange('AT+CNMI=0,1,0,0,0');
    await deliver(dte, { text: 'a' });
    await deliver(dte, { text: 'b' });
    expect(await dte.urcs()).toBe('');
    expect(await dte.exchange('AT+CNMI=2,1,0,0,0')).toBe(ok + '\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",2\r\n');
  });

  it('leaving mode 0 with bfr 1 clears them', async () => {
    await dte.exchange('AT+CNMI=0,1,0,0,0');
    await deliver(dte, { text: 'a' });
    expect(await dte.exchange('AT+CNMI=2,1,0,0,1')).toBe(ok);
    expect(await dte.exchange('AT+CPMS?')).toBe('\r\n+CPMS: "SM",1,50,"SM",1,50,"SM",1,50\r\n' + ok);
  });

  it('class 0 (flash) is shown as +CMT even with mt 1; class 3 with mt 3', async () => {
    await dte.exchange('AT+CMGF=1');
    await deliver(dte, { text: 'flash', class: 0 });
    expect(await dte.urcs()).toBe(`\r\n+CMT: "${FROM}","","${SCTS}"\r\nflash\r\n`);
    await dte.exchange('AT+CNMI=2,3,0,0,0');
    await deliver(dte, { text: 'to the TE', class: 3 });
    expect(await dte.urcs()).toBe(`\r\n+CMT: "${FROM}","","${SCTS}"\r\nto the TE\r\n`);
    await deliver(dte, { text: 'stored' });
    expect(await dte.urcs()).toBe('\r\n+CMTI: "SM",1\r\n');
  });
});

describe('memories', () => {
  it('SM_P: the SIM first, then ME', async () => {
    dte = await smsDte({ modem: { smsCapacity: 1 } });
    expect(await dte.exchange('AT+CPMS="SM_P","SM_P","SM_P"')).toBe('\r\n+CPMS: 0,1,0,1,0,1\r\n' + ok);
    await deliver(dte, { text: 'one' });
    await deliver(dte, { text: 'two' });
    expect(await dte.urcs()).toBe('\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "ME",1\r\n');
  });

  it('ME alone, and MT reading SM then ME (ME indices after SM\'s)', async () => {
    dte = await smsDte({ modem: { smsCapacity: 2 } });
    await deliver(dte, { text: 'sim' });
    expect(await dte.urcs()).toBe('\r\n+CMTI: "SM",1\r\n');
    await dte.exchange('AT+CPMS="ME","ME","ME"');
    await deliver(dte, { text: 'flash' });
    expect(await dte.urcs()).toBe('\r\n+CMTI: "ME",1\r\n');
    await dte.exchange('AT+CMGF=1;+CPMS="MT"');
    expect(await dte.exchange('AT+CMGL="ALL",1')).toBe(
      `\r\n+CMGL: 1,"REC UNREAD","${FROM}","","${SCTS}"\r\nsim\r\n+CMGL: 3,"REC UNREAD","${FROM}","","${SCTS}"\r\nflash\r\n` + ok,
    );
    expect(await dte.exchange('AT+CPMS?')).toBe('\r\n+CPMS: "MT",2,52,"ME",1,50,"ME",1,50\r\n' + ok);
  });
});
