import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { UsageSummaryRow } from '@paddock/protocol';
import type { Period } from '../../api/usage';
import { money } from './format';

const DAY_MS = 24 * 60 * 60_000;

/** Every UTC day of the period, with the day's spend and savings (0 for a day without calls, so gaps read as quiet days). */
function series(rows: UsageSummaryRow[], period: Period) {
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const out: Array<{ day: string; spend: number; saved: number; calls: number }> = [];
  for (let t = Date.parse(period.from.slice(0, 10)); t <= Date.parse(period.to); t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    const r = byKey.get(day);
    out.push({ day, spend: r?.costUsd ?? 0, saved: r?.savedUsd ?? 0, calls: r?.requests ?? 0 });
  }
  return out;
}

/** Spend per day as bars, cache savings as a line (recharts; loaded with this page only). */
export function SpendChart({ rows, period }: { rows: UsageSummaryRow[]; period: Period }) {
  const data = series(rows, period);
  return (
    <div className="h-64 w-full" data-testid="spend-chart" role="img" aria-label={`Spend per day: ${data.filter((d) => d.calls).length} days with model calls`}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid stroke="#e4e4e7" vertical={false} />
          <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} tick={{ fontSize: 12, fill: '#71717a' }} tickLine={false} axisLine={false} minTickGap={16} />
          <YAxis tickFormatter={(n: number) => money(n)} tick={{ fontSize: 12, fill: '#71717a' }} tickLine={false} axisLine={false} width={72} />
          <Tooltip formatter={(value, name) => [money(Number(value)), name === 'spend' ? 'Spend' : 'Saved by the cache']} labelFormatter={(d) => String(d)} />
          <Legend formatter={(name: string) => (name === 'spend' ? 'Spend' : 'Saved by the cache')} />
          <Bar dataKey="spend" fill="#18181b" radius={[3, 3, 0, 0]} maxBarSize={28} />
          <Line dataKey="saved" stroke="#059669" strokeWidth={2} dot={false} type="monotone" />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
