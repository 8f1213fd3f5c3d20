// A dependency-free dashboard: one page that reads the query API. The key is typed into the
// page and kept in sessionStorage (gone when the tab closes), never read from the URL, where it
// would land in browser history, proxy logs and Referer headers.
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aiops</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#0f1115;color:#e6e6e6}
header{padding:12px 20px;background:#171a21;border-bottom:1px solid #262b36;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
form{display:flex;gap:16px;margin:0}
main{display:grid;grid-template-columns:minmax(320px,1fr) 2fr;gap:16px;padding:16px}
.card{background:#171a21;border:1px solid #262b36;border-radius:8px;padding:12px}
.inc{cursor:pointer;padding:8px;border-radius:6px}.inc:hover{background:#202532}
.open{color:#ff7b72}.resolved{color:#7ee787}code{color:#a5d6ff}
table{border-collapse:collapse;width:100%}td,th{padding:4px 6px;border-bottom:1px solid #262b36;text-align:left;vertical-align:top}
input,select,button{background:#0f1115;color:#e6e6e6;border:1px solid #262b36;border-radius:4px;padding:4px 8px}
</style></head><body>
<header><b>aiops</b><label>status <select id="status"><option value="">any</option><option>open</option><option>resolved</option></select></label>
<label>service <input id="service" placeholder="any"></label>
<form id="login" onsubmit="return false"><label>key <input id="key" type="password" autocomplete="current-password" placeholder="API key"></label>
<label>tenant <input id="tenant" placeholder="the key's"></label></form><button id="go">refresh</button><button id="topo">topology</button><span id="err" class="open"></span></header>
<main><section class="card"><h3>Incidents</h3><div id="list"></div><button id="more" hidden>more</button></section>
<section class="card"><div id="detail">Select an incident.</div></section></main>
<script>
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
// Old links carried ?key=: drop it from the address bar and history without using it.
if (new URLSearchParams(location.search).has('key')) history.replaceState(null, '', location.pathname);
$('key').value = sessionStorage.getItem('aiops.key') || '';
$('tenant').value = sessionStorage.getItem('aiops.tenant') || '';
function headers() {
  const h = {};
  const key = $('key').value.trim(), tenant = $('tenant').value.trim();
  sessionStorage.setItem('aiops.key', key); sessionStorage.setItem('aiops.tenant', tenant);
  if (key) h.authorization = 'Bearer ' + key;
  if (tenant) h['x-scope-orgid'] = tenant;
  return h;
}
let cursor;
async function get(path) {
  const r = await fetch(path, { headers: headers() });
  if (r.status === 401) $('key').focus();
  if (!r.ok) throw new Error((await r.json()).message);
  return r.json();
}
async function load(reset) {
  try {
    $('err').textContent = '';
    if (reset) { cursor = undefined; $('list').innerHTML = ''; }
    const p = new URLSearchParams({ limit: '25' });
    if ($('status').value) p.set('status', $('status').value);
    if ($('service').value) p.set('service', $('service').value);
    if (cursor) p.set('cursor', cursor);
    const page = await get('/v1/incidents?' + p);
    for (const i of page.items) {
      const d = document.createElement('div'); d.className = 'inc';
      d.innerHTML = '<span class="' + i.status + '">' + i.status + '</span> ' + esc(i.title) + '<br><small>' + new Date(i.openedAt).toISOString() + ' · ' + i.anomalyCount + ' anomaly episodes</small>';
      d.onclick = () => show(i.id).catch((e) => { $('err').textContent = e.message; }); $('list').appendChild(d);
    }
    cursor = page.nextCursor; $('more').hidden = !cursor;
  } catch (e) { $('err').textContent = e.message; }
}
async function show(id) {
  const { incident: i, anomalies } = await get('/v1/incidents/' + encodeURIComponent(id));
  const rc = i.rootCauses.map((c) => '<tr><td>' + c.rank + '</td><td><b>' + esc(c.service) + '</b><br><small>score ' + c.score + '</small></td><td>' + esc(c.path.join(' → ')) + '<ul>' + c.reasons.map((r) => '<li>' + esc(r) + '</li>').join('') + '</ul></td></tr>').join('');
  const an = anomalies.slice(0, 50).map((a) => '<tr><td>' + new Date(a.ts).toISOString() + '</td><td>' + esc(a.service) + '</td><td><code>' + esc(a.subject) + '</code></td><td>' + a.observed.toFixed(2) + ' vs ' + a.expected.toFixed(2) + ' [' + a.lower.toFixed(2) + ', ' + a.upper.toFixed(2) + ']</td><td>' + a.score.toFixed(3) + '</td></tr>').join('');
  $('detail').innerHTML = '<h3>' + esc(i.title) + '</h3><p>Affected: ' + esc(i.services.join(', ')) + '<br>User-facing: ' + esc(i.userFacing.join(', ') || 'none') + '</p>' +
    '<h4>Probable root causes</h4><table><tr><th>#</th><th>service</th><th>evidence</th></tr>' + rc + '</table>' +
    '<h4>Anomaly episodes (' + i.anomalyCount + ')</h4><table><tr><th>time</th><th>service</th><th>signal</th><th>observed vs expected [band]</th><th>score</th></tr>' + an + '</table>';
}
async function showTopology() {
  try {
    const t = await get('/v1/topology');
    if (!t || (t.services.length === 0 && t.edges.length === 0)) { $('detail').innerHTML = '<h3>Topology</h3><p>No topology yet: set AIOPS_TOPOLOGY_FILE, or send traces (OTLP /v1/traces) or service-graph metrics.</p>'; return; }
    const owner = new Map(t.services.map((s) => [s.name, s]));
    const who = (n) => { const s = owner.get(n); return s && (s.team || s.owner) ? ' <small>(' + esc([s.team, s.owner].filter(Boolean).join(', ')) + ')</small>' : ''; };
    const rows = t.edges.slice().sort((a, b) => (a.from + a.to).localeCompare(b.from + b.to)).map((e) => '<tr><td>' + esc(e.from) + who(e.from) + '</td><td>' + esc(e.to) + who(e.to) + '</td><td>' + esc(e.source || 'config') + '</td><td>' + (e.lastSeenAt ? new Date(e.lastSeenAt).toISOString() : '') + '</td></tr>').join('');
    $('detail').innerHTML = '<h3>Topology (version ' + t.version + ')</h3><p>' + t.services.length + ' declared services, ' + t.edges.length + ' calls; learned calls come from trace spans and metric labels.</p>' +
      '<table><tr><th>caller</th><th>callee</th><th>source</th><th>last seen</th></tr>' + rows + '</table>';
  } catch (e) { $('err').textContent = e.message; }
}
$('topo').onclick = showTopology;
$('key').onchange = $('tenant').onchange = () => load(true);
$('go').onclick = () => load(true); $('more').onclick = () => load(false); load(true);
</script></body></html>`;
