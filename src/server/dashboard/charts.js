// Throughput over time as an SVG bar chart: texts answered per bucket, failed attempts stacked in red.
// No library: a few dozen bars do not need one, and the page must run without a build step.
const NS = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 140;
const PAD = { left: 34, bottom: 18, top: 6 };

function svg(tag, attrs, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Draws `series` ({bucket_seconds, points: [{t, texts, calls, errors}]}) into `container`. */
export function drawThroughput(container, series) {
  container.replaceChildren();
  if (!series.points.length) {
    container.textContent = 'no calls yet';
    return;
  }
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'texts translated over time' });
  const max = Math.max(1, ...series.points.map((p) => p.texts + p.errors));
  const plotH = H - PAD.bottom - PAD.top;
  // A short job has one or two buckets: keep its bars narrow rather than filling the width.
  const step = Math.min(24, (W - PAD.left) / series.points.length);
  series.points.forEach((p, i) => {
    const x = PAD.left + i * step + 1;
    const h = (p.texts / max) * plotH;
    const e = (p.errors / max) * plotH;
    const bar = svg('rect', { class: 'texts', x, y: PAD.top + plotH - h, width: Math.max(1, step - 2), height: h });
    bar.append(svg('title', {}, `${new Date(p.t).toLocaleTimeString()}: ${p.texts} texts, ${p.calls} calls, ${p.errors} failed`));
    root.append(bar);
    if (e) root.append(svg('rect', { class: 'errors', x, y: PAD.top + plotH - h - e, width: Math.max(1, step - 2), height: e }));
  });
  root.append(svg('text', { x: 2, y: PAD.top + 8 }, String(max)));
  root.append(svg('text', { x: 2, y: PAD.top + plotH }, '0'));
  root.append(svg('text', { x: PAD.left, y: H - 4 }, new Date(series.points[0].t).toLocaleTimeString()));
  root.append(svg('text', { x: W - 60, y: H - 4 }, `per ${series.bucket_seconds} s`));
  container.append(root);
}
