/**
 * Waiting on a condition with a time limit that fails loudly, and reading a process's
 * open file descriptors: what the wire tests measure.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';

/** Resolves once cond() holds; rejects naming `what` after ms. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Open file descriptors of a process (Linux: /proc/<pid>/fd). */
export function fdCount(pid: number | 'self' = 'self'): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

/** Sockets of a process (fds that are sockets), which is what a wire leaks. */
export function socketCount(pid: number | 'self' = 'self'): number {
  let n = 0;
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed while we looked
    }
  }
  return n;
}

/** Connects a plain socket; resolves once connected. */
export function connectRaw(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    s.once('connect', () => {
      s.off('error', reject);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Collects what a socket receives; resolves when the text holds `want` (or at EOF with what came). */
export function readUntil(s: net.Socket, want: string | null, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => finish(new Error(`waited ${ms} ms for ${JSON.stringify(want ?? 'EOF')}; got ${JSON.stringify(text)}`)), ms);
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      if (want !== null && text.includes(want)) finish(null);
    };
    const onEnd = () => finish(null);
    function finish(err: Error | null) {
      clearTimeout(timer);
      s.off('data', onData);
      s.off('end', onEnd);
      s.off('close', onEnd);
      if (err) reject(err);
      else resolve(text);
    }
    s.on('data', onData);
    s.once('end', onEnd);
    s.once('close', onEnd);
  });
}
