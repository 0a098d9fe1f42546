/**
 * A real mosquitto for tests: a temp config, spawned, waited for, killed. Missing
 * mosquitto is a failure with the fix in the message, never a silent skip.
 *
 * Its port: mosquitto cannot listen on port 0 and say which port it got (2.0 reads
 * `listener 0` as a unix socket), so it is started on a port the kernel just handed out
 * and, should another process take that port first, started again on another one. A test
 * never gets a broker that is not the one it started.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { until } from './wait';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto'];

export function findMosquitto(): string {
  const found = CANDIDATES.find((p) => fs.existsSync(p)) ?? which('mosquitto');
  if (!found) throw new Error('mosquitto not found: install it (Debian: apt-get install mosquitto) to run the broker tests');
  return found;
}

function which(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() || undefined : undefined;
}

/** A port the kernel handed out a moment ago and that is closed again: for mosquitto's start only (see above). */
async function recentPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The port lost to another process between recentPort() and mosquitto's bind. */
class PortTaken extends Error {}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

async function waitForPort(port: number, child: ChildProcess, log: () => string, timeoutMs = 5000): Promise<void> {
  await until(
    async () => {
      const exited = () => {
        if (child.exitCode === null) return false;
        if (/Address already in use/i.test(log())) throw new PortTaken(`port ${port} taken`);
        throw new Error(`mosquitto exited with ${child.exitCode}: ${log()}`);
      };
      // Still running after the port accepted: the listener is mosquitto's, not a
      // process that took the port while mosquitto failed to bind it.
      return !exited() && (await accepts(port)) && !exited();
    },
    timeoutMs,
    `mosquitto to listen on ${port} (${log()})`,
    25,
  );
}

export interface Mosquitto {
  port: number;
  url: string;
  /** The TLS listener's port, when `tls` was given. */
  tlsPort?: number;
  /** What it logged on stderr so far (with `logTypes`, its connection messages too). */
  log(): string;
  /** Stops it (SIGTERM, then waits for the exit). */
  stop(): Promise<void>;
}

export interface MosquittoOptions {
  /** `user:password` pairs: the broker then refuses anonymous clients. */
  users?: Record<string, string>;
  port?: number;
  /** A second listener with TLS: the server certificate and key (PEM), and the CA that signed them. */
  tls?: { cert: string; key: string; ca: string };
  /**
   * mosquitto's log_type lines (default only `error`): `notice` logs each client's
   * connect (`New client connected from … as <client id>`) and disconnect, `information`
   * a takeover (`Client <id> already connected, closing old connection.`).
   */
  logTypes?: string[];
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt >= 5) throw err;
    }
  }
}

async function startOnce(opts: MosquittoOptions): Promise<Mosquitto> {
  const bin = findMosquitto();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-mosq-'));
  const port = opts.port ?? (await recentPort());
  const conf = [`listener ${port} 127.0.0.1`, 'persistence false', 'max_queued_messages 10000', 'max_inflight_messages 0', 'log_dest stderr', ...(opts.logTypes ?? ['error']).map((t) => `log_type ${t}`)];
  let tlsPort: number | undefined;
  if (opts.tls) {
    tlsPort = await recentPort();
    const file = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
      return path.join(dir, name);
    };
    conf.push(`listener ${tlsPort} 127.0.0.1`, `cafile ${file('ca.crt', opts.tls.ca)}`, `certfile ${file('server.crt', opts.tls.cert)}`, `keyfile ${file('server.key', opts.tls.key)}`);
  }
  if (opts.users) {
    const pw = path.join(dir, 'passwd');
    for (const [i, [user, pass]] of Object.entries(opts.users).entries()) {
      const r = spawnSync('mosquitto_passwd', [...(i === 0 ? ['-c'] : []), '-b', pw, user, pass], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mosquitto_passwd failed (apt-get install mosquitto): ${r.stderr || r.error}`);
    }
    fs.chmodSync(pw, 0o644);
    conf.push('allow_anonymous false', `password_file ${pw}`);
  } else {
    conf.push('allow_anonymous true');
  }
  // Running as root: keep root so mosquitto can read its files in the temp dir.
  if (process.getuid?.() === 0) conf.push('user root');
  const confPath = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(confPath, conf.join('\n') + '\n');
  let stderr = '';
  const child = spawn(bin, ['-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitForPort(port, child, () => stderr);
    if (tlsPort) await waitForPort(tlsPort, child, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    tlsPort,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
