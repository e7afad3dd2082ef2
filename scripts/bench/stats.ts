export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samples: number[]): { p50: number; p95: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    mean: round(sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length)),
  };
}

/** A horizontal bar chart as SVG (no dependencies): one group per label, one bar per series. */
export function barChartSvg(
  title: string,
  unit: string,
  groups: { label: string; values: { series: string; value: number }[] }[],
): string {
  const colors = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1"];
  const series = [...new Set(groups.flatMap((g) => g.values.map((v) => v.series)))];
  const max = Math.max(...groups.flatMap((g) => g.values.map((v) => v.value)), 1e-9);
  const barH = 14;
  const labelW = 190;
  const chartW = 420;
  let y = 40;
  const rows: string[] = [];
  for (const g of groups) {
    rows.push(`<text x="8" y="${y + barH}" font-size="12">${g.label}</text>`);
    for (const v of g.values) {
      const w = Math.max(1, (v.value / max) * chartW);
      const color = colors[series.indexOf(v.series) % colors.length];
      rows.push(
        `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${color}"/>`,
      );
      rows.push(`<text x="${labelW + w + 4}" y="${y + barH - 3}" font-size="10">${v.value} ${unit}</text>`);
      y += barH;
    }
    y += 8;
  }
  const legend = series.map(
    (s, i) =>
      `<rect x="${labelW + i * 110}" y="${y + 4}" width="10" height="10" fill="${colors[i % colors.length]}"/><text x="${labelW + i * 110 + 14}" y="${y + 13}" font-size="11">${s}</text>`,
  );
  const height = y + 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + chartW + 90}" height="${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="8" y="22" font-size="14" font-weight="bold">${title}</text>${rows.join("")}${legend.join("")}</svg>\n`;
}

/** RSS after collecting what earlier work left behind (needs --expose-gc to collect). */
export async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage().rss;
}
