/**
 * `--map` rules with a scheme on the target (`host[:port]=http://host2[:port2]`): parsed,
 * HTTP-only, and the MQTT meaning of rules without a scheme unchanged.
 */
import { BrokerRouter } from '../../src/net/routing';

describe('map rules with a scheme', () => {
  it('parse: the scheme is kept on the target; a rule without one has none', () => {
    expect(BrokerRouter.parseRule('api.example.com:443=http://127.0.0.1:8080')).toEqual({
      host: 'api.example.com',
      port: 443,
      to: { host: '127.0.0.1', port: 8080, scheme: 'http' },
    });
    expect(BrokerRouter.parseRule('API.example.com=HTTPS://backend.test')).toEqual({
      host: 'api.example.com',
      to: { host: 'backend.test', scheme: 'https' },
    });
    expect(BrokerRouter.parseRule('broker.example.com:8883=127.0.0.1:1883').to).toEqual({ host: '127.0.0.1', port: 1883 });
    expect(BrokerRouter.parseRule('a.example=http://[::1]:81').to).toEqual({ host: '::1', port: 81, scheme: 'http' });
  });

  it('rejects other schemes and a scheme on the source, naming the rule', () => {
    expect(() => BrokerRouter.parseRule('a.example=ftp://b:21')).toThrow('invalid map rule "a.example=ftp://b:21": unknown scheme "ftp" (http:// or https://, for HTTP only)');
    expect(() => BrokerRouter.parseRule('http://a.example=b:1')).toThrow(/^invalid map rule "http:\/\/a\.example=b:1": /);
    expect(() => BrokerRouter.parseRule('a.example=http://')).toThrow(/^invalid map rule "a\.example=http:\/\/": bad target/);
  });

  it('MQTT routing skips rules with a scheme; rules without one still route MQTT', () => {
    const rules = ['broker.example.com=http://127.0.0.1:8080', 'broker.example.com=2.2.2.2:2'].map((r) => BrokerRouter.parseRule(r));
    const router = new BrokerRouter('direct', rules);
    expect(router.route({ host: 'broker.example.com', port: 1883 })).toEqual({ host: '2.2.2.2', port: 2 });
    expect(new BrokerRouter('direct', [rules[0]]).route({ host: 'broker.example.com', port: 1883 })).toEqual({ host: 'broker.example.com', port: 1883 });
  });
});
