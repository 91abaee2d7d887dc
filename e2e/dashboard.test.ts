import { runCluster, validateClusterFlags, type RunningCluster } from '@jiq/cli';
import { startDashboard, type DashboardHandle, type DashboardState } from '@jiq/dashboard';
import { createLogger, type DispatcherStats } from '@jiq/shared';
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from './helpers/browser';

const quiet = createLogger('test', 'silent');
const WORKERS = 6;
const browserBin = chromiumPath();

async function fetchState(d: DashboardHandle): Promise<DashboardState> {
  const res = await fetch(new URL('/api/state', d.url));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json');
  return (await res.json()) as DashboardState;
}

/** What the page shows now: dispatcher ids, token chips, the q0 card's number. */
async function pageView(page: Page): Promise<{ dispatchers: string[]; tokens: number; q0: string; slots: number }> {
  return {
    dispatchers: await page.locator('[data-testid=dispatcher]').evaluateAll((els) => els.map((e) => e.getAttribute('data-id') ?? '')),
    tokens: await page.locator('[data-testid=token]').count(),
    q0: (await page.locator('[data-testid=q0] .value').textContent()) ?? '',
    slots: await page.locator('[data-testid=slot]').count(),
  };
}

/** Stats of every dispatcher with tokens and slots, read twice until two reads agree (the cluster is at rest). */
async function restingStats(cluster: RunningCluster): Promise<DispatcherStats[]> {
  const read = (): Promise<DispatcherStats[]> =>
    Promise.all(cluster.dispatcherAddresses.map((a) => cluster.connector.stats(a, { includeTokens: true, includeSlots: true }, 5_000)));
  for (let i = 0; i < 50; i++) {
    const a = await read();
    await new Promise((r) => setTimeout(r, 100));
    const b = await read();
    if (JSON.stringify(a) === JSON.stringify(b) && a.every((s) => s.inFlight === 0)) return b;
  }
  throw new Error('the cluster did not come to rest');
}

describe.skipIf(browserBin === null)('jiq dashboard in a real headless chromium during a cluster run', () => {
  let browser: Browser | undefined;
  let dashboard: DashboardHandle | undefined;
  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
  });

  it('shows both dispatchers, their tokens and a live q0; /api/state agrees with the dispatchers\' own Stats', async () => {
    browser = await launchChromium(browserBin!);
    dashboard = await startDashboard({ port: 0, intervalMs: 500, log: quiet });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(dashboard.url);
    await expect.poll(() => page.locator('[data-testid=params]').textContent()).toBe('parameters unknown');

    // 2 dispatchers, 6 workers at λ = 0.5 with 100 ms jobs: idle servers, so tokens sit in the I-queues.
    const params = validateClusterFlags({
      dispatchers: 2, workers: WORKERS, lambda: 0.5, d: 2, withdraw: true, meanServiceMs: 100, duration: 16, warmup: 1, seed: 5,
    });
    const seen = { q0: new Set<string>(), maxTokens: 0, dispatchers: [] as string[], slots: 0 };
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const v = await pageView(page).catch(() => null);
        if (!v) break; // the page closed (the run failed)
        if (v.dispatchers.length > 0) seen.dispatchers = v.dispatchers;
        seen.maxTokens = Math.max(seen.maxTokens, v.tokens);
        seen.slots = Math.max(seen.slots, v.slots);
        if (/^\d\.\d{3}$/.test(v.q0)) seen.q0.add(v.q0);
        // JIQ_DASHBOARD_SCREENSHOT: the picture for docs/, taken during the load (the last one
        // before the load ends is kept) once the delay-aware prediction is on the page.
        const live = process.env.JIQ_DASHBOARD_SCREENSHOT;
        if (live && /^\d\.\d{3}$/.test((await page.locator('[data-testid=sim-delayed-q0] .value').textContent().catch(() => '')) ?? '')) {
          await page.screenshot({ path: live, fullPage: true }).catch(() => undefined);
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    })();

    let atRest: { stats: DispatcherStats[]; state: DashboardState; shownQ0: string } | undefined;
    const result = await runCluster(params, {
      log: quiet,
      dashboard,
      afterLoad: async (cluster) => {
        watching = false;
        await watcher;
        const stats = await restingStats(cluster);
        // The delay-aware prediction runs in a worker thread once enough hops were measured.
        await expect.poll(async () => (await dashboard!.pollNow()).predictions?.simDelayedQ0 ?? null, { timeout: 30_000, interval: 500 }).not.toBeNull();
        await dashboard!.pollNow();
        const state = await fetchState(dashboard!);
        // The page gets the same state over server-sent events.
        const want = state.q0 === null ? '–' : state.q0.toFixed(3);
        await expect.poll(() => page.locator('[data-testid=q0] .value').textContent(), { timeout: 5_000 }).toBe(want);
        await expect.poll(() => page.locator('[data-testid=sim-delayed-q0] .value').textContent(), { timeout: 5_000 })
          .toBe(state.predictions!.simDelayedQ0!.toFixed(3));
        atRest = { stats, state, shownQ0: want };
        await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/jiq-dashboard-test.png`, fullPage: true });
      },
    }).finally(() => {
      watching = false;
      return watcher;
    });

    expect(result.lost).toBe(0);
    expect(pageErrors).toEqual([]);
    // The page saw the cluster live: both dispatchers, tokens, every server, and q0 moving.
    expect(seen.dispatchers.sort()).toEqual(['d0', 'd1']);
    expect(seen.maxTokens).toBeGreaterThan(0);
    expect(seen.slots).toBe(WORKERS);
    expect(seen.q0.size).toBeGreaterThanOrEqual(2);

    // /api/state is the dispatchers' own Stats, number for number.
    const { stats, state } = atRest!;
    expect(state.params).toMatchObject({ n: WORKERS, m: 2, lambda: 0.5, d: 2, withdraw: true, jobs: 'exp' });
    expect(state.modelQ0).toBeGreaterThan(0);
    expect(state.modelQ0).toBeLessThan(1);
    // The delay-aware prediction ran with the hops this cluster measured: every hop it takes is a
    // positive delay, and delays can only hide idle servers, so its q0 is not below the zero-delay
    // simulator's beyond the two CIs.
    const p = state.predictions!;
    expect(p.simDelayedInput!.assign).toBeGreaterThan(0);
    expect(p.simDelayedInput!.place).toBeGreaterThan(0);
    expect(p.simDelayedInput!.probe).toBeGreaterThan(0);
    expect(p.simDelayedInput!.lambda).toBeGreaterThanOrEqual(0.5 * 0.95);
    expect(p.simDelayedQ0).toBeGreaterThan(0);
    expect(p.simDelayedQ0).toBeLessThan(1);
    expect(p.simDelayedQ0! + p.simDelayedQ0Ci95! + p.simQ0Ci95!).toBeGreaterThanOrEqual(p.simQ0!);
    expect(state.dispatchers.map((d) => d.id).sort()).toEqual(stats.map((s) => s.dispatcherId).sort());
    for (const s of stats) {
      const d = state.dispatchers.find((x) => x.id === s.dispatcherId)!;
      expect(d.iqueueLength).toBe(s.queueLength);
      expect(d.tokens).toEqual(s.tokens.map((t) => ({ workerId: t.workerId, slot: t.slot, epoch: t.epoch })));
      expect(d.arrivals).toBe(s.arrivals);
      expect(d.q0).toBe(s.arrivals > 0 ? s.emptyArrivals / s.arrivals : null);
    }
    const arrivals = stats.reduce((a, s) => a + s.arrivals, 0);
    expect(arrivals).toBeGreaterThan(0);
    expect(state.q0).toBe(stats.reduce((a, s) => a + s.emptyArrivals, 0) / arrivals);
    // The cluster's own result is computed from the same counters.
    expect(state.q0).toBeCloseTo(result.q0, 12);
    expect(state.q0Ci95).toBeGreaterThan(0);
    // Every server once, idle at rest, with its token where the dispatchers say it is.
    const slots = state.workers.flatMap((w) => w.slots.map((sl) => ({ id: `${w.id}/${sl.slot}`, ...sl })));
    expect(slots).toHaveLength(WORKERS);
    for (const sl of slots) {
      expect(sl.busy).toBe(false);
      expect(sl.queueLength).toBe(0);
      const holders = stats.filter((s) => s.tokens.some((t) => `${t.workerId}/${t.slot}` === sl.id)).map((s) => s.dispatcherId);
      expect(sl.tokenAt.sort()).toEqual(holders.sort());
    }
    // Jobs per server add up to every job submitted (warm-up included), each dispatched once.
    expect(slots.reduce((a, sl) => a + sl.assigned, 0)).toBe(result.jobs);
    expect(slots.reduce((a, sl) => a + sl.assigned, 0)).toBe(stats.reduce((a, s) => a + s.tokensUsed + s.fallbacks, 0));
  }, 120_000);
});
