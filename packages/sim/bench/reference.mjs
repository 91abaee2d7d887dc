// A specialised reference simulator, the bench's baseline: JIQ-Random (d = 1) with token
// withdrawals and exponential job sizes, written as the bare Markov chain (no shared policy
// core, no event list, no percentiles). With withdrawals the token order does not matter, so an
// I-queue is an unordered set. Its own inline sfc32 keeps it independent of @jiq/shared.
export function referenceJiqRandom({ n, m, lambda, horizon, seed = 7 }) {
  let a = 0x9e3779b9 ^ seed, b = 0x243f6a88, c = 0xb7e15162, d = 1;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const len = new Int32Array(n);
  const busy = new Int32Array(n); // busy servers, dense
  const busyPos = new Int32Array(n);
  let nBusy = 0;
  const tokens = new Int32Array(m * n); // dispatcher i's tokens at tokens[i*n ..]
  const tokCount = new Int32Array(m);
  const tokAt = new Int32Array(n); // dispatcher holding the server's token
  const tokPos = new Int32Array(n);
  const place = (s) => {
    const i = Math.floor(next() * m);
    const k = tokCount[i]++;
    tokens[i * n + k] = s;
    tokAt[s] = i;
    tokPos[s] = k;
  };
  const unToken = (s) => {
    const i = tokAt[s];
    const last = --tokCount[i];
    const moved = tokens[i * n + last];
    tokens[i * n + tokPos[s]] = moved;
    tokPos[moved] = tokPos[s];
    tokAt[s] = -1;
  };
  for (let s = 0; s < n; s++) place(s);
  const arrivalRate = lambda * n;
  const warm = horizon / 3;
  let t = 0, jobs = 0, arrivals = 0, empty = 0;
  for (;;) {
    const rate = arrivalRate + nBusy;
    t -= Math.log(1 - next()) / rate;
    if (t >= horizon) break;
    let v = next() * rate;
    if (v < arrivalRate) {
      jobs++;
      const i = Math.floor((v / arrivalRate) * m);
      let s;
      if (tokCount[i] > 0) {
        s = tokens[i * n + tokCount[i] - 1];
        unToken(s);
      } else {
        if (t >= warm) empty++;
        s = Math.floor(next() * n);
        if (tokAt[s] >= 0) unToken(s);
      }
      if (t >= warm) arrivals++;
      if (len[s]++ === 0) {
        busyPos[s] = nBusy;
        busy[nBusy++] = s;
      }
    } else {
      v -= arrivalRate;
      const s = busy[v | 0];
      if (--len[s] === 0) {
        const moved = busy[--nBusy];
        busy[busyPos[s]] = moved;
        busyPos[moved] = busyPos[s];
        place(s);
      }
    }
  }
  return { jobs, q0: empty / arrivals };
}
