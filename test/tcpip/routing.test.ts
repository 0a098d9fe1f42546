/**
 * Where a TCP/IP socket goes (docs/tcpip.md §5): --map first; with a broker, TCP to an MQTT
 * port goes to it (TLS listener with CIPSSL); everything else, and all UDP, as given. The
 * ports are configurable (library option, --cip-mqtt-ports, config file).
 */
import { planBroker } from '../../src/brokerPlan';
import { parseConfigText, settingsFromFlags, toEmulatorOptions } from '../../src/cli/config';
import { BrokerRouter } from '../../src/net/routing';

const broker = { host: '127.0.0.1', port: 41883 };
const brokerTls = { host: '127.0.0.1', port: 48883 };

function router(mode: 'embedded' | 'direct' | 'override', rules: string[] = [], ports?: number[]) {
  const r = new BrokerRouter(mode, rules.map((x) => BrokerRouter.parseRule(x)), broker, brokerTls, ports);
  return r;
}

describe('BrokerRouter.routeSocket', () => {
  it('embedded: 1883 to the plain listener, 8883 with TLS to the TLS listener, other ports as given', () => {
    const r = router('embedded');
    expect(r.routeSocket({ host: 'mqtt.example.com', port: 1883 }, { tls: false, udp: false })).toEqual({ ...broker, broker: true });
    expect(r.routeSocket({ host: 'mqtt.example.com', port: 8883 }, { tls: true, udp: false })).toEqual({ ...brokerTls, broker: true });
    expect(r.routeSocket({ host: 'web.example.com', port: 80 }, { tls: false, udp: false })).toEqual({ host: 'web.example.com', port: 80, broker: false });
    expect(r.routeSocket({ host: 'mqtt.example.com', port: 1883 }, { tls: false, udp: true })).toEqual({ host: 'mqtt.example.com', port: 1883, broker: false });
  });

  it('--map wins, for any port or the one it names; direct mode sends everything as given', () => {
    const r = router('embedded', ['mqtt.example.com:1883=10.0.0.5:1999', 'any.example.com=10.0.0.6:7']);
    expect(r.routeSocket({ host: 'MQTT.example.com', port: 1883 }, { tls: false, udp: false })).toEqual({ host: '10.0.0.5', port: 1999, broker: false });
    expect(r.routeSocket({ host: 'any.example.com', port: 1883 }, { tls: false, udp: true })).toEqual({ host: '10.0.0.6', port: 7, broker: false });
    expect(router('direct').routeSocket({ host: 'mqtt.example.com', port: 1883 }, { tls: false, udp: false })).toEqual({ host: 'mqtt.example.com', port: 1883, broker: false });
  });

  it('the ports are configurable; an empty list turns the rule off', () => {
    expect(router('embedded', [], [1884]).routeSocket({ host: 'h', port: 1884 }, { tls: false, udp: false }).broker).toBe(true);
    expect(router('embedded', [], [1884]).routeSocket({ host: 'h', port: 1883 }, { tls: false, udp: false }).broker).toBe(false);
    expect(router('embedded', [], []).routeSocket({ host: 'h', port: 1883 }, { tls: false, udp: false }).broker).toBe(false);
    expect(router('override', [], [1883]).routeSocket({ host: 'h', port: 1883 }, { tls: false, udp: false })).toEqual({ ...broker, broker: true });
  });

  it('parsePorts and planBroker reject bad ports with one line', () => {
    expect(BrokerRouter.parsePorts('1883, 8883')).toEqual([1883, 8883]);
    expect(BrokerRouter.parsePorts('')).toEqual([]);
    expect(() => BrokerRouter.parsePorts('1883,x')).toThrow('invalid MQTT port "x" in "1883,x": expected a list of 1..65535');
    expect(() => planBroker({ cipMqttPorts: [0] })).toThrow('invalid MQTT port "0" for TCP/IP sockets: expected 1..65535');
    expect(planBroker({ cipMqttPorts: [1884] }).router.cipMqttPorts).toEqual([1884]);
  });

  it('--cip-mqtt-ports and the config file key reach the library options', () => {
    expect(toEmulatorOptions(settingsFromFlags({ cipMqttPorts: '1883,9001' })).cipMqttPorts).toEqual([1883, 9001]);
    expect(toEmulatorOptions(settingsFromFlags({ cipMqttPorts: '' })).cipMqttPorts).toEqual([]);
    expect(() => settingsFromFlags({ cipMqttPorts: '70000' })).toThrow(/--cip-mqtt-ports/);
    expect(parseConfigText('{ "cipMqttPorts": [1883] }', 'c.json').cipMqttPorts).toEqual([1883]);
    expect(() => parseConfigText('{ "cipMqttPorts": "1883" }', 'c.json')).toThrow(/cipMqttPorts/);
  });
});
