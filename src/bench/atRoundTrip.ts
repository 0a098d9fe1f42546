/**
 * 1. AT round trip: `AT\r` → `AT\r\r\nOK\r\n` (echo on, as the module starts), p50/p99, the
 * emulator in its own process (the CLI) against a bare responder in its own process,
 * driven by the same client loop from the bench process in alternating blocks:
 * - over TCP: `--tcp` against a bare Node `net` server (target: ratio ≤ 1.2);
 * - over a pty: `--pty` against a bare Node responder on a pty of its own (the native
 *   helper, one write per answer; target ≤ 1.5), and, where a C compiler is found, a C
 *   responder (read, write) as the floor.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { latency, PtyLine, ratio, RoundTripper, sideBySide, type Latency } from './common';
import { startEmulatorProcess, startPeer } from './procs';

export interface AtRoundTripResult {
  emulator: Latency;
  peer: Latency;
  ratio: { p50: number; p99: number };
}

export interface PtyRoundTripResult extends AtRoundTripResult {
  /** The C responder, when a compiler was found: latency and the emulator's ratio to it. */
  c: { peer: Latency; ratio: { p50: number; p99: number } } | null;
}

const ANSWER = 'AT\r\r\nOK\r\n';

const compare = (e: number[], p: number[]): AtRoundTripResult => {
  const el = latency(e);
  const pl = latency(p);
  return { emulator: el, peer: pl, ratio: { p50: ratio(el.p50, pl.p50), p99: ratio(el.p99, pl.p99) } };
};

export async function benchAtRoundTrip(iterations: number): Promise<AtRoundTripResult> {
  const emu = await startEmulatorProcess(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'warn']);
  const responder = await startPeer<{ port: number }>('tcp-responder');
  const ours = await RoundTripper.connect(emu.tcp!.port);
  const peer = await RoundTripper.connect(responder.ready.port);
  try {
    await ours.trip('AT\r', 'OK\r\n'); // autobaud locks on the first AT
    const s = await sideBySide(iterations, 250, Math.min(500, iterations), () => ours.trip('AT\r', ANSWER), () => peer.trip('AT\r', ANSWER));
    return compare(s.a, s.b);
  } finally {
    ours.close();
    peer.close();
    await responder.rpc.stop();
    await emu.stop();
  }
}

/** The C pty responder: the least a program answering on a pty does. */
const C_RESPONDER = `
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>
int main(void) {
  static const char answer[] = "AT\\r\\r\\nOK\\r\\n";
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0 || grantpt(m) || unlockpt(m)) return 1;
  const char *name = ptsname(m);
  int s = open(name, O_RDWR | O_NOCTTY); /* held, so the master never reads EIO */
  struct termios t;
  if (s < 0 || tcgetattr(s, &t)) return 1;
  cfmakeraw(&t);
  if (tcsetattr(s, TCSANOW, &t)) return 1;
  printf("%s\\n", name);
  fflush(stdout);
  char buf[4096];
  for (;;) {
    ssize_t n = read(m, buf, sizeof buf);
    if (n <= 0) return 0;
    for (ssize_t i = 0; i < n; i++)
      if (buf[i] == '\\r' && write(m, answer, sizeof answer - 1) < 0) return 1;
  }
}
`;

/** Compiles and starts the C responder; null where there is no C compiler. */
async function startCResponder(): Promise<{ device: string; child: ChildProcess; dir: string } | null> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-bench-c-'));
  fs.writeFileSync(path.join(dir, 'r.c'), C_RESPONDER);
  const cc = spawnSync(process.env.CC ?? 'cc', ['-O2', '-o', path.join(dir, 'r'), path.join(dir, 'r.c')], { encoding: 'utf8' });
  if (cc.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    return null;
  }
  const child = spawn(path.join(dir, 'r'), [], { stdio: ['ignore', 'pipe', 'ignore'] });
  const device = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`C pty responder exited (${code})`)));
  });
  return { device, child, dir };
}

export async function benchPtyRoundTrip(iterations: number): Promise<PtyRoundTripResult> {
  const link = path.join(os.tmpdir(), `sim800-bench-${process.pid}`);
  const emu = await startEmulatorProcess(['--pty', link, '--broker-port', '0', '--log-level', 'warn']);
  const responder = await startPeer<{ device: string }>('pty-responder');
  const c = await startCResponder();
  const ours = new RoundTripper(PtyLine.open(link));
  const peer = new RoundTripper(PtyLine.open(responder.ready.device));
  const floor = c ? new RoundTripper(PtyLine.open(c.device)) : null;
  try {
    await ours.trip('AT\r', 'OK\r\n');
    const trip = (rt: RoundTripper) => () => rt.trip('AT\r', ANSWER);
    const s = await sideBySide(iterations, 250, Math.min(500, iterations), trip(ours), trip(peer));
    const result: PtyRoundTripResult = { ...compare(s.a, s.b), c: null };
    if (floor) {
      const f = await sideBySide(iterations, 250, Math.min(500, iterations), trip(ours), trip(floor));
      const r = compare(f.a, f.b);
      result.c = { peer: r.peer, ratio: r.ratio };
    }
    return result;
  } finally {
    ours.close();
    peer.close();
    floor?.close();
    await responder.rpc.stop();
    if (c) {
      c.child.kill('SIGTERM');
      fs.rmSync(c.dir, { recursive: true, force: true });
    }
    await emu.stop();
  }
}
