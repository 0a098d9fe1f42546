/**
 * Every option of the emulator, declared once: its flag, its config-file key, its kind
 * of value (how it reads from text and from JSON), its default, its --help line and its
 * row in docs/cli.md. Commander's options, the config-file check, the merge of file and
 * flags and the docs table all come from here (src/options/index.ts), and a test holds
 * docs/cli.md to it. A new option is one entry here plus its use (toEmulatorOptions in
 * src/cli/config.ts, and the library option it feeds).
 *
 * The order is --help's, the docs table's and the order the config file's keys are
 * listed in an unknown-key message.
 */
import { checkAzureHubOptions, parseDeviceList, type AzureHubOptions } from '../broker/azureHub';
import { LOG_LEVELS, type LogLevel } from '../log';
import { mergeModemConfig, type ModemConfig } from '../modem/config';
import { PROFILES } from '../profile';
import { parseShard, type Shard } from '../fleet/shard';
import { BrokerRouter } from '../net/routing';
import { PARITIES } from '../uart/uart';
import { via, zod } from '../schema';
import { credentials, kinds, ValueProblem, type HostPort, type Kind } from './values';

export interface OptionDecl<K extends string = string, V = unknown> {
  /** The settings field and the config file's key. */
  readonly key: K;
  /** The command-line flag (`--tcp`); absent: the config file (and the library) only. */
  readonly flag?: string;
  readonly kind: Kind<V>;
  /** In the config file: as is, or a file name taken relative to the config file's directory. */
  readonly file?: 'value' | 'path';
  /** What the library takes it as (an EmulatorOptions field), for the docs. */
  readonly library?: string;
  /** The default when not given, as the docs say it. */
  readonly default?: string;
  /** --help's line. */
  readonly help: string;
  /** The docs table's text (markdown, one line); the help line when absent. */
  readonly doc?: string;
  /** An example use for the docs. */
  readonly example?: string;
  /** On the command line it needs these flags too: [key, why]. */
  readonly needs?: readonly (readonly [string, string?])[];
  /** On the command line it cannot go with these: [key, why]. */
  readonly conflicts?: readonly (readonly [string, string])[];
}

const option = <K extends string, V>(d: OptionDecl<K, V>): OptionDecl<K, V> => d;

/** The DTE's TCP listener when no wire is named, and what `--tcp` alone means. */
export const DEFAULT_TCP: HostPort = { host: '127.0.0.1', port: 2323 };

/** The wires: a modem has one, so at most one of these may be named (this order in the message). */
export const WIRES = ['stdio', 'tcp', 'pty', 'serial'] as const;

/** `id:key[,id:key…]` lists, every use of the flag adding devices; checked as the hub will. */
const azureHubKind = kinds.custom<AzureHubOptions>({
  arg: '<id:key,...>',
  repeatable: true,
  fromFlag(raw) {
    const lists = Array.isArray(raw) ? raw : [String(raw)];
    return checkAzureHubOptions({ devices: lists.flatMap((list) => parseDeviceList(list)) });
  },
  // { "devices": ["id:key", {"id": ..., "key": ...}], "hostName": "..." }
  get file() {
    const z = zod();
    return via(
      z.object(
        {
          devices: z.array(z.unknown(), { error: 'must be an array' }),
          hostName: z.string({ error: 'must be a string' }).optional(),
        },
        { error: 'must be an object with a "devices" array' },
      ),
      (o) => checkAzureHubOptions({ devices: o.devices.flatMap((d) => (typeof d === 'string' ? parseDeviceList(d) : [d as AzureHubOptions['devices'][number]])), hostName: o.hostName }),
    );
  },
  fileType: '`{"devices": ["id:key", …], "hostName": …}`',
});

/** The modem's identity and figures: checked as the library checks them (src/modem/config.ts). */
const modemKind = kinds.fileOnly<Partial<ModemConfig>>(
  () =>
    via(zod().unknown(), (v) => {
    mergeModemConfig(v);
    return v as Partial<ModemConfig>;
  }),
  'object, below',
);

/** `1883,8883` on the command line (empty: none), an array of ports in the file. */
const cipPortsKind = kinds.custom<number[]>({
  arg: '<list>',
  fromFlag(raw) {
    try {
      return BrokerRouter.parsePorts(String(raw));
    } catch (err) {
      throw new ValueProblem((err as Error).message);
    }
  },
  get file() {
    const z = zod();
    return z.array(z.number({ error: 'must be an array of ports' }).int({ error: 'must be an array of ports' }).min(1, { error: 'must be an array of ports 1..65535' }).max(65535, { error: 'must be an array of ports 1..65535' }), { error: 'must be an array of ports' });
  },
  fileType: 'array of numbers',
});

/** `I/N`: shard I (from 0) of N, the same text in the file. */
const shardKind = kinds.custom<Shard>({
  arg: '<I/N>',
  fromFlag(raw) {
    try {
      return parseShard(String(Array.isArray(raw) ? raw[raw.length - 1] : raw));
    } catch (err) {
      throw new ValueProblem((err as Error).message);
    }
  },
  get file() {
    return via(zod().string({ error: 'must be a string "I/N"' }), parseShard);
  },
  fileType: '`"I/N"` string',
});

const brokerAuthKind = kinds.custom<{ username: string; password: string }>({
  arg: '<user:password>',
  fromFlag: (raw) => credentials(String(raw)),
  get file() {
    return via(zod().string({ error: 'must be a string' }), credentials);
  },
  fileType: '`"user:password"` string',
});

export const OPTIONS = [
  option({
    key: 'tcp',
    flag: '--tcp',
    kind: kinds.listen('[host:port]', DEFAULT_TCP),
    file: 'value',
    library: 'tcp',
    default: '127.0.0.1:2323 when no wire is named',
    help: 'listen for the DTE on TCP; a bare port means 127.0.0.1 (default 127.0.0.1:2323 when no transport is named; port 0 = any free port)',
    doc: 'Listen for the DTE on TCP. A bare port means `127.0.0.1`; port `0` picks a free port (read it from the ready line). `--tcp` alone means the default. IPv6: `[::1]:2323`.',
    example: '`--tcp 0.0.0.0:2323`, `--tcp 127.0.0.1:0`',
  }),
  option({
    key: 'stateDir',
    flag: '--state-dir',
    kind: kinds.text('<dir>'),
    file: 'path',
    library: 'stateDir',
    default: 'none: NV memory lives in memory',
    help: 'keep non-volatile state (AT&W profile, files) in this directory',
    doc: 'Keep the modem\'s non-volatile memory in DIR (created if missing; one emulator per directory; checked at start, exit 2 if unusable: [State directory](#state-directory)); in the config file relative to the file\'s directory. Without it, NV lives in memory and is gone when the process ends.',
    example: '`--state-dir ./.sim800`',
  }),
  option({
    key: 'config',
    flag: '--config',
    kind: kinds.text('<file>'),
    help: 'JSON config file; flags override it',
    doc: 'Read settings from a JSON file (format below). Flags override it.',
    example: '`--config sim800.json`',
  }),
  option({
    key: 'stdio',
    flag: '--stdio',
    kind: kinds.switch(),
    library: 'stdio',
    help: 'the modem\'s bytes on stdin/stdout (for socat EXEC:); the ready line then goes to stderr',
    doc: 'The modem\'s bytes on stdin/stdout, for `socat … EXEC:` (below). No TCP listener; the ready line goes to **stderr**. Cannot be combined with another wire (one modem, one wire): exit 2.',
    example: '`--stdio`',
  }),
  option({
    key: 'pty',
    flag: '--pty',
    kind: kinds.text('<path>'),
    file: 'value',
    library: 'pty',
    help: 'be a serial device: create a raw pty and point this symlink at it (e.g. /tmp/ttySIM800)',
    doc: 'Be a serial device: create a raw pty and point the symlink PATH at it (`/tmp/ttySIM800 -> /dev/pts/N`). Firmware may close and reopen it any number of times; the link is removed at exit. No TCP listener. Where ptys do not exist: one line, exit 2. See [serial.md](serial.md).',
    example: '`--pty /tmp/ttySIM800`',
  }),
  option({
    key: 'serial',
    flag: '--serial',
    kind: kinds.text('<device>'),
    file: 'value',
    library: 'serial.path',
    help: 'drive a real serial port (e.g. /dev/ttyUSB0: a board on a USB-UART adapter)',
    doc: 'Drive a real serial port (a board on a USB-UART adapter) through `serialport`, 8 data bits, 1 stop bit. No TCP listener. A device that cannot be opened: exit 1.',
    example: '`--serial /dev/ttyUSB0`',
  }),
  option({
    key: 'baud',
    flag: '--baud',
    kind: kinds.integer('<n>', 50, 4_000_000, 7, 'a baud rate (a whole number such as 115200)'),
    file: 'value',
    library: 'serial.baudRate, line.baudRate',
    default: '115200',
    help: 'line rate: the serial port\'s, and the DTE\'s rate that autobaud meets (default 115200)',
    doc: 'The line rate: the serial port\'s, and with other wires the DTE\'s rate that autobaud (`AT+IPR=0`) meets, which `--pace` uses.',
    example: '`--baud 9600`',
  }),
  option({
    key: 'parity',
    flag: '--parity',
    kind: kinds.choice('<p>', PARITIES),
    file: 'value',
    library: 'serial.parity, line.parity',
    default: 'none (8N1)',
    help: 'none, even or odd (default none: 8N1)',
    doc: 'The serial port\'s parity, and an 11th bit per byte for `--pace`.',
    example: '`--parity even`',
  }),
  option({
    key: 'rtscts',
    flag: '--rtscts',
    kind: kinds.switch(),
    file: 'value',
    library: 'serial.rtscts',
    default: 'off',
    help: 'RTS/CTS hardware flow control on the serial port',
    doc: 'RTS/CTS hardware flow control on the serial port.',
    example: '`--rtscts`',
    needs: [['serial', 'flow control is a serial port\'s']],
  }),
  option({
    key: 'pace',
    flag: '--pace',
    kind: kinds.switch(),
    file: 'value',
    library: 'pace',
    default: 'off',
    help: 'send at the wire rate for the baud rate and frame (86.8 µs per byte at 115200 8N1), following AT+IPR',
    doc: 'Send at the wire rate for the rate and frame (86.8 µs per byte at 115200 8N1), following `AT+IPR`; any wire.',
    example: '`--pace`',
  }),
  option({
    key: 'logLevel',
    flag: '--log-level',
    kind: kinds.choice<LogLevel>('<level>', LOG_LEVELS),
    file: 'value',
    library: 'logger',
    default: 'info',
    help: `log level on stderr: ${LOG_LEVELS.join(', ')} (default info)`,
    doc: 'How much goes to stderr (`debug`: one event per AT exchange). Logs always go to stderr: pretty on a terminal, JSON lines otherwise.',
    example: '`--log-level debug`',
  }),
  option({
    key: 'profile',
    flag: '--profile',
    kind: kinds.choice('<name>', Object.keys(PROFILES)),
    file: 'value',
    library: 'profile',
    default: 'instant',
    help: `timing profile: ${Object.keys(PROFILES).join(', ')} (default instant)`,
    doc: 'Timing: `instant` (answers at once, for CI) or `realistic` (boot ≈ 1.5 s, `AT+SAPBR=1,1` ≈ 1.3 s, MQTT connect ≈ 1.5 s, as measured on real modules, with seeded jitter). Figures: [faults.md](faults.md#timing-profiles).',
    example: '`--profile realistic`',
  }),
  option({
    key: 'profileFile',
    flag: '--profile-file',
    kind: kinds.text('<file>'),
    file: 'path',
    library: 'profile',
    help: 'JSON timing profile: {"base": "realistic", "bearerOpenMs": 5000, ...} (docs/faults.md)',
    doc: 'A JSON timing profile: `{"base": "realistic", "bearerOpenMs": 8000, ...}`; any figure of [faults.md](faults.md#timing-profiles). The file names its base profile.',
    example: '`--profile-file slow.json`',
    conflicts: [['profile', 'the file names its base profile']],
  }),
  option({
    key: 'seed',
    flag: '--seed',
    kind: kinds.integer('<n>', 0, 0xffffffff, 10, 'a seed (a whole number 0..4294967295)'),
    file: 'value',
    library: 'seed',
    default: '1',
    help: 'seed for every random choice: timing jitter, packet loss, garbled bytes (default 1)',
    doc: 'Seed of every random choice (timing jitter, packet loss, garbled bytes): the same seed repeats a run.',
    example: '`--seed 42`',
  }),
  option({
    key: 'control',
    flag: '--control',
    kind: kinds.listen('<[host:]port>'),
    file: 'value',
    library: 'control',
    help: 'serve the control API (state, faults, c2d, AT log) over HTTP; a bare port means 127.0.0.1',
    doc: 'Serve the control API (state, faults, cloud-to-device messages, AT log, power) over HTTP+JSON, [faults.md](faults.md#the-control-api). A bare port means `127.0.0.1`; port 0 picks one.',
    example: '`--control 8080`',
  }),
  option({
    key: 'controlToken',
    flag: '--control-token',
    kind: kinds.text('<token>'),
    file: 'value',
    library: 'control.token',
    default: 'none on loopback; generated off loopback',
    help: 'require Authorization: Bearer <token>, 16 characters or more (generated and printed when --control is not loopback)',
    doc: 'Every control request must send `Authorization: Bearer T`; at least 16 characters (exit 2 otherwise). Required off loopback: without it one is generated and printed on stderr.',
    example: '`--control 0.0.0.0:8080 --control-token 9f2c…(16+ chars)`',
    needs: [['control']],
  }),
  option({
    key: 'controlDte',
    flag: '--control-dte',
    kind: kinds.switch(),
    file: 'value',
    library: 'control.dte',
    default: 'off',
    help: 'let the control page (POST /dte) type lines to the module as if from the DTE',
    doc: 'The control page\'s DTE input (`POST /dte`): a line typed there goes to the module as if the firmware had sent it, its answer to the firmware\'s wire. Off by default: a page that types commands can confuse the firmware under test. [ui.md](ui.md)',
    example: '`--control 8080 --control-dte`',
    needs: [['control']],
  }),
  option({
    key: 'trace',
    flag: '--trace',
    kind: kinds.text('<file>'),
    file: 'path',
    library: 'trace.file',
    help: 'record a trace: every byte each way, AT log, state changes, faults, MQTT packets, as JSON lines (secrets masked); see `sim800-emu trace`',
    doc: 'Record a trace to FILE: every byte each way with its time, the AT log\'s records, state changes, faults and MQTT packets, as JSON lines, secrets masked; rotated to `FILE.1` past `--trace-max-bytes`. `sim800-emu trace FILE --html out.html` turns it into a page. With `--modems`, FILE needs `%d` (the modem\'s index). [ui.md](ui.md#traces)',
    example: '`--trace run.trace`',
    conflicts: [['scenarioTrace', 'the scenario\'s trace goes next to its result']],
  }),
  option({
    key: 'traceMaxBytes',
    flag: '--trace-max-bytes',
    kind: kinds.integer('<n>', 4096, 2 ** 40, 13, 'a number of bytes (4096 or more)'),
    file: 'value',
    library: 'trace.maxBytes',
    default: '16777216 (16 MiB)',
    help: 'rotate the trace file to FILE.1 past this many bytes (default 16 MiB)',
    doc: 'The trace file\'s bound: past it FILE becomes `FILE.1` (replacing an older one) and a new FILE begins, so the disk holds at most about twice this.',
    example: '`--trace-max-bytes 1048576`',
  }),
  option({
    key: 'scenario',
    flag: '--scenario',
    kind: kinds.text('<file>'),
    help: 'run a scenario file (JSON or YAML) against the attached DTE, then exit 0 pass / 1 fail',
    doc: 'Run a scenario (JSON, or YAML for `.yaml`/`.yml`) against the DTE that attaches, then stop: exit 0 pass, 1 fail; one summary line on stderr. [faults.md](faults.md#scenario-files)',
    example: '`--scenario fixtures/scenarios/reconnect.yaml`',
  }),
  option({
    key: 'scenarioResult',
    flag: '--scenario-result',
    kind: kinds.text('<file>'),
    help: 'write the scenario\'s machine-readable result (JSON) here',
    doc: 'Write the scenario\'s result as JSON (steps, checks, verdict).',
    example: '`--scenario-result result.json`',
    needs: [['scenario']],
  }),
  option({
    key: 'failFast',
    flag: '--fail-fast',
    kind: kinds.switch(),
    default: 'off: every step runs',
    help: 'end the scenario at its first failed step (the rest are reported as not run)',
    doc: 'End the scenario at its first failed step (an expectation that does not hold in its window): exit 1 at once instead of running the rest; the result counts the steps not run (`summary.notRun`).',
    example: '`--scenario smoke.yaml --fail-fast`',
    needs: [['scenario']],
  }),
  option({
    key: 'scenarioTrace',
    flag: '--scenario-trace',
    kind: kinds.switch(),
    help: 'write the run\'s trace next to --scenario-result (result.json → result.trace.jsonl); the result points into it',
    doc: 'Record the run\'s trace next to the result (`out/result.json` → `out/result.trace.jsonl`); the result names the file, the failed step and each step\'s position in it. [ui.md](ui.md#traces)',
    example: '`--scenario-result out/result.json --scenario-trace`',
    needs: [['scenarioResult', 'the trace goes next to the result']],
  }),
  option({
    key: 'resetOnConnect',
    flag: '--reset-on-connect',
    kind: kinds.switch(),
    file: 'value',
    library: 'resetOnConnect',
    default: 'off',
    help: 'power-cycle the modem on every new DTE connection',
    doc: 'Power-cycle the modem on every new DTE connection: a TCP connection, a program opening the `--pty` device when none had it open, the `--serial` port opened again. Default: the modem\'s state (echo, CMEE, bearer, MQTT session…) outlives a reconnect, as a real module outlives a firmware restart.',
    example: '`--reset-on-connect`',
  }),
  option({
    key: 'modems',
    flag: '--modems',
    kind: kinds.integer('<n>', 1, 10_000, 5, 'a number of modems (1..10000)'),
    file: 'value',
    library: 'modems (startFleet)',
    default: 'one modem',
    help: 'run a fleet of N modems in this process: consecutive TCP ports from --tcp\'s, or ptys from a --pty pattern with %d (docs/fleet.md)',
    doc: 'A fleet: N modems (1..10000) in this process, each with its own wire, state, identity and MQTT session, sharing one broker: consecutive TCP ports from `--tcp`\'s (port `0`: each any free port), or ptys from a `--pty` pattern with `%d`. Not with `--stdio`, `--serial` or `--scenario` (exit 2). With `--control` one API and page serve every modem (`/modems/<i>/…`, [ui.md](ui.md#fleets)). See [fleet.md](fleet.md).',
    example: '`--modems 100 --tcp 127.0.0.1:2323`',
  }),
  option({
    key: 'sharedPort',
    flag: '--shared-port',
    kind: kinds.switch(),
    file: 'value',
    library: 'sharedPort (startFleet)',
    default: 'a port per modem',
    help: 'a fleet on one TCP port (--tcp\'s): each connection takes the free modem with the lowest index; one file descriptor per modem',
    doc: 'Every modem of a `--modems` fleet behind the one port `--tcp` names: each new connection takes the free modem with the lowest index (a DTE reads which with `AT+GSN`), and frees it when it hangs up. A modem then needs one file descriptor instead of two, so 10 000 fit under a `ulimit -n` of 20 000. The ready line says `tcp-shared=HOST:PORT`. See [fleet.md](fleet.md#one-port-for-the-fleet---shared-port).',
    example: '`--modems 10000 --tcp 127.0.0.1:2323 --shared-port`',
    needs: [['modems', 'it is a fleet\'s']],
    conflicts: [['pty', 'a shared port is TCP']],
  }),
  option({
    key: 'shard',
    flag: '--shard',
    kind: shardKind,
    file: 'value',
    library: 'shard (startFleet)',
    default: 'SIM800_SHARD, else JOB_COMPLETION_INDEX with SIM800_SHARDS, else none',
    help: 'this fleet is shard I (from 0) of N, each of --modems modems: identities, seeds and ports follow the device\'s index in the whole fleet (docs/fleet.md#shards)',
    doc: 'This fleet is shard I (from 0) of N, every shard running `--modems` modems: its modem i is device I×modems+i of the whole, which sets its IMEI, IMSI, ICCID (so its MQTT client id), seed and TCP port, so shards never overlap. Without the flag: `SIM800_SHARD=I/N`, else `JOB_COMPLETION_INDEX` (a Kubernetes Indexed Job\'s pod) with `SIM800_SHARDS=N`. With `--modems` only (exit 2). See [fleet.md](fleet.md#shards).',
    example: '`--modems 1000 --shard 2/4`',
  }),
  option({
    key: 'broker',
    flag: '--broker',
    kind: kinds.text('<target>'),
    file: 'value',
    library: 'broker',
    default: 'embedded',
    help: 'MQTT routing: embedded, direct or mqtt://host:port',
    doc: 'MQTT routing: `embedded` (a broker inside the emulator, every `AT+SMCONN` goes there), `direct` (connect to whatever `AT+SMCONF="URL"` names), or `mqtt://host:port` (every connection goes to that broker). See [mqtt.md](mqtt.md).',
    example: '`--broker mqtt://127.0.0.1:1883`',
  }),
  option({
    key: 'brokerPort',
    flag: '--broker-port',
    kind: kinds.port('<n>'),
    file: 'value',
    library: 'brokerPort',
    default: '1883',
    help: 'port of the embedded broker (0 = any free port)',
    doc: 'Port of the embedded broker (`0` = any free port, shown in the ready line).',
    example: '`--broker-port 0`',
  }),
  option({
    key: 'brokerTlsPort',
    flag: '--broker-tls-port',
    kind: kinds.portOrOff('<n>'),
    file: 'value',
    library: 'brokerTlsPort',
    default: '8883 (any free port with `--broker-port 0`)',
    help: 'TLS port of the embedded broker: a port, 0 = any free port, off = none (default 8883; any free port with --broker-port 0)',
    doc: 'TLS port of the embedded broker (`0` = any free port; `off` = no TLS listener). `AT+SMSSL=1` sessions go there. See [tls.md](tls.md).',
    example: '`--broker-tls-port 0`',
  }),
  option({
    key: 'brokerCaCert',
    flag: '--broker-ca-cert',
    kind: kinds.text('<file>'),
    file: 'path',
    library: 'brokerCa.cert',
    default: 'generated, kept in `--state-dir`',
    help: 'CA certificate (PEM) for the embedded broker\'s TLS listener, with --broker-ca-key (default: generated, kept in --state-dir)',
    doc: 'The TLS listener\'s CA certificate (PEM, RSA, CA:TRUE), with `--broker-ca-key` (both or neither).',
    example: '`--broker-ca-cert ca.crt --broker-ca-key ca.key`',
  }),
  option({
    key: 'brokerCaKey',
    flag: '--broker-ca-key',
    kind: kinds.text('<file>'),
    file: 'path',
    library: 'brokerCa.key',
    help: 'the private key (PEM, RSA, unencrypted) of --broker-ca-cert',
    doc: 'The private key (PEM, RSA, unencrypted) of `--broker-ca-cert`.',
    example: '`--broker-ca-key ca.key`',
  }),
  option({
    key: 'brokerAuth',
    flag: '--broker-auth',
    kind: brokerAuthKind,
    file: 'value',
    library: 'brokerAuth',
    default: 'none: anyone who reaches the port may connect',
    help: 'the embedded broker takes only this user name and password (CONNACK 5 otherwise); the cloud side of the control API uses them too',
    doc: 'The embedded broker (both listeners) accepts a CONNECT only with this user name and password: anything else gets CONNACK 5 (not authorized). Firmware sends them with `AT+SMCONF="USERNAME"`/`"PASSWORD"`. A flag is visible to other local users in `ps`: prefer the config file.',
    example: '`--broker-auth dev:s3cret`',
    conflicts: [['azureHub', 'the hub stand-in checks each device\'s SAS token itself']],
  }),
  option({
    key: 'exportCa',
    flag: '--export-ca',
    kind: kinds.text('<file>'),
    file: 'path',
    library: 'exportCa',
    help: 'write the TLS listener\'s CA certificate (PEM) to this file, for firmware to load as its root',
    doc: 'Write the TLS listener\'s CA certificate (PEM) at start: the root firmware loads with `AT+FSWRITE` and `AT+SSLSETROOT`.',
    example: '`--export-ca /tmp/emu-ca.pem`',
  }),
  option({
    key: 'map',
    flag: '--map',
    kind: kinds.list('<rule>'),
    file: 'value',
    library: 'map',
    help: 'destination override host[:port]=host2[:port2] for MQTT, HTTP and TCP/IP sockets; a target http://… or https://… is for HTTP only (repeatable)',
    doc: 'Rewrite one destination, `host[:port]=host2[:port2]`, for MQTT, HTTP and TCP/IP sockets; repeatable; applied before `--broker`. A target `http://host2:port2` or `https://…` is for HTTP only and speaks plain or TLS to it whatever the module does ([http.md](http.md#where-requests-go-routing)).',
    example: '`--map iot.example.com:8883=127.0.0.1:8883`, `--map api.example.com:443=http://127.0.0.1:8080`',
  }),
  option({
    key: 'cipMqttPorts',
    flag: '--cip-mqtt-ports',
    kind: cipPortsKind,
    file: 'value',
    library: 'cipMqttPorts',
    default: '1883,8883',
    help: 'AT+CIPSTART destinations on these ports go to the broker (default 1883,8883; "" = none)',
    doc: 'TCP/IP sockets (`AT+CIPSTART`) to these ports go to the broker (plain listener; TLS listener with `AT+CIPSSL=1`) instead of the address firmware names; `--map` rules still come first. `""` turns the rule off ([tcpip.md](tcpip.md) §5).',
    example: '`--cip-mqtt-ports 1883,1884`',
  }),
  option({
    key: 'modem',
    kind: modemKind,
    file: 'value',
    library: 'modem',
    default: 'a SIM800L\'s (below)',
    help: 'what the emulated module reports',
    doc: 'What the emulated module reports: identity, SIM, network and battery figures (below).',
  }),
  option({
    key: 'azureHub',
    flag: '--azure-hub',
    kind: azureHubKind,
    file: 'value',
    library: 'azureHub',
    help: 'make the embedded broker an Azure IoT Hub stand-in for these devices (repeatable)',
    doc: 'Make the embedded broker an Azure IoT Hub stand-in for these devices (repeatable; `{"devices": [...], "hostName": ...}` in the file). See [azure.md](azure.md).',
    example: '`--azure-hub dev1:BASE64KEY`',
  }),
  option({
    key: 'azureHubHost',
    flag: '--azure-hub-host',
    kind: kinds.text('<name>'),
    library: 'azureHub.hostName',
    default: 'the one in each device\'s SAS token',
    help: 'the hub\'s host name the stand-in insists on (default: the one in each device\'s SAS token)',
    doc: 'The hub\'s host name the stand-in insists on (`hostName` of the file\'s `azureHub`).',
    example: '`--azure-hub-host myhub.azure-devices.net`',
    needs: [['azureHub']],
  }),
] as const;

export type Options = typeof OPTIONS;
export type AnyOption = Options[number];
export type OptionKey = AnyOption['key'];

/** Everything the CLI can be told, typed from the table; undefined means "not said here". */
export type Settings = { [D in AnyOption as D['key']]?: D extends OptionDecl<string, infer V> ? V : never };

export function optionByKey(key: string): OptionDecl | undefined {
  return (OPTIONS as readonly OptionDecl[]).find((o) => o.key === key);
}

/** `--tcp` for tcp; the file key for a file-only option. */
export function flagOf(key: string): string {
  return optionByKey(key)?.flag ?? key;
}

export { ValueProblem };
