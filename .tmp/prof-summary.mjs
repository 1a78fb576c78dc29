import { readFileSync } from 'node:fs';
const prof = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas; let total = 0;
prof.samples.forEach((id, i) => { const d = dt[i] ?? 0; total += d; self.set(id, (self.get(id) ?? 0) + d); });
const agg = new Map(); const aggFile = new Map();
for (const [id, t] of self) { const n = byId.get(id); const cf = n.callFrame; const key = `${cf.functionName || '(anon)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber}`; agg.set(key, (agg.get(key) ?? 0) + t); const f = cf.url.split('/').slice(-2).join('/') || cf.functionName; aggFile.set(f, (aggFile.get(f) ?? 0) + t); }
const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([key, t]) => `${(100 * t / total).toFixed(1).padStart(5)}% ${(t / 1000).toFixed(0).padStart(6)}ms ${key}`).join('\n');
console.log('total', (total / 1e6).toFixed(2), 's');
console.log(top(aggFile, 15)); console.log('---'); console.log(top(agg, 30));
