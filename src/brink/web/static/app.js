// brink workbench: one page over the /api of `brink serve`. No external requests.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const $ = (id) => document.getElementById(id);
const state = { baseline: null, ranges: {}, levers: {}, controls: [], whatifKey: null, pending: null, busy: false };
window.brink = { whatifTimings: [] };

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
function pct(p) { return p === null || p === undefined ? "n/a" : (p > 0 && p < 0.0005 ? "<0.1%" : (100 * p).toFixed(1) + "%"); }
function num(v) { return v === null || v === undefined ? "n/a" : (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : (+v.toFixed(4)).toString()); }

async function api(method, path, body) {
  const headers = { "content-type": "application/json" };
  if (token) headers["x-brink-token"] = token;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await res.json(); } catch (e) { data = { error: res.statusText }; }
  if (!res.ok) {
    const err = new Error((data && (data.error || data.detail)) || res.statusText);
    err.data = data; err.status = res.status;
    throw err;
  }
  return data;
}
function withToken(path) { return token ? path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : path; }

// Every request states every setting the page shows: the server refuses one that leaves any out.
function solverRef() {
  const lam = parseFloat($("lam").value);
  return { solver: $("solver").value || "auto", lam: lam > 0 && $("lam").disabled === false ? lam : null };
}
function scenarioRef() { return Object.assign({ text: $("editor").value }, solverRef()); }
function solverWords(s) { return s.solver + (s.lambda !== null && s.lambda !== undefined ? ` (λ = ${s.lambda})` : ""); }
async function loadSolvers() {
  const h = await api("GET", "/api/health");
  $("solver").innerHTML = h.solvers.map((s) => `<option value="${esc(s.name)}" title="${esc(s.description)}" data-lambda="${s.lambda}">${esc(s.name)}</option>`).join("");
  const sync = () => { const o = $("solver").selectedOptions[0]; $("lam").disabled = !o || o.dataset.lambda !== "true"; state.whatifKey = null; outcomesKey = null; };
  $("solver").addEventListener("change", sync);
  sync();
}
function setStatus(id, text, error) { const el = $(id); el.textContent = text; el.classList.toggle("error", !!error); }

// ---- tabs ------------------------------------------------------------------------------
document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => {
  document.querySelectorAll("#tabs button").forEach((x) => x.classList.toggle("active", x === b));
  document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t.id === "tab-" + b.dataset.tab));
  window.dispatchEvent(new Event("resize"));
}));

// ---- scenario library and editor -----------------------------------------------------------
async function loadLibrary() {
  const list = await api("GET", "/api/scenarios");
  for (const sel of [$("library"), $("compare-b")]) {
    sel.innerHTML = list.map((s) => `<option value="${esc(s.name)}">${esc(s.name)}${s.title ? " — " + esc(s.title) : ""}</option>`).join("");
  }
  $("compare-b").insertAdjacentHTML("afterbegin", '<option value="" selected>A itself, with the changes below</option>');
  const start = list.find((s) => s.name === "ukraine-2022") || list[0];
  if (start) { $("library").value = start.name; await openScenario(start.name); }
}
let openSeq = 0, validateSeq = 0;
async function openScenario(name) {
  const n = ++openSeq;
  const s = await api("GET", "/api/scenarios/" + encodeURIComponent(name));
  if (n !== openSeq) return;  // a later Open won: its text stays
  $("editor").value = s.text;
  state.whatifKey = null;
  await validate();
}
let helpIndex = {};
async function loadHelp() { helpIndex = await api("GET", "/api/help"); }
async function validate(strict) {
  setStatus("validate-status", strict ? "checking strictly (solves the scenario's variants)…" : "checking…");
  const n = ++validateSeq;
  const r = await api("POST", "/api/validate", { text: $("editor").value, strict: !!strict });
  if (n !== validateSeq) return r;  // the text changed since: a later check reports
  const ul = $("errors");
  ul.innerHTML = "";
  markLines(r.errors, r.warnings);
  if (r.ok) {
    setStatus("validate-status", `valid: ${r.name} (template ${r.template}, ${r.uncertainties} uncertain parameters, levers: ${r.levers.join(", ") || "none"})` + (strict ? `; ${r.warnings.length} warning(s)` : ""));
    $("scenario-name").textContent = r.title || r.name;
    for (const w of r.warnings) {
      const li = document.createElement("li");
      li.className = "warning";
      li.dataset.line = w.line ?? "";
      li.textContent = "warning: " + (w.line ? `line ${w.line}: ` : "") + w.message;
      li.addEventListener("click", () => { if (w.line) goToLine(w.line); });
      ul.appendChild(li);
    }
  } else {
    setStatus("validate-status", `${r.errors.length} problem(s)`, true);
    for (const e of r.errors) {
      const li = document.createElement("li");
      li.className = "error";
      li.dataset.line = e.line ?? "";
      li.textContent = (e.line ? `line ${e.line}, column ${e.col}: ` : "") + e.message;
      li.addEventListener("click", () => { if (e.line) goToLine(e.line); });
      ul.appendChild(li);
    }
  }
  return r;
}
// ---- the gutter: line numbers, with the lines of errors (red) and warnings (yellow) marked ----
let marks = {};
function renderGutter() {
  const n = $("editor").value.split("\n").length;
  const out = [];
  for (let i = 1; i <= n; i++) out.push(marks[i] ? `<span class="${marks[i]}" title="see the list below">${i}</span>` : String(i));
  $("gutter").innerHTML = out.join("\n") + "\n";
  $("gutter").scrollTop = $("editor").scrollTop;
}
function markLines(errors, warnings) {
  marks = {};
  for (const w of warnings || []) if (w.line) marks[w.line] = "warn";
  for (const e of errors || []) if (e.line) marks[e.line] = "bad";
  renderGutter();
}
$("editor").addEventListener("scroll", () => { $("gutter").scrollTop = $("editor").scrollTop; });
function goToLine(line) {
  const ed = $("editor");
  const lines = ed.value.split("\n");
  let pos = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
  ed.focus();
  ed.setSelectionRange(pos, pos + (lines[line - 1] || "").length);
  ed.scrollTop = Math.max(0, (line - 5) * 18);
  $("gutter").scrollTop = ed.scrollTop;
}
function showHelp() {
  const ed = $("editor");
  const before = ed.value.slice(0, ed.selectionStart);
  const line = before.split("\n").pop() + ed.value.slice(ed.selectionStart).split("\n")[0];
  const m = line.match(/^\s*-?\s*([A-Za-z_][\w.\-]*)\s*:/);
  const out = $("help-text");
  if (!m) { out.textContent = ""; return; }
  const text = helpIndex[m[1]];
  out.innerHTML = `<b>${esc(m[1])}</b><p>${text ? esc(text) : "no description"}</p>`;
}
$("editor").addEventListener("keyup", showHelp);
$("editor").addEventListener("click", showHelp);
let checkTimer = null;
$("editor").addEventListener("input", () => { renderGutter(); state.whatifKey = null; clearTimeout(checkTimer); checkTimer = setTimeout(() => validate().catch(showError("validate-status")), 600); });
$("load-btn").addEventListener("click", () => openScenario($("library").value).catch(showError("validate-status")));
$("validate-btn").addEventListener("click", () => validate().catch(showError("validate-status")));
$("strict-btn").addEventListener("click", () => validate(true).catch(showError("validate-status")));
$("download-btn").addEventListener("click", () => {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([$("editor").value], { type: "text/yaml" }));
  a.download = ($("scenario-name").textContent || "scenario").replace(/[^\w.-]+/g, "-") + ".yaml";
  a.click();
});
function showError(id) { return (e) => setStatus(id, e.message, true); }

// ---- jobs ------------------------------------------------------------------------------------
async function poll(job, progressId, statusId) {
  while (job.status === "running") {
    await new Promise((r) => setTimeout(r, 250));
    job = await api("GET", "/api/jobs/" + job.id);
    if (progressId && job.total) { $(progressId).max = job.total; $(progressId).value = job.done; }
    if (statusId) setStatus(statusId, job.total ? `${job.done.toLocaleString()} of ${job.total.toLocaleString()} ${job.unit}, ${job.seconds.toFixed(1)} s` : `running, ${job.seconds.toFixed(1)} s`);
  }
  if (job.status === "failed") throw new Error(job.error);
  if (progressId) { $(progressId).max = 1; $(progressId).value = 1; }
  return job;
}
function plot(id, fig) {
  const layout = Object.assign({}, fig.layout || {}, { autosize: true });
  return Plotly.react($(id), fig.data || [], layout, { displaylogo: false, responsive: true });
}
function table(id, head, rows) {
  $(id).innerHTML = "<tr>" + head.map((h) => `<th>${esc(h)}</th>`).join("") + "</tr>" +
    rows.map((r) => "<tr>" + r.map((c) => `<td>${esc(c)}</td>`).join("") + "</tr>").join("");
}

// ---- run ---------------------------------------------------------------------------------------
$("run-btn").addEventListener("click", async () => {
  try {
    setStatus("run-status", "starting…");
    let job = await api("POST", "/api/runs", Object.assign(scenarioRef(), { samples: +$("run-samples").value, seed: +$("run-seed").value }));
    job = await poll(job, "run-progress", "run-status");
    const r = job.result;
    setStatus("run-status", `${r.samples.toLocaleString()} samples in ${job.seconds.toFixed(1)} s; stored as run ${r.run_id}` + (r.failed ? `; ${r.failed} failed` : ""));
    $("run-headline").innerHTML = (r.headline || []).map((line) => `<p${line.startsWith("note:") ? ' class="note"' : ""}>${esc(line)}</p>`).join("");
    await plot("run-chart", r.figure);
    $("run-paths").innerHTML = (r.paths || []).slice(0, 5).map((p, i) =>
      `<li>${pct(p.share)} of samples: ${esc((r.words[i] || []).join("; then "))}</li>`).join("");
    const meaning = (k) => (r.measures || {})[k] || { unit: "", meaning: "" };
    table("run-metrics", ["metric", "mean", "95% low", "95% high", "unit", "meaning"], Object.entries(r.metrics || {}).map(([k, m]) => [k, num(m.mean), num(m.ci95[0]), num(m.ci95[1]), meaning(k).unit, meaning(k).meaning]));
  } catch (e) { setStatus("run-status", e.message, true); }
});

// ---- what-if ---------------------------------------------------------------------------------
function whatifBody() {
  return Object.assign(scenarioRef(), { samples: +$("whatif-samples").value, seed: +$("whatif-seed").value, ranges: state.ranges, levers: state.levers });
}
function renderControls(controls) {
  const box = $("whatif-controls");
  box.innerHTML = "";
  const levers = controls.filter((c) => c.kind === "lever"), uncertain = controls.filter((c) => c.kind !== "lever");
  for (const c of [...levers, ...uncertain]) {
    if (c === levers[0]) box.insertAdjacentHTML("beforeend", `<h4>Levers (${levers.length})</h4>`);
    if (c === uncertain[0]) box.insertAdjacentHTML("beforeend", `<h4>Uncertainties (${uncertain.length})</h4>`);
    const div = document.createElement("div");
    div.className = "control";
    if (c.kind === "lever") {
      div.innerHTML = `<div><span class="name">${esc(c.name)}</span> (lever)</div>`;
      const sel = document.createElement("select");
      sel.dataset.name = c.name;
      sel.innerHTML = `<option value="" selected>as written${c.default !== null && c.default !== undefined ? " (" + esc(c.default) + ")" : ""}</option>` +
        c.options.map((o) => `<option value="${esc(o)}">${esc(o)}</option>`).join("");
      if (c.name in state.levers) sel.value = String(state.levers[c.name]);
      sel.addEventListener("change", () => {
        if (sel.value === "") delete state.levers[c.name];
        else state.levers[c.name] = typeof c.options[0] === "number" ? +sel.value : sel.value;
        requestWhatIf();
      });
      div.appendChild(sel);
    } else {
      div.innerHTML = `<div><span class="name">${esc(c.name)}</span> <span class="muted">${esc(c.spec)}</span> <span class="value"></span></div>`;
      const lo = document.createElement("input"), hi = document.createElement("input");
      const kept = state.ranges[c.name];
      for (const [el, end, v] of [[lo, "low", kept ? kept[0] : c.low], [hi, "high", kept ? kept[1] : c.high]]) {
        Object.assign(el, { type: "range", min: c.low, max: c.high, step: "any", value: v });
        el.dataset.name = c.name; el.dataset.end = end;
        el.setAttribute("aria-label", `${c.name} ${end}`);
        div.appendChild(el);
      }
      const show = () => {
        let a = +lo.value, b = +hi.value;
        if (a > b) { if (document.activeElement === lo) hi.value = a; else lo.value = b; a = +lo.value; b = +hi.value; }
        div.querySelector(".value").textContent = a === b ? `pinned at ${num(a)}` : `[${num(a)}, ${num(b)}]`;
        return [a, b];
      };
      // the browser rounds a slider's value: within a millionth of the range an end is the end
      const eps = 1e-6 * (c.high - c.low);
      const change = () => {
        const [a, b] = show();
        if (a <= c.low + eps && b >= c.high - eps) delete state.ranges[c.name];
        else state.ranges[c.name] = [Math.max(a, c.low), Math.min(b, c.high)];
        requestWhatIf();
      };
      lo.addEventListener("input", change); hi.addEventListener("input", change);
      show();
    }
    box.appendChild(div);
  }
}
function requestWhatIf() {
  state.pending = performance.now();
  if (!state.busy) runWhatIf();
}
//: Samples of the preview drawn first when a what-if has more (the same draw's first samples).
const PREVIEW = 1000;
async function runWhatIf() {
  state.busy = true;
  while (state.pending !== null) {
    const t0 = state.pending;
    state.pending = null;
    try {
      const body = whatifBody();
      const timing = { samples: body.samples };
      if (body.samples > PREVIEW) {
        const p = await api("POST", "/api/whatif", Object.assign({}, body, { first: PREVIEW }));
        if (state.pending !== null) continue;  // a newer change came in: answer that one
        await drawWhatIf(p, `preview: ${PREVIEW.toLocaleString()} of ${body.samples.toLocaleString()} samples`);
        timing.preview_ms = performance.now() - t0;
        setStatus("whatif-status", `preview of ${PREVIEW.toLocaleString()} samples redrawn ${timing.preview_ms.toFixed(0)} ms after the change; solving all ${body.samples.toLocaleString()}…`);
      }
      const r = await api("POST", "/api/whatif", body);
      if (state.pending !== null) continue;
      await drawWhatIf(r);
      timing.server_ms = 1000 * r.seconds;
      timing.total_ms = performance.now() - t0;
      window.brink.whatifTimings.push(timing);
      setStatus("whatif-status", `${r.samples.toLocaleString()} samples: solved in ${timing.server_ms.toFixed(0)} ms, redrawn ${timing.total_ms.toFixed(0)} ms after the change` +
        (timing.preview_ms ? ` (preview after ${timing.preview_ms.toFixed(0)} ms)` : "") + (r.failed ? `; ${r.failed} failed` : ""));
    } catch (e) { setStatus("whatif-status", e.message, true); }
  }
  state.busy = false;
}
async function drawWhatIf(r, preview) {
  // the endings first, then the rungs reached; declared.* are the scenario's inputs, not outcomes
  const all = Object.keys(r.outcomes).filter((k) => !k.startsWith("declared."));
  const names = [...all.filter((k) => !k.startsWith("rung.")), ...all.filter((k) => k.startsWith("rung."))];
  const base = state.baseline;
  const bar = (res, name, colour) => ({
    type: "bar", orientation: "h", name, y: names, x: names.map((k) => res.outcomes[k].mean),
    error_x: { type: "data", symmetric: false, array: names.map((k) => (res.outcomes[k].high ?? 0) - (res.outcomes[k].mean ?? 0)), arrayminus: names.map((k) => (res.outcomes[k].mean ?? 0) - (res.outcomes[k].low ?? 0)) },
    marker: { color: colour },
  });
  const data = [bar(base, "as written", "#B0B0B0"), bar(r, preview ? "what-if (" + preview + ")" : "what-if", preview ? "#56B4E9" : "#0072B2")];
  await Plotly.react($("whatif-chart"), data, {
    title: { text: "Outcome probabilities (95% intervals)" }, barmode: "group", height: Math.max(360, 28 * names.length + 120),
    xaxis: { range: [0, 1], tickformat: ".0%" }, yaxis: { autorange: "reversed", automargin: true }, margin: { l: 200 },
  }, { displaylogo: false, responsive: true });
  $("whatif-paths").innerHTML = (r.paths || []).map((p) => `<li>${pct(p.share)}: ${esc(p.words.join("; then "))}</li>`).join("");
}
// keep: a new sample count keeps every slider and lever as set (Reset and Start clear them)
async function startWhatIf(keep) {
  if (keep !== true) { state.ranges = {}; state.levers = {}; }
  setStatus("whatif-status", "drawing the samples and solving…");
  try {
    const r = await api("POST", "/api/whatif", Object.assign(whatifBody(), { ranges: {}, levers: {} }));
    state.baseline = r; state.controls = r.controls;
    const names = new Set(r.controls.map((c) => c.name));
    for (const k of Object.keys(state.ranges)) if (!names.has(k)) delete state.ranges[k];
    for (const k of Object.keys(state.levers)) if (!names.has(k)) delete state.levers[k];
    renderControls(r.controls);
    await drawWhatIf(r);
    setStatus("whatif-status", `${r.samples.toLocaleString()} samples solved in ${(1000 * r.seconds).toFixed(0)} ms; move a slider`);
    if (Object.keys(state.ranges).length || Object.keys(state.levers).length) requestWhatIf();
  } catch (e) { setStatus("whatif-status", e.message, true); }
}
$("whatif-start").addEventListener("click", () => startWhatIf(false));
$("whatif-reset").addEventListener("click", () => startWhatIf(false));
$("whatif-samples").addEventListener("change", () => startWhatIf(true));

// ---- tree ----------------------------------------------------------------------------------------
function fmtPay(v) { return (+v.toFixed(3)).toString(); }
function treeNode(n, players) {
  const set = n.infoset ? ` <span class="infoset${n.infoset.size > 1 ? " infoset-shared" : ""}" title="${n.infoset.size > 1 ? "information set of " + n.infoset.size + " nodes: the mover cannot tell them apart" : "information set of one node"}">[${esc(n.infoset.label)}${n.infoset.size > 1 ? ", " + n.infoset.size + " nodes" : ""}]</span>` : "";
  const edge = n.action ? `${esc(n.action)}${n.prob !== null && n.prob !== undefined ? ` <span class="prob">p=${num(n.prob)}</span>` : ""} → ` : "";
  const pay = n.payoffs ? ` <span class="payoffs">(${n.payoffs.map((v, i) => esc(players[i] || "") + " " + fmtPay(v)).join(", ")})</span>` : "";
  const label = `${edge}<span class="who">${esc(n.who)}</span>${n.kind === "decision" ? " chooses" : n.kind === "chance" ? " draws" : ""}${set}${pay} <span class="reach">(reached ${pct(n.reach)}; mean ${pct(n.mean_reach)})</span>` +
    (n.folded ? ` <span class="folded">+${n.folded} branch${n.folded > 1 ? "es" : ""} never reached</span>` : "");
  const li = document.createElement("li");
  li.dataset.node = n.id;
  if (n.on_path) li.classList.add("on-path");
  if (!n.children.length) { li.innerHTML = `<span>${label}</span>`; return li; }
  const det = document.createElement("details");
  if (n.on_path) { det.open = true; det.classList.add("on-path"); }
  det.innerHTML = `<summary>${label}</summary>`;
  const ul = document.createElement("ul");
  for (const c of n.children) ul.appendChild(treeNode(c, players));
  det.appendChild(ul);
  li.appendChild(det);
  return li;
}
// the what-if's levers apply to the tree only when the box is ticked, and the page says which
function treeBody() {
  const levers = $("tree-levers").checked ? state.levers : {};
  return Object.assign(scenarioRef(), { seed: +$("tree-seed").value, sample: +$("tree-sample").value, levers });
}
function showTreeLevers() {
  const l = Object.entries(state.levers);
  $("tree-levers-list").textContent = l.length ? "(" + l.map(([k, v]) => `${k}=${v}`).join(", ") + ")" : "(none set)";
}
document.querySelector('#tabs button[data-tab="tree"]').addEventListener("click", showTreeLevers);
$("tree-btn").addEventListener("click", async () => {
  setStatus("tree-status", "solving…");
  try {
    const body = treeBody();
    const t = await api("POST", "/api/tree", body);
    const ul = document.createElement("ul");
    ul.appendChild(treeNode(t.root, t.players));
    $("tree").innerHTML = "";
    $("tree").appendChild(ul);
    window.brink.tree = t;
    const lev = Object.entries(t.levers || {});
    $("tree-path").innerHTML = `Equilibrium path of sample ${t.sample} (${esc(solverWords({ solver: t.solver, lambda: t.lam }))}): <b>${esc(t.path.join(" > "))}</b>; expected payoffs ${t.payoffs ? t.payoffs.map((v, i) => esc(t.players[i]) + " " + fmtPay(v)).join(", ") : "n/a"}; levers: ${lev.length ? esc(lev.map(([k, v]) => `${k}=${v}`).join(", ")) : "as written"}.`;
    setStatus("tree-status", `${t.nodes.toLocaleString()} reachable nodes shown of ${t.total.toLocaleString()}; players: ${t.players.join(", ")}`);
  } catch (e) { setStatus("tree-status", e.message, true); }
});
$("tree-efg").addEventListener("click", async () => {
  try {
    const headers = { "content-type": "application/json" };
    if (token) headers["x-brink-token"] = token;
    const res = await fetch("/api/tree.efg", { method: "POST", headers, body: JSON.stringify(treeBody()) });
    if (!res.ok) throw new Error((await res.json()).error || res.statusText);
    const text = await res.text();
    window.brink.efg = text;
    const name = (res.headers.get("content-disposition") || "").match(/filename="([^"]+)"/);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    a.download = name ? name[1] : "game.efg";
    a.click();
    setStatus("tree-status", `downloaded ${a.download} (${text.length.toLocaleString()} characters)`);
  } catch (e) { setStatus("tree-status", e.message, true); }
});
$("tree-expand").addEventListener("click", () => document.querySelectorAll("#tree details").forEach((d) => { d.open = true; }));
$("tree-collapse").addEventListener("click", () => document.querySelectorAll("#tree details").forEach((d) => { d.open = false; }));

// ---- analyses ------------------------------------------------------------------------------
// The outcome menu offers only outcomes that vary across samples (on a small draw of the same
// scenario, seed and solver): a flat one has nothing for Sobol' or PRIM to explain.
let outcomesKey = null, outcomeStats = {};
async function loadOutcomes() {
  const body = Object.assign(scenarioRef(), { seed: +$("analysis-seed").value, samples: 256 });
  const key = JSON.stringify(body);
  if (key === outcomesKey) return;
  const sel = $("analysis-outcome");
  const chosen = sel.value;
  sel.innerHTML = `<option value="${esc(chosen)}">…</option>`;
  const r = await api("POST", "/api/outcomes", body);
  outcomesKey = key;
  outcomeStats = Object.fromEntries(r.outcomes.map((o) => [o.name, o]));
  const vary = r.outcomes.filter((o) => o.varies && !o.name.startsWith("declared."));
  const flat = r.outcomes.filter((o) => !o.varies).map((o) => o.name);
  sel.innerHTML = vary.map((o) => `<option value="${esc(o.name)}">${esc(o.name)} (mean ${pct(o.mean)}, ${pct(o.min)} to ${pct(o.max)})</option>`).join("");
  sel.title = flat.length ? `left out, the same in every one of ${r.samples} samples: ${flat.join(", ")}` : "every outcome varies";
  if (!vary.length) setStatus("analysis-status", `no outcome varies across ${r.samples} samples under ${r.solver}: nothing to explain`, true);
  // the outcome chosen (and its threshold) stay when it still varies
  if (vary.some((o) => o.name === chosen)) sel.value = chosen;
  else setThreshold();
}
// the threshold starts at the outcome's median on the small draw, so samples fall on both sides
function setThreshold() {
  const o = outcomeStats[$("analysis-outcome").value];
  if (o) $("analysis-threshold").value = (+o.median.toFixed(2) > o.min && +o.median.toFixed(2) < o.max ? +o.median.toFixed(2) : +((o.min + o.max) / 2).toFixed(2));
}
$("analysis-outcome").addEventListener("change", setThreshold);
function showAnalysisSettings() {
  const kind = $("analysis-kind").value;
  document.querySelectorAll("#tab-analyses [data-kinds]").forEach((el) => { el.style.display = el.dataset.kinds.split(" ").includes(kind) ? "" : "none"; });
  $("analysis-outcome").parentElement.style.display = kind === "simulate" ? "none" : "";
}
$("analysis-kind").addEventListener("change", showAnalysisSettings);
showAnalysisSettings();
document.querySelector('#tabs button[data-tab="analyses"]').addEventListener("click", () => loadOutcomes().catch(showError("analysis-status")));
$("analysis-seed").addEventListener("change", () => loadOutcomes().catch(showError("analysis-status")));
//: The settings each kind of analysis sends (the server's ANALYSIS_NEEDS), all read from the page.
function analysisBody(kind) {
  const body = Object.assign(scenarioRef(), { kind, seed: +$("analysis-seed").value });
  if (kind !== "simulate") body.outcome = $("analysis-outcome").value;
  if (kind === "sensitivity") body.base_samples = +$("analysis-base").value;
  else body.samples = +$("analysis-samples").value;
  if (kind === "discovery") { body.threshold = +$("analysis-threshold").value; body.direction = $("analysis-direction").value; }
  if (kind === "policies") body.minimize = $("analysis-goal").value === "minimize";
  return body;
}
$("analysis-btn").addEventListener("click", async () => {
  const kind = $("analysis-kind").value;
  $("prim-steps").innerHTML = ""; $("analysis-extra").innerHTML = ""; $("analysis-table").innerHTML = "";
  try {
    if (kind !== "simulate") await loadOutcomes();
    setStatus("analysis-status", "starting…");
    let job = await api("POST", "/api/analyses", analysisBody(kind));
    job = await poll(job, "analysis-progress", "analysis-status");
    const r = job.result;
    window.brink.analysis = r;
    setStatus("analysis-status", `done in ${job.seconds.toFixed(1)} s`);
    if (kind === "sensitivity") {
      await plot("analysis-chart", r.figure);
      $("analysis-extra").innerHTML = `<p>${esc(r.because || "")} ${r.n_base} base samples.</p>` + (Object.keys(r.warnings).length ? `<p class="error">${Object.keys(r.warnings).length} indices are uncertain at ${r.n_base} base samples: raise Base samples.</p>` : "");
      table("analysis-table", ["parameter", "S1", "S1 ±", "ST", "ST ±", "warning"], r.rows.map((x) => [x.parameter, num(x.S1), num(x.S1_conf), num(x.ST), num(x.ST_conf), r.warnings[x.parameter] || ""]));
    } else if (kind === "discovery") {
      await plot("analysis-chart", r.figure);
      $("analysis-extra").innerHTML = `<p>${esc(r.outcome)} ${r.direction === "below" ? "&lt;" : "&gt;"} ${r.threshold} in ${pct(r.base_density)} of ${r.n} samples. Click a point of a trajectory to see its box.</p>`;
      const showStep = (box, step) => {
        const lim = r.steps[box][step];
        const traj = r.boxes[box].trajectory;
        $("prim-steps").innerHTML = `<h4>Box ${box + 1}, step ${step}: coverage ${num(traj.coverage[step])}, density ${num(traj.density[step])}</h4>`;
        table("analysis-table", ["parameter", "lower", "upper"], lim.map((l) => [l.parameter, num(l.lower), num(l.upper)]));
      };
      $("analysis-chart").on("plotly_click", (ev) => { const p = ev.points[0]; if (p.curveNumber % 2 === 0) showStep(p.curveNumber / 2, p.pointIndex); });
      if (r.boxes.length) showStep(0, r.boxes[0].selected_step);
    } else if (kind === "policies") {
      await plot("analysis-chart", r.figure);
      $("analysis-extra").innerHTML = `<p>Ranked by regret on ${esc(r.outcome || $("analysis-outcome").value)}, to ${r.minimize ? "minimise" : "maximise"}.</p>`;
      table("analysis-table", ["rank", "levers", "expected", "worst decile", "mean regret", "max regret"], r.policies.map((s, i) => [i + 1, Object.entries(s.levers).map(([k, v]) => `${k}=${v}`).join(", "), num(s.expected), num(s.worst_decile), num(s.mean_regret), num(s.max_regret)]));
    } else {
      await plot("analysis-chart", r.figures.survival);
      const extra = $("analysis-extra");
      extra.innerHTML = '<div id="sim-reserves" class="chart"></div><div id="sim-partners" class="chart"></div>';
      await plot("sim-reserves", r.figures.reserves);
      await plot("sim-partners", r.figures.partners);
    }
  } catch (e) { setStatus("analysis-status", e.message, true); }
});

// ---- compare ---------------------------------------------------------------------------------
// Both sides carry the solver and λ chosen at the top of the page; the result names each side's
// solver and warns when they differ.
$("compare-btn").addEventListener("click", async () => {
  try {
    setStatus("compare-status", "running…");
    $("compare-solvers").innerHTML = "";
    const changes = $("compare-set").value.split(/[;\n]/).map((x) => x.trim()).filter((x) => x);
    const b = $("compare-b").value === "" ? Object.assign(scenarioRef(), { overrides: changes }) : Object.assign({ scenario: $("compare-b").value, overrides: changes }, solverRef());
    let job = await api("POST", "/api/compare", { a: scenarioRef(), b, samples: +$("compare-samples").value, seed: +$("compare-seed").value });
    job = await poll(job, "compare-progress", "compare-status");
    const r = job.result;
    window.brink.compare = r;
    setStatus("compare-status", `${r.n_pairs.toLocaleString()} paired samples in ${job.seconds.toFixed(1)} s`);
    $("compare-solvers").innerHTML = `A solved with ${esc(solverWords(r.sides.a))}, B with ${esc(solverWords(r.sides.b))}.` + (r.warning ? ` <span class="warning-box">${esc(r.warning)}</span>` : "");
    await plot("compare-chart", r.figure);
    table("compare-table", ["outcome", "A", "B", "B − A", "95% low", "95% high"], r.rows.map((x) => [x.name, num(x.a.mean), num(x.b.mean), num(x.difference.mean), num(x.difference.low), num(x.difference.high)]));
  } catch (e) { setStatus("compare-status", e.message, true); }
});

// ---- history ---------------------------------------------------------------------------------
async function loadHistory() {
  try {
    const runs = await api("GET", "/api/store/runs?limit=100");
    const t = $("history");
    t.innerHTML = "<tr><th>id</th><th>kind</th><th>scenario</th><th>samples</th><th>status</th><th>created</th><th></th></tr>";
    for (const r of runs) {
      const tr = document.createElement("tr");
      tr.innerHTML = `<td>${esc(r.id)}</td><td>${esc(r.kind)}</td><td>${esc(r.scenario_name)}</td><td>${r.n_samples}</td><td>${esc(r.status)}</td><td>${esc(r.created)}</td>`;
      const td = document.createElement("td");
      const b = document.createElement("button");
      b.textContent = "open"; b.className = "open-run";
      b.addEventListener("click", () => { document.querySelectorAll("#history tr").forEach((x) => x.classList.remove("selected")); tr.classList.add("selected"); openRun(r.id); });
      td.appendChild(b); tr.appendChild(td); t.appendChild(tr);
    }
    setStatus("history-status", `${runs.length} stored runs`);
  } catch (e) { setStatus("history-status", e.message, true); }
}
// Every kind of run opens: a run's outcome chart, a simulate run's three figures, and for any
// kind the plain values of its summary.
async function openRun(id) {
  const r = await api("GET", "/api/store/runs/" + encodeURIComponent(id));
  const d = $("history-detail");
  const links = [`<button id="history-report">Build its report (HTML)</button> <progress id="report-progress" max="1" value="0"></progress> <span id="report-status" class="status"></span>`];
  if (r.n_samples && r.kind === "run") links.push(`<a href="${withToken(`/api/store/runs/${id}/samples.csv`)}" download>samples (CSV)</a>`, `<a href="${withToken(`/api/store/runs/${id}/samples.parquet`)}" download>samples (Parquet)</a>`);
  const p = r.parameters || {};
  d.innerHTML = `<h3>Run ${esc(r.id)} (${esc(r.kind)}, ${esc(r.scenario_name)}, seed ${r.seed}${p.solver ? ", " + esc(solverWords({ solver: p.solver, lambda: p.lambda })) : ""})</h3><p>${links.join(" · ")}</p><div id="history-chart" class="chart"></div><div id="history-more"></div><table id="history-facts"></table>` + (r.scenario_text ? '<button id="history-edit">Open its scenario in the editor</button>' : "");
  if (r.figure) await plot("history-chart", r.figure);
  else if (r.figures) {
    await plot("history-chart", r.figures.survival);
    $("history-more").innerHTML = '<div id="history-reserves" class="chart"></div><div id="history-partners" class="chart"></div>';
    await plot("history-reserves", r.figures.reserves);
    await plot("history-partners", r.figures.partners);
  } else $("history-chart").style.display = "none";
  table("history-facts", ["summary", "value"], r.facts || []);
  if (r.scenario_text) $("history-edit").addEventListener("click", () => { $("editor").value = r.scenario_text; validate(); document.querySelector('#tabs button[data-tab="scenario"]').click(); });
  $("history-report").addEventListener("click", () => buildReport(id).catch(showError("report-status")));
}
// a stored run's report is built as a job (it re-solves the run's first samples): its progress shows
async function buildReport(id) {
  setStatus("report-status", "starting…");
  let job = await api("POST", `/api/store/runs/${encodeURIComponent(id)}/report`);
  job = await poll(job, "report-progress", "report-status");
  const a = document.createElement("a");
  a.href = withToken(`/api/reports/${job.result.report}`);
  a.download = `brink-${id}.html`;
  a.click();
  setStatus("report-status", `built in ${job.seconds.toFixed(1)} s (${job.result.bytes.toLocaleString()} bytes), downloaded`);
}
$("history-refresh").addEventListener("click", loadHistory);
document.querySelector('#tabs button[data-tab="history"]').addEventListener("click", loadHistory);

Promise.all([loadSolvers(), loadLibrary(), loadHelp()]).catch((e) => setStatus("validate-status", e.message, true));
