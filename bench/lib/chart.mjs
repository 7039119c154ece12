// Horizontal bar charts as hand-written SVG markup (no dependency): a title, then panels stacked
// top to bottom, each with its legend, groups of labelled bars, value texts, a grid and an x axis.
// A bar may carry a "ghost" drawn behind it (the physical limit behind a goodput), so one row
// shows both what was reached and what was possible. Self-contained (no fonts, scripts or CSS
// files) and on a white background, so it reads the same in a browser and in GitHub's <img>,
// light or dark theme.

const FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
/** Rough advance of one character at 12px in the fonts above: for layout only. */
const CHAR_PX = 6.6;
const BAR_H = 16;
const BAR_GAP = 3;
const GROUP_GAP = 10;
const PAD = 20;

/** Colour-blind-safe (Okabe-Ito) colours, in the order series are usually given. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

export function escapeXml(text) {
  return String(text).replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]);
}

const num = (x) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

/** A step of 1, 2 or 5 times a power of ten giving about `count` ticks up to `max`. */
export function niceStep(max, count = 5) {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function textWidth(text, px = 12) {
  return String(text).length * CHAR_PX * (px / 12);
}

/**
 * chart: { title, subtitle?, footer?, width?, panels: [panel] }
 * panel: { title, note?, axisLabel, max?, format?(v) -> tick text, ghostLabel?,
 *          series: [{ key, name, color? }],
 *          groups: [{ label, bars: [{ series, value, ghost?, text?, tooltip? }] }] }
 * Values are numbers >= 0; a bar with a non-finite value is left out. Returns the SVG text.
 */
export function renderChart(chart) {
  const width = chart.width ?? 960;
  const panels = chart.panels.filter((p) => p.groups.some((g) => g.bars.some((b) => Number.isFinite(b.value))));
  const labelW = Math.min(
    340,
    Math.max(120, ...panels.flatMap((p) => p.groups.map((g) => textWidth(g.label) + 12))),
  );
  const textW = Math.min(
    260,
    Math.max(60, ...panels.flatMap((p) => p.groups.flatMap((g) => g.bars.map((b) => textWidth(b.text ?? "", 11) + 10)))),
  );
  const plotX = PAD + labelW;
  const plotW = Math.max(200, width - plotX - textW - PAD);
  const parts = [];
  let y = PAD;
  parts.push(`<text x="${PAD}" y="${y + 16}" font-size="18" font-weight="bold">${escapeXml(chart.title)}</text>`);
  y += 24;
  if (chart.subtitle) {
    for (const line of [].concat(chart.subtitle)) {
      parts.push(`<text x="${PAD}" y="${y + 13}" font-size="12" fill="#555">${escapeXml(line)}</text>`);
      y += 17;
    }
  }
  y += 8;
  for (const panel of panels) y = drawPanel(parts, panel, { y, plotX, plotW, width });
  if (chart.footer) {
    for (const line of [].concat(chart.footer)) {
      parts.push(`<text x="${PAD}" y="${y + 12}" font-size="11" fill="#666">${escapeXml(line)}</text>`);
      y += 16;
    }
  }
  const height = Math.ceil(y + PAD / 2);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(FONT)}" role="img" aria-label="${escapeXml(chart.title)}">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...parts,
    `</svg>`,
    "",
  ].join("\n");
}

function drawPanel(parts, panel, { y, plotX, plotW, width }) {
  const colors = new Map(panel.series.map((s, i) => [s.key, s.color ?? PALETTE[i % PALETTE.length]]));
  const names = new Map(panel.series.map((s) => [s.key, s.name]));
  parts.push(`<text x="${PAD}" y="${y + 14}" font-size="15" font-weight="bold">${escapeXml(panel.title)}</text>`);
  y += 20;
  if (panel.note) {
    for (const line of [].concat(panel.note)) {
      parts.push(`<text x="${PAD}" y="${y + 12}" font-size="11.5" fill="#555">${escapeXml(line)}</text>`);
      y += 16;
    }
  }
  // legend: the series that have a bar, then the ghost
  const used = panel.series.filter((s) => panel.groups.some((g) => g.bars.some((b) => b.series === s.key && Number.isFinite(b.value))));
  let lx = PAD;
  y += 4;
  const legend = used.map((s) => ({ color: colors.get(s.key), name: s.name }));
  if (panel.groups.some((g) => g.bars.some((b) => Number.isFinite(b.ghost)))) legend.push({ ghost: true, name: panel.ghostLabel ?? "limit" });
  for (const item of legend) {
    const w = 18 + textWidth(item.name, 12) + 18;
    if (lx + w > width - PAD) {
      lx = PAD;
      y += 18;
    }
    parts.push(
      item.ghost
        ? `<rect x="${lx}" y="${y}" width="12" height="12" fill="#e3e3e3" stroke="#888" stroke-dasharray="2,2"/>`
        : `<rect x="${lx}" y="${y}" width="12" height="12" fill="${item.color}"/>`,
      `<text x="${lx + 17}" y="${y + 10.5}" font-size="12">${escapeXml(item.name)}</text>`,
    );
    lx += w;
  }
  y += 24;
  const values = panel.groups.flatMap((g) => g.bars.flatMap((b) => [b.value, b.ghost])).filter(Number.isFinite);
  const max = panel.max ?? Math.max(...values, 0) * 1.05;
  const step = niceStep(max);
  const top = panel.max ?? Math.ceil(max / step) * step;
  const scale = (v) => (top > 0 ? (Math.max(0, Math.min(v, top)) / top) * plotW : 0);
  const format = panel.format ?? num;
  const plotTop = y;
  const rows = [];
  for (const group of panel.groups) {
    const bars = group.bars.filter((b) => Number.isFinite(b.value));
    if (bars.length === 0) continue;
    const h = bars.length * (BAR_H + BAR_GAP) - BAR_GAP;
    rows.push(`<text x="${plotX - 8}" y="${y + h / 2 + 4}" font-size="12" text-anchor="end">${escapeXml(group.label)}</text>`);
    for (const bar of bars) {
      const color = colors.get(bar.series) ?? "#777";
      const tip = escapeXml(bar.tooltip ?? `${group.label}: ${names.get(bar.series) ?? bar.series} ${bar.text ?? format(bar.value)}`);
      if (Number.isFinite(bar.ghost)) {
        rows.push(`<rect x="${plotX}" y="${y}" width="${scale(bar.ghost).toFixed(1)}" height="${BAR_H}" fill="#e3e3e3" stroke="#888" stroke-dasharray="2,2"><title>${tip}</title></rect>`);
      }
      const w = Math.max(1, scale(bar.value));
      rows.push(`<rect x="${plotX}" y="${y + (Number.isFinite(bar.ghost) ? 3 : 0)}" width="${w.toFixed(1)}" height="${Number.isFinite(bar.ghost) ? BAR_H - 6 : BAR_H}" fill="${color}"><title>${tip}</title></rect>`);
      const end = Math.max(w, Number.isFinite(bar.ghost) ? scale(bar.ghost) : 0);
      rows.push(`<text x="${(plotX + end + 5).toFixed(1)}" y="${y + BAR_H - 4}" font-size="11" fill="#222">${escapeXml(bar.text ?? format(bar.value))}</text>`);
      y += BAR_H + BAR_GAP;
    }
    y += GROUP_GAP - BAR_GAP;
  }
  const plotBottom = y;
  // grid and ticks first, so the bars lie on top of them
  const grid = [];
  for (let i = 0, v = 0; v <= top + step / 1e6 && i < 100; i++, v = i * step) {
    const x = plotX + scale(v);
    grid.push(`<line x1="${x.toFixed(1)}" y1="${plotTop - 4}" x2="${x.toFixed(1)}" y2="${plotBottom}" stroke="${v === 0 ? "#444" : "#e6e6e6"}" stroke-width="1"/>`);
    grid.push(`<text x="${x.toFixed(1)}" y="${plotBottom + 14}" font-size="11" text-anchor="middle" fill="#444">${escapeXml(format(v))}</text>`);
  }
  grid.push(`<line x1="${plotX}" y1="${plotBottom}" x2="${plotX + plotW}" y2="${plotBottom}" stroke="#444" stroke-width="1"/>`);
  parts.push(...grid, ...rows);
  parts.push(`<text x="${plotX + plotW / 2}" y="${plotBottom + 30}" font-size="12" text-anchor="middle" fill="#333">${escapeXml(panel.axisLabel)}</text>`);
  return plotBottom + 48;
}
