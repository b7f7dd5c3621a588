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

function scenarioRef() {
  const ref = { text: $("editor").value, solver: $("solver").value || "auto" };
  const lam = parseFloat($("lam").value);
  if (lam > 0 && $("lam").disabled === false) ref.lam = lam;
  return ref;
}
async function loadSolvers() {
  const h = await api("GET", "/api/health");
  $("solver").innerHTML = h.solvers.map((s) => `<option value="${esc(s.name)}" title="${esc(s.description)}" data-lambda="${s.lambda}">${esc(s.name)}</option>`).join("");
  const sync = () => { const o = $("solver").selectedOptions[0]; $("lam").disabled = !o || o.dataset.lambda !== "true"; state.whatifKey = null; };
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
    await plot("run-chart", r.figure);
    $("run-paths").innerHTML = (r.paths || []).slice(0, 5).map((p, i) =>
      `<li>${pct(p.share)} of samples: ${esc((r.words[i] || []).join("; then "))}</li>`).join("");
    table("run-metrics", ["metric", "mean", "95% low", "95% high"], Object.entries(r.metrics || {}).map(([k, m]) => [k, num(m.mean), num(m.ci95[0]), num(m.ci95[1])]));
  } catch (e) { setStatus("run-status", e.message, true); }
});

// ---- what-if ---------------------------------------------------------------------------------
function whatifBody() {
  return Object.assign(scenarioRef(), { samples: +$("whatif-samples").value, seed: +$("whatif-seed").value, ranges: state.ranges, levers: state.levers });
}
function renderControls(controls) {
  const box = $("whatif-controls");
  box.innerHTML = "";
  for (const c of controls) {
    const div = document.createElement("div");
    div.className = "control";
    if (c.kind === "lever") {
      div.innerHTML = `<div><span class="name">${esc(c.name)}</span> (lever)</div>`;
      const sel = document.createElement("select");
      sel.dataset.name = c.name;
      sel.innerHTML = `<option value="" selected>as written${c.default !== null && c.default !== undefined ? " (" + esc(c.default) + ")" : ""}</option>` +
        c.options.map((o) => `<option value="${esc(o)}">${esc(o)}</option>`).join("");
      sel.addEventListener("change", () => {
        if (sel.value === "") delete state.levers[c.name];
        else state.levers[c.name] = typeof c.options[0] === "number" ? +sel.value : sel.value;
        requestWhatIf();
      });
      div.appendChild(sel);
    } else {
      div.innerHTML = `<div><span class="name">${esc(c.name)}</span> <span class="muted">${esc(c.spec)}</span> <span class="value"></span></div>`;
      const lo = document.createElement("input"), hi = document.createElement("input");
      for (const [el, end, v] of [[lo, "low", c.low], [hi, "high", c.high]]) {
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
  const names = Object.keys(r.outcomes).filter((k) => !k.startsWith("rung.") && !k.startsWith("declared."));
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
async function startWhatIf() {
  state.ranges = {}; state.levers = {};
  setStatus("whatif-status", "drawing the samples and solving…");
  try {
    const r = await api("POST", "/api/whatif", whatifBody());
    state.baseline = r; state.controls = r.controls;
    renderControls(r.controls);
    await drawWhatIf(r);
    setStatus("whatif-status", `${r.samples.toLocaleString()} samples solved in ${(1000 * r.seconds).toFixed(0)} ms; move a slider`);
  } catch (e) { setStatus("whatif-status", e.message, true); }
}
$("whatif-start").addEventListener("click", startWhatIf);
$("whatif-reset").addEventListener("click", startWhatIf);
$("whatif-samples").addEventListener("change", startWhatIf);

// ---- tree ----------------------------------------------------------------------------------------
function treeNode(n) {
  const label = `${n.action ? esc(n.action) + " → " : ""}<span class="who">${esc(n.who)}</span>${n.kind === "decision" ? " chooses" : n.kind === "chance" ? " draws" : ""} <span class="reach">(${pct(n.reach)})</span>` +
    (n.folded ? ` <span class="folded">+${n.folded} branch${n.folded > 1 ? "es" : ""} never reached</span>` : "");
  const li = document.createElement("li");
  li.dataset.node = n.id;
  if (n.on_path) li.classList.add("on-path");
  if (!n.children.length) { li.innerHTML = `<span>${label}</span>`; return li; }
  const det = document.createElement("details");
  if (n.on_path) { det.open = true; det.classList.add("on-path"); }
  det.innerHTML = `<summary>${label}</summary>`;
  const ul = document.createElement("ul");
  for (const c of n.children) ul.appendChild(treeNode(c));
  det.appendChild(ul);
  li.appendChild(det);
  return li;
}
$("tree-btn").addEventListener("click", async () => {
  setStatus("tree-status", "solving…");
  try {
    const t = await api("POST", "/api/tree", Object.assign(scenarioRef(), { seed: 0, levers: state.levers }));
    const ul = document.createElement("ul");
    ul.appendChild(treeNode(t.root));
    $("tree").innerHTML = "";
    $("tree").appendChild(ul);
    setStatus("tree-status", `${t.nodes.toLocaleString()} reachable nodes shown of ${t.total.toLocaleString()}; players: ${t.players.join(", ")}`);
  } catch (e) { setStatus("tree-status", e.message, true); }
});
$("tree-expand").addEventListener("click", () => document.querySelectorAll("#tree details").forEach((d) => { d.open = true; }));
$("tree-collapse").addEventListener("click", () => document.querySelectorAll("#tree details").forEach((d) => { d.open = false; }));

// ---- analyses ------------------------------------------------------------------------------
$("analysis-btn").addEventListener("click", async () => {
  const kind = $("analysis-kind").value;
  const outcome = $("analysis-outcome").value.trim() || null;
  $("prim-steps").innerHTML = ""; $("analysis-extra").innerHTML = ""; $("analysis-table").innerHTML = "";
  try {
    setStatus("analysis-status", "starting…");
    let job = await api("POST", "/api/analyses", Object.assign(scenarioRef(), { kind, outcome, samples: +$("analysis-samples").value }));
    job = await poll(job, "analysis-progress", "analysis-status");
    const r = job.result;
    setStatus("analysis-status", `done in ${job.seconds.toFixed(1)} s`);
    if (kind === "sensitivity") {
      await plot("analysis-chart", r.figure);
      $("analysis-extra").innerHTML = `<p>${esc(r.because || "")}</p>` + (Object.keys(r.warnings).length ? `<p class="error">${Object.keys(r.warnings).length} indices are uncertain at ${r.n_base} base samples.</p>` : "");
      table("analysis-table", ["parameter", "S1", "S1 ±", "ST", "ST ±", "warning"], r.rows.map((x) => [x.parameter, num(x.S1), num(x.S1_conf), num(x.ST), num(x.ST_conf), r.warnings[x.parameter] || ""]));
    } else if (kind === "discovery") {
      await plot("analysis-chart", r.figure);
      $("analysis-extra").innerHTML = `<p>${esc(r.outcome)} &gt; ${r.threshold} in ${pct(r.base_density)} of ${r.n} samples. ${esc(r.because || "")} Click a point of a trajectory to see its box.</p>`;
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
$("compare-btn").addEventListener("click", async () => {
  try {
    setStatus("compare-status", "running…");
    const changes = $("compare-set").value.split(/[;\n]/).map((x) => x.trim()).filter((x) => x);
    const b = $("compare-b").value === "" ? Object.assign(scenarioRef(), { overrides: changes }) : { scenario: $("compare-b").value, overrides: changes };
    let job = await api("POST", "/api/compare", { a: scenarioRef(), b, samples: +$("compare-samples").value, seed: 0 });
    job = await poll(job, "compare-progress", "compare-status");
    const r = job.result;
    setStatus("compare-status", `${r.n_pairs.toLocaleString()} paired samples in ${job.seconds.toFixed(1)} s`);
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
async function openRun(id) {
  const r = await api("GET", "/api/store/runs/" + encodeURIComponent(id));
  const d = $("history-detail");
  const links = [`<a href="${withToken(`/api/store/runs/${id}/report`)}" download>report (HTML)</a>`];
  if (r.n_samples) links.push(`<a href="${withToken(`/api/store/runs/${id}/samples.csv`)}" download>samples (CSV)</a>`, `<a href="${withToken(`/api/store/runs/${id}/samples.parquet`)}" download>samples (Parquet)</a>`);
  d.innerHTML = `<h3>Run ${esc(r.id)} (${esc(r.kind)}, ${esc(r.scenario_name)}, seed ${r.seed})</h3><p>${links.join(" · ")}</p><div id="history-chart" class="chart"></div><button id="history-edit">Open its scenario in the editor</button>`;
  if (r.figure) await plot("history-chart", r.figure);
  $("history-edit").addEventListener("click", () => { $("editor").value = r.scenario_text; validate(); document.querySelector('#tabs button[data-tab="scenario"]').click(); });
}
$("history-refresh").addEventListener("click", loadHistory);
document.querySelector('#tabs button[data-tab="history"]').addEventListener("click", loadHistory);

Promise.all([loadSolvers(), loadLibrary(), loadHelp()]).catch((e) => setStatus("validate-status", e.message, true));
