import { JiqClient } from '@jiq/client';
import { DISPATCH_POLICIES, dispatchPolicies, JiqConfigError, type DispatchPolicyName } from '@jiq/core';
import { startDispatcher } from '@jiq/dispatcher';
import { SIM_POLICIES, simulate, type SimPolicy } from '@jiq/sim';
import { startWorker } from '@jiq/worker';
import { describe, expect, it } from 'vitest';
import { validateClusterFlags } from '../src/cluster/cluster-params';
import { listPolicies } from '../src/commands/policies';

// `jiq policies` is generated from @jiq/core's registry; these tests hold each engine to what
// the registry claims: a policy listed for an engine runs there, and one that runs there is listed.

const listing = listPolicies().policies;

describe('jiq policies', () => {
  it('lists every policy of the issue with both sim and cluster, jiq also with the model', () => {
    expect(listing.map((p) => p.name).sort()).toEqual([...DISPATCH_POLICIES].sort());
    for (const name of ['jiq', 'jiq-pod', 'random', 'round-robin', 'jsq', 'jsq-d', 'jfsq']) {
      expect(listing.find((p) => p.name === name)?.engines, name).toEqual(expect.arrayContaining(['sim', 'cluster']));
    }
    for (const p of listing) expect(p.description.length, p.name).toBeGreaterThan(10);
    // The piggybacked-length variant exists on the cluster only (the simulator's lengths are exact).
    expect(listing.find((p) => p.name === 'jsq-d-stale')!.engines).toEqual(['cluster']);
    expect(listing.find((p) => p.name === 'jiq')!.engines).toContain('model');
    expect(dispatchPolicies.names()).toEqual(listing.map((p) => p.name));
  });

  it('the simulator runs exactly the policies listed for it (and reports the policy it ran)', () => {
    const listed = listing.filter((p) => p.engines.includes('sim')).map((p) => p.name);
    expect([...SIM_POLICIES].sort()).toEqual([...listed].sort());
    for (const name of listed) {
      const r = simulate({ policy: name as SimPolicy, n: 8, m: 2, lambda: 0.5, horizon: 200, seed: 3, timing: false });
      expect(r.policy).toBe(name);
      expect(r.jobs).toBeGreaterThan(0);
    }
  });

  it('a policy the simulator does not run is refused there with a clear error', () => {
    expect(() => simulate({ policy: 'jsq-d-stale' as SimPolicy, n: 8, m: 2, lambda: 0.5, horizon: 50 })).toThrow(/policy/);
  });

  it('the cluster accepts the policies listed for it, and a real dispatcher and worker serve jobs with each', async () => {
    const listed = listing.filter((p) => p.engines.includes('cluster')).map((p) => p.name as DispatchPolicyName);
    for (const policy of listed) {
      expect(validateClusterFlags({ policy, lambda: 0.5 }, { dispatchers: 2, workers: 4 }).policy).toBe(policy);
      const d = await startDispatcher({ policy, seed: 1 });
      const workers = await Promise.all([0, 1].map((i) => startWorker({ dispatchers: [d.address], policy, id: `${policy}-w${i}`, meanServiceMs: 1 })));
      const client = new JiqClient({ dispatchers: [d.address] });
      try {
        await client.connect();
        const replies = await Promise.all(Array.from({ length: 6 }, () => client.send(Buffer.from('x'), { size: 1 })));
        expect(replies.every((r) => r.info.workerId.startsWith(policy)), policy).toBe(true);
        // Tokens only for the token policies: the others never assign by token.
        if (!dispatchPolicies.get(policy)!.tokens) expect(replies.some((r) => r.info.byToken), policy).toBe(false);
      } finally {
        await client.close(1_000);
        for (const w of workers) await w.close();
        await d.close();
      }
    }
  });

  it.each([
    [{ policy: 'random', d: 3 }, '--d'],
    [{ policy: 'jsq', fallbackD: 3 }, '--fallback-d'],
    [{ policy: 'jiq', fallbackD: 3 }, '--fallback-d'],
    [{ policy: 'round-robin', select: 'lcfs' }, '--select'],
    [{ policy: 'jfsq', probe: 'replace' }, '--probe'],
  ] as const)('an option the policy would ignore is refused: %j → %s', (flags, field) => {
    let error: unknown;
    try {
      validateClusterFlags({ lambda: 0.5, ...flags }, { dispatchers: 2, workers: 4 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(JiqConfigError);
    expect((error as JiqConfigError).field).toBe(field);
    expect(() => simulate({ n: 8, m: 2, lambda: 0.5, horizon: 50, ...flags } as Parameters<typeof simulate>[0])).toThrow(JiqConfigError);
  });
});
