// A small app backed by a database file (data.json in /workspace), on 127.0.0.1:3000.
// Its data-source credential arrives as the environment variable DATA_SOURCE_TOKEN,
// a blueprint secret: it is never written into the workspace's files.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const token = process.env.DATA_SOURCE_TOKEN;
const dbFile = new URL('./data.json', `file://${process.cwd()}/`);
const load = () => JSON.parse(readFileSync(dbFile, 'utf8'));
const save = (db) => writeFileSync(dbFile, `${JSON.stringify(db, null, 2)}\n`);
const escape = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

console.log(token ? `data source: token present (…${token.slice(-4)})` : 'data source: DATA_SOURCE_TOKEN is not set');

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'GET' && url.pathname === '/api/expenses') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(load().expenses));
    return;
  }
  if (req.method === 'POST' && url.pathname === '/api/expenses') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const db = load();
      const item = { id: Math.max(0, ...db.expenses.map((e) => e.id)) + 1, ...JSON.parse(body || '{}') };
      db.expenses.push(item);
      save(db);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(item));
    });
    return;
  }
  const { expenses } = load();
  const total = expenses.reduce((sum, e) => sum + Number(e.amount), 0);
  const rows = expenses.map((e) => `<tr><td>${escape(e.date)}</td><td>${escape(e.category)}</td><td>${Number(e.amount).toFixed(2)}</td></tr>`).join('');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><meta charset="utf-8"><title>Expenses</title>
<body style="font-family:system-ui;max-width:40rem;margin:3rem auto">
<h1>Expenses</h1><p>Data source: ${token ? 'connected' : 'no credential (set DATA_SOURCE_TOKEN on the blueprint)'}</p>
<table border="1" cellpadding="6"><tr><th>Date</th><th>Category</th><th>Amount</th></tr>${rows}</table>
<p>Total: ${total.toFixed(2)}</p></body>`);
}).listen(port, '127.0.0.1', () => console.log(`expenses app on http://127.0.0.1:${port}`));
