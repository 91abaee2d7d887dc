import { JiqClient } from '@jiq/client';
import { ErrorCode } from '@jiq/core';
import { createLogger, GrpcConnector, type SubmitReply } from '@jiq/shared';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, JIQ_BIN, runJiq, TestCluster } from './helpers/jiq-processes';

describe('jiq cluster refuses bad flags before starting anything', () => {
  it.each([
    [['--lambda', '0'], '--lambda: must be > 0'],
    [['--lambda', '-0.2'], '--lambda: must be > 0'],
    [['--lambda', '1'], '--lambda: must be < 1'],
    [['--lambda', '1.5'], '--lambda: must be < 1'],
    [['--lambda', 'abc'], '--lambda: must be a finite number'],
    [['--lambda', '0.5', '--d', '0'], '--d: must be an integer >= 1'],
    [['--lambda', '0.5', '--d', '1.5'], '--d: must be an integer >= 1'],
    [['--lambda', '0.5', '--dispatchers', '2', '--d', '3'], '--d: cannot probe 3 distinct dispatchers out of m = 2 (use --probe replace)'],
    [['--lambda', '0.5', '--workers', '0'], '--workers: must be an integer >= 1'],
    [['--lambda', '0.5', '--workers', '2.5'], '--workers: must be an integer >= 1'],
    [['--lambda', '0.5', '--dispatchers', '0'], '--dispatchers: must be an integer >= 1'],
    [['--lambda', '0.5', '--jobs', 'gamma:2'], '--jobs: unknown job-size spec'],
    [['--lambda', '0.5', '--jobs', 'hyperexp:0.5:0.5'], '--jobs: hyperexp needs SCV >= 1'],
    [['--lambda', '0.5', '--select', 'random'], '--select: must be one of fcfs | lcfs | fastest'],
    [['--lambda', '0.5', '--policy', 'jsq-stale'], '--policy: must be one of jiq | jiq-pod | random | round-robin | jsq | jsq-d | jfsq'],
    [['--lambda', '0.5', '--workers', '4', '--n', '5'], '--n: disagrees with --workers 4'],
    [['--lambda', '0.5', '--policy', 'random', '--select', 'fastest'], '--select: token selection applies to the jiq policies (policy random does not use it)'],
    [['--lambda', '0.5', '--policy', 'jsq-d', '--workers', '2', '--d', '3'], '--d: must be <= n = 2'],
    [['--lambda', '0.5', '--speeds', '1,0'], '--speeds: speeds must be finite numbers > 0'],
    [['--lambda', '0.5', '--multi-token', '--withdraw'], '--multi-token: is a no-withdrawal variant'],
    [['--lambda', '0.5', '--bogus'], "unknown option '--bogus'"],
  ])('jiq cluster %j → exit 2 with %j', async (args, message) => {
    const r = await runJiq(['cluster', '--duration', '1', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('accepts lambda >= 1 only with --allow-overload (it gets past validation)', async () => {
    const r = await runJiq(['cluster', '--lambda', '1.2', '--allow-overload', '--transport', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--transport');
    expect(r.stderr).not.toContain('--lambda');
  });
});

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('processes facing a dispatcher that does not answer', () => {
  it('jiq worker exits non-zero with a clear error after the 5 s connect timeout', async () => {
    const port = await closedPort();
    const r = await runJiq(['worker', '--dispatchers', `127.0.0.1:${port}`, '--log-level', 'silent'], 20_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`dispatcher 127.0.0.1:${port} did not answer within 5000 ms`);
    expect(r.ms).toBeLessThan(15_000);
  });

  it('JiqClient.connect rejects with a typed timeout error', async () => {
    const port = await closedPort();
    const client = new JiqClient({ dispatchers: [`127.0.0.1:${port}`], connectTimeoutMs: 500, logger: createLogger('t', 'silent') });
    await expect(client.connect()).rejects.toMatchObject({ name: 'JiqTimeoutError', timeoutMs: 500 });
    await client.close(0);
  });
});

describe('malformed submits are refused with INVALID_ARGUMENT and the cluster keeps serving', () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it('missing job, missing id, empty payload, oversized payload', async () => {
    cluster = new TestCluster();
    await cluster.addDispatcher(['--max-payload-bytes', '1024']);
    await cluster.addWorker(['--mean-service-ms', '1']);
    await cluster.waitFor((s) => s[0]!.workers === 1);
    const connector = new GrpcConnector();
    const channel = await connector.connectClient(cluster.addresses[0]!, 5_000);
    const replies = new Map<number, SubmitReply>();
    channel.onMessage((r) => replies.set(r.requestId, r));
    channel.send({ requestId: 1 });
    channel.send({ requestId: 2, job: { id: '', payload: Buffer.from('x') } });
    channel.send({ requestId: 3, job: { id: 'empty', payload: new Uint8Array(0) } });
    channel.send({ requestId: 4, job: { id: 'big', payload: Buffer.alloc(2048, 1) } });
    channel.send({ requestId: 5, job: { id: 'ok', payload: Buffer.from('fine'), size: 0.1 } });
    const deadline = Date.now() + 10_000;
    while (replies.size < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const id of [1, 2, 3, 4]) {
      expect(replies.get(id)?.ok).toBe(false);
      expect(replies.get(id)?.error?.code).toBe(ErrorCode.INVALID_ARGUMENT);
    }
    expect(replies.get(2)!.error!.message).toContain('job.id');
    expect(replies.get(3)!.error!.message).toContain('job.payload: must not be empty');
    expect(replies.get(4)!.error!.message).toContain('exceeds the limit of 1024');
    expect(replies.get(5)?.ok).toBe(true);
    channel.close();
    await connector.close();
    // A fresh client on the same dispatcher still gets service.
    const client = new JiqClient({ dispatchers: cluster.addresses, logger: createLogger('t', 'silent') });
    const r = await client.submit('again', { size: 0.1 });
    expect(r.info.workerId).toBe('w0');
    await client.close();
  });
});

describe('jiq cluster interrupted by Ctrl-C', () => {
  it('stops every process it started', async () => {
    const child = spawn(process.execPath, [JIQ_BIN, 'cluster', '--dispatchers', '2', '--workers', '3', '--lambda', '0.5', '--duration', '120'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 30_000;
    while (!stderr.includes('jiq: load:') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toContain('jiq: load:');
    const ps = spawn('pgrep', ['-P', String(child.pid)]);
    let out = '';
    ps.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await new Promise((r) => ps.on('exit', r));
    const pids = out.split('\n').filter((s) => s.trim() !== '').map(Number);
    expect(pids.length).toBe(5);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    await new Promise((r) => setTimeout(r, 500));
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
