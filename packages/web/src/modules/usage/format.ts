const usd = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const small = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', minimumFractionDigits: 4, maximumFractionDigits: 4 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

/** Dollars; amounts under a cent keep four decimals, so a test workload isn't shown as $0.00. */
export function money(n: number): string {
  return n !== 0 && Math.abs(n) < 0.01 ? small.format(n) : usd.format(n);
}

/** 1.2K, 3.4M. */
export function tokens(n: number): string {
  return compact.format(n);
}
