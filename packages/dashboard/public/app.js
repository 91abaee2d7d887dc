// The dashboard page: one EventSource on /api/events; every `state` event re-renders the page
// (Preact + htm, no build step) and feeds the uPlot charts. Data shape: src/state.ts.
import { html, render, useEffect, useRef, useState } from '/vendor/preact-htm.mjs';

const PALETTE = ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#0ca678', '#d6336c', '#495057'];
const fmt = (x, digits = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));
const pct = (x) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);

/** A uPlot chart that keeps its instance across renders and only swaps the data. */
function Chart({ title, note, series, data, yRange, bands, testid }) {
  const box = useRef(null);
  const plot = useRef(null);
  const shape = JSON.stringify(series.map((s) => s.label));
  useEffect(() => {
    const width = Math.max(300, box.current.clientWidth - 10);
    plot.current = new uPlot(
      {
        width,
        height: 220,
        series: [{}, ...series.map((x) => ({ points: { show: false }, ...x }))],
        bands,
        scales: { x: { time: true }, y: yRange ? { range: yRange } : {} },
        axes: [{}, { size: 55 }, ...(series.some((x) => x.scale === 'ms') ? [{ scale: 'ms', side: 1, size: 55, grid: { show: false }, label: 'ms' }] : [])],
        legend: { live: false },
      },
      data,
      box.current,
    );
    const onResize = () => plot.current.setSize({ width: Math.max(300, box.current.clientWidth - 10), height: 220 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.current.destroy();
    };
  }, [shape]);
  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);
  return html`<div class="chart" data-testid=${testid}>
    <h2>${title}</h2>
    ${note ? html`<p class="note">${note}</p>` : null}
    <div ref=${box}></div>
  </div>`;
}

const constant = (t, v) => t.map(() => (v === null || v === undefined ? null : v));

function Q0Chart({ s }) {
  const h = s.history;
  const p = s.predictions;
  const data = [h.t, h.q0, h.q0Lo, h.q0Hi, h.q0Interval, h.q0Time, constant(h.t, p?.modelQ0), constant(h.t, p?.simQ0), constant(h.t, p?.simDelayedQ0)];
  const series = [
    { label: 'q0 (arrivals, cumulative)', stroke: PALETTE[0], width: 2 },
    { label: 'CI low', stroke: 'rgba(28,126,214,0.35)', width: 1, dash: [4, 3] },
    { label: 'CI high', stroke: 'rgba(28,126,214,0.35)', width: 1, dash: [4, 3] },
    { label: 'q0 this second', stroke: 'rgba(28,126,214,0.5)', width: 0, points: { show: true, size: 4 } },
    { label: 'q0 (time average)', stroke: PALETTE[2], width: 1.5 },
    { label: 'model', stroke: PALETTE[1], width: 2, dash: [10, 5] },
    { label: 'simulator', stroke: PALETTE[3], width: 2, dash: [2, 4] },
    { label: 'simulator with measured delays', stroke: PALETTE[6], width: 2, dash: [12, 3, 2, 3] },
  ];
  const note = p
    ? `model ${fmt(p.modelQ0)}${p.modelNote ? ` (${p.modelNote})` : ''} · simulator ${fmt(p.simQ0)}${p.simQ0Ci95 !== null ? ` ± ${fmt(p.simQ0Ci95)}` : ''}${p.simNote ? ` (${p.simNote})` : ''} · with measured delays ${fmt(p.simDelayedQ0)}${p.simDelayedQ0Ci95 !== null ? ` ± ${fmt(p.simDelayedQ0Ci95)}` : ''}${p.simDelayedNote ? ` (${p.simDelayedNote})` : ''}`
    : 'no running parameters known: no prediction (give --lambda, --d, ... to jiq dashboard)';
  return html`<${Chart} testid="chart-q0" title="q0: share of arrivals finding an empty I-queue, 95% CI" note=${note}
    series=${series} data=${data} yRange=${[0, 1]} bands=${[{ series: [3, 2], fill: 'rgba(28,126,214,0.12)' }]} />`;
}

function IQueueChart({ s }) {
  const ids = Object.keys(s.history.iqueue).sort();
  const data = [s.history.t, ...ids.map((id) => s.history.iqueue[id])];
  const series = ids.map((id, i) => ({ label: id, stroke: PALETTE[i % PALETTE.length], width: 1.5 }));
  return html`<${Chart} testid="chart-iqueue" title="I-queue length (tokens held) per dispatcher" series=${series} data=${data} />`;
}

function ThroughputChart({ s }) {
  const h = s.history;
  return html`<${Chart} testid="chart-throughput" title="throughput (jobs done per second) and share by token"
    series=${[
      { label: 'jobs/s', stroke: PALETTE[0], width: 2 },
      { label: 'by token ×100', stroke: PALETTE[2], width: 1.5 },
    ]}
    data=${[h.t, h.throughput, h.byTokenShare.map((x) => (x === null ? null : 100 * x))]} />`;
}

function ResponseChart({ s }) {
  const h = s.history;
  const note = s.response ? null : 'response times come from the load generator: run with jiq cluster / experiment --dashboard-port';
  return html`<${Chart} testid="chart-response" title="response time percentiles (× mean service) and dispatch overhead (ms)" note=${note}
    series=${[
      { label: 'p50', stroke: PALETTE[2], width: 1.5 },
      { label: 'p90', stroke: PALETTE[4], width: 1.5 },
      { label: 'p99', stroke: PALETTE[6], width: 1.5 },
      { label: 'dispatch overhead (ms, right axis)', stroke: PALETTE[7], width: 1, dash: [4, 3], scale: 'ms' },
    ]}
    data=${[h.t, h.p50, h.p90, h.p99, h.dispatchOverheadMs]} />`;
}

function Cards({ s }) {
  const p = s.predictions;
  const card = (id, label, value, sub) => html`<div class="card" data-testid=${id}><div class="label">${label}</div><div class="value">${value}</div><div class="sub">${sub}</div></div>`;
  return html`<div class="cards">
    ${card('q0', 'q0 (by arrivals)', fmt(s.q0), s.q0Ci95 !== null ? `± ${fmt(s.q0Ci95)} (95% CI)` : 'CI after two seconds of arrivals')}
    ${card('q0-time', 'q0 (time average)', fmt(s.q0Time), 'share of time I-queues were empty')}
    ${card('model-q0', 'model q0', fmt(s.modelQ0), p?.modelNote ?? 'mean-field limit')}
    ${card('sim-q0', 'simulator q0', fmt(p?.simQ0), p?.simQ0Ci95 != null ? `± ${fmt(p.simQ0Ci95)} at the same n, m` : (p?.simNote ?? '–'))}
    ${card('sim-delayed-q0', 'q0 with measured delays', fmt(p?.simDelayedQ0), delayedSub(p))}
    ${card('throughput', 'throughput', s.throughput === null ? '–' : `${s.throughput.toFixed(1)}/s`, 'jobs done per second')}
    ${card('by-token', 'jobs by token', pct(s.byTokenShare), 'the rest by fallback')}
    ${card('races', 'races', String(s.races.busy + s.races.withdrawn), `busy ${s.races.busy}, withdrawn ${s.races.withdrawn}, stale withdrawals ${s.races.staleWithdrawals}`)}
    ${card('response', 'response p50 / p99', s.response && s.response.p50 !== null ? `${fmt(s.response.p50, 2)} / ${fmt(s.response.p99, 2)}` : '–',
      s.response && s.response.dispatchOverheadMs !== null ? `overhead ${fmt(s.response.dispatchOverheadMs, 2)} ms` : 'in units of the mean job size')}
  </div>`;
}

/** What the delay-aware prediction ran with: hop means in units of the mean job size, and the load. */
function delayedSub(p) {
  if (!p) return '–';
  const d = p.simDelayedInput;
  if (p.simDelayedQ0 === null || !d) return p.simDelayedNote ?? 'simulator with the hops this cluster measured';
  const ci = p.simDelayedQ0Ci95 !== null ? `± ${fmt(p.simDelayedQ0Ci95)} · ` : '';
  return `${ci}λ ${fmt(d.lambda)}, hops ×job: assign ${fmt(d.assign, 4)} place ${fmt(d.place, 4)} probe ${fmt(d.probe, 4)}`;
}

function Dispatchers({ s }) {
  return html`<section><h2>dispatchers: I-queues now (tokens oldest first, worker/slot)</h2>
    <div class="dispatchers">${s.dispatchers.map((d) => html`
      <div class=${`dispatcher${d.error ? ' error' : ''}`} data-testid="dispatcher" data-id=${d.id}>
        <div class="head"><strong>${d.id}</strong><span class="muted">${d.address}</span></div>
        <div><span class="len" data-testid="iqueue-length">${d.iqueueLength}</span> tokens ·
          q0 ${fmt(d.q0)} · ${d.workers} workers · ${d.inFlight} in flight</div>
        ${d.error ? html`<div class="muted">unreachable: ${d.error}</div>` : null}
        <div class="tokens">${d.tokens.map((t) => html`<span class="token" data-testid="token" title=${`epoch ${t.epoch}`}>${t.workerId}/${t.slot}</span>`)}</div>
      </div>`)}
    </div></section>`;
}

function Workers({ s }) {
  const slots = s.workers.flatMap((w) => w.slots.map((sl) => ({ w, sl })));
  return html`<section><h2>workers: each server (slot) busy or idle, jobs assigned and not done, where its token is</h2>
    <div class="workers">${slots.map(({ w, sl }) => html`
      <div class=${`slot${sl.busy ? ' busy' : ''}`} data-testid="slot" data-worker=${w.id}>
        <span class="name">${w.id}/${sl.slot}</span><span class="state">${sl.busy ? `busy · ${sl.queueLength}` : 'idle'}</span><br/>
        <span class="tok">${sl.tokenAt.length > 0 ? `token at ${sl.tokenAt.join(', ')}` : 'no token placed'}</span><br/>
        <span class="muted">${sl.assigned} jobs · ${sl.assigned > 0 ? pct(sl.byToken / sl.assigned) : '–'} by token · ${sl.raceBusy} races</span>
      </div>`)}
    </div></section>`;
}

function paramsLine(p) {
  if (!p) return 'parameters unknown';
  return `n=${p.n} m=${p.m} r=${fmt(p.n / p.m, 2)} λ=${p.lambda} d=${p.d} ${p.withdraw ? 'withdraw' : `no-withdraw ${p.select}`} jobs=${p.jobs}`;
}

function App() {
  const [s, setS] = useState(null);
  const [live, setLive] = useState(false);
  useEffect(() => {
    const es = new EventSource('/api/events');
    es.addEventListener('state', (e) => {
      setS(JSON.parse(e.data));
      setLive(true);
    });
    es.onerror = () => setLive(false);
    return () => es.close();
  }, []);
  if (!s) return html`<p class="waiting">waiting for the first poll…</p>`;
  return html`
    <header>
      <h1>jiq · Join-Idle-Queue</h1>
      <span class="params" data-testid="params">${paramsLine(s.params)}</span>
      <span class=${`live ${live ? 'ok' : 'down'}`} data-testid="live">${live ? 'live' : 'disconnected'} · poll ${s.polls} · ${new Date(s.at).toLocaleTimeString()}</span>
    </header>
    <main>
      <${Cards} s=${s} />
      <div class="charts">
        <${Q0Chart} s=${s} />
        <${IQueueChart} s=${s} />
        <${ThroughputChart} s=${s} />
        <${ResponseChart} s=${s} />
      </div>
      <${Dispatchers} s=${s} />
      <${Workers} s=${s} />
    </main>`;
}

render(html`<${App} />`, document.getElementById('app'));
