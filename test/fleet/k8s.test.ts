/**
 * docker/k8s/loadtest-job.yaml, read as Kubernetes would: an Indexed Job whose pods run
 * `sim800-emu loadtest` from the image docker/Dockerfile builds, learn their shard from
 * JOB_COMPLETION_INDEX and SIM800_SHARDS, print their result for `kubectl logs`, and ask
 * for the memory the measured per-device figure needs (docs/fleet.md). Its command is
 * then run here as the container would run it, with a small fleet and a low soft limit
 * on descriptors. (docker cannot run here: the image itself is checked by reading.)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { readResults } from '../../src/fleet/result';

const ROOT = path.resolve(__dirname, '..', '..');
const MANIFEST = path.join(ROOT, 'docker', 'k8s', 'loadtest-job.yaml');

interface Container {
  name: string;
  image: string;
  command: string[];
  args: string[];
  env: { name: string; value?: string }[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
}

const job = parse(fs.readFileSync(MANIFEST, 'utf8'));
const container: Container = job.spec.template.spec.containers[0];

/** The value after a flag in an argument list. */
const argOf = (args: string[], flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};

/** `384Mi`, `1Gi`, `500M` → MiB. */
function mib(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(q);
  if (!m) throw new Error(`not a memory quantity: ${q}`);
  const factor: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, K: 1e3 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576 };
  return Number(m[1]) * (m[2] ? factor[m[2]] : 1 / 1048576);
}

describe('the Kubernetes manifest', () => {
  it('is an Indexed Job whose shard count is said once for Kubernetes and once for the pods, the same', () => {
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed', backoffLimitPerIndex: 0, template: { spec: { restartPolicy: 'Never' } } } });
    expect(job.spec.parallelism).toBe(job.spec.completions);
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    expect(env.SIM800_SHARDS).toBe(String(job.spec.completions));
    // The index comes from Kubernetes (JOB_COMPLETION_INDEX), never from the manifest.
    expect(env).not.toHaveProperty('JOB_COMPLETION_INDEX');
    expect(env).not.toHaveProperty('SIM800_SHARD');
    expect(container.args).not.toContain('--shard');
  });

  it('runs the load test from the image docker/Dockerfile builds, soft fd limit raised, result on stdout, to the user\'s broker', () => {
    // The image's tag as the Dockerfile's build line and the k8s README name it.
    const dockerfile = fs.readFileSync(path.join(ROOT, 'docker', 'Dockerfile'), 'utf8');
    expect(container.image).toBe('sim800-emu:0.1.0');
    expect(dockerfile).toMatch(/docker build -f docker\/Dockerfile -t sim800-emu /);
    expect(fs.readFileSync(path.join(ROOT, 'docker', 'k8s', 'README.md'), 'utf8')).toContain(`s#image: ${container.image}#image: registry.example.com/`);
    // The final stage works in /app with the built dist: the command's path is there.
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(final).toMatch(/^WORKDIR \/app$/m);
    expect(final).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(container.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(container.command[2]).toMatch(/^ulimit -n "\$\(ulimit -Hn\)" 2>\/dev\/null; exec node dist\/cli\/main\.js loadtest "\$@"$/);
    expect(fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))).toBe(true);
    expect(argOf(container.args, '--broker')).toMatch(/^mqtt:\/\/broker\.example\.com:1883$/);
    expect(argOf(container.args, '--result')).toBe('-');
  });

  it('asks for the memory its devices need: 110 MB + 185 KB a device measured (docs/fleet.md), with room; twice that as the limit', () => {
    const modems = Number(argOf(container.args, '--modems'));
    expect(modems).toBeGreaterThanOrEqual(1);
    const need = 110 + (modems * 185) / 1024;
    const request = mib(container.resources.requests.memory);
    const limit = mib(container.resources.limits.memory);
    expect(request).toBeGreaterThanOrEqual(need * 1.25);
    expect(limit).toBeGreaterThanOrEqual(2 * request);
    expect(container.resources.requests.cpu).toBe('1');
    // No CPU limit: throttling would read as backend latency.
    expect(container.resources.limits).not.toHaveProperty('cpu');
  });

  it('its command, run as the container would (a small fleet, the embedded broker), is shard JOB_COMPLETION_INDEX of SIM800_SHARDS', async () => {
    const args = [...container.args];
    const set = (flag: string, value: string) => (args[args.indexOf(flag) + 1] = value);
    set('--modems', '2');
    set('--broker', 'embedded');
    args.splice(args.indexOf('--duration'), 2, '--count', '2');
    set('--interval', '20');
    const shards = container.env.find((e) => e.name === 'SIM800_SHARDS')!.value!;
    // Started with a soft limit of 256 descriptors, as some runtimes give less than the hard limit.
    const child = spawn('/bin/sh', ['-c', 'ulimit -Sn 256 && exec "$0" "$@"', ...container.command, ...args], {
      cwd: ROOT,
      env: { ...process.env, JOB_COMPLETION_INDEX: '1', SIM800_SHARDS: shards },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const [result] = readResults(stdout, 'pod log');
    expect(result.shards[0]).toMatchObject({ index: 1, count: Number(shards), source: 'JOB_COMPLETION_INDEX', firstDevice: 2, devices: 2, connected: 2, published: 4 });
    // The command raised the soft limit to the hard one.
    const hard = /^Max open files\s+\S+\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))![1];
    expect(result.shards[0].process.fdLimit).toBe(hard === 'unlimited' ? null : Number(hard));
    expect(result.shards[0].process.fdLimit).not.toBe(256);
  }, 90_000);
});
