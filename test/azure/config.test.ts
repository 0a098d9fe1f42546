/**
 * The hub's settings from the command line and the config file (src/cli/config.ts):
 * `--azure-hub id:key[,id:key…]` (repeatable), `--azure-hub-host`, and the file's
 * `"azureHub": {"devices": [...], "hostName": ...}`; every bad value is one UsageError line.
 */
import { parseConfigText, settingsFromFlags, toEmulatorOptions, UsageError } from '../../src/cli/config';
import { KEY, OTHER_KEY } from './helpers';

it('flags: repeatable lists, the host name, into EmulatorOptions', () => {
  const s = settingsFromFlags({ azureHub: [`a:${KEY},b:c:${OTHER_KEY}`, `d:${KEY}`], azureHubHost: 'h.azure-devices.net' });
  expect(toEmulatorOptions(s).azureHub).toEqual({
    devices: [{ id: 'a', key: KEY }, { id: 'b:c', key: OTHER_KEY }, { id: 'd', key: KEY }],
    hostName: 'h.azure-devices.net',
  });
});

it('config file: id:key strings and {id, key} objects', () => {
  const s = parseConfigText(JSON.stringify({ azureHub: { devices: [`a:${KEY}`, { id: 'b', key: OTHER_KEY }] } }), 'c.json');
  expect(s.azureHub).toEqual({ devices: [{ id: 'a', key: KEY }, { id: 'b', key: OTHER_KEY }], hostName: undefined });
});

it.each([
  ['{"azureHub": ["a:b"]}', 'c.json: "azureHub" must be an object with a "devices" array'],
  ['{"azureHub": {"devices": []}}', 'c.json: "azureHub": azure hub: no devices (expected id:key pairs)'],
  ['{"azureHub": {"devices": ["nokey"]}}', 'c.json: "azureHub": azure hub: "nokey" is not id:key'],
  ['{"azureHub": {"devices": [{"id": "a", "key": "short"}]}}', 'c.json: "azureHub": azure hub: the key of device "a" is not base64'],
  [`{"azureHub": {"devices": ["a:${KEY}"], "hostName": 5}}`, 'c.json: "azureHub": "hostName" must be a string'],
  [`{"azureHub": {"devices": ["a:${KEY}"], "hostName": "10.0.0.1"}}`, 'c.json: "azureHub": azure hub: host name "10.0.0.1" is not a domain name'],
])('config file %s → %s', (text, message) => {
  expect(() => parseConfigText(text, 'c.json')).toThrow(new UsageError(message));
});

it('the api-version is a modem setting', () => {
  expect(parseConfigText('{"modem": {"azureApiVersion": "2021-04-12"}}', 'c.json').modem).toEqual({ azureApiVersion: '2021-04-12' });
  expect(() => parseConfigText('{"modem": {"azureApiVersion": "2021 04"}}', 'c.json')).toThrow(
    new UsageError('c.json: "modem": modem setting "azureApiVersion" must be a version like 2018-06-30'),
  );
});
