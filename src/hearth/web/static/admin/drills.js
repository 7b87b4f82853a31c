// Admin tab "drills" / 故障演练: the owner starts a drill (a real fault held for a while), watches
// its steps arrive (fault on, noticed, what the staff saw, what fell back, fault off, recovered,
// nothing lost), and sets the service periods in which no drill runs unless forced. Reads
// GET /api/ops/drills (which also tells admin.js the tab exists); starts with POST
// /api/ops/drills, stops with POST /api/ops/drills/{id}/stop, saves PUT /api/ops/drills/periods.
// Redraws every 2 s while a drill runs, every 15 s otherwise.
import { api, button, el, field, guarded, input, panel, select, t } from "./common.js";

let timer = null;

const lang = () => (Hearth.lang === "zh" ? "zh" : "en");
const when = (ms) => (ms ? new Date(ms).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB",
  { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }) : "");
const secs = (ms) => (ms === null || ms === undefined ? "–" : `${(ms / 1000).toFixed(1)} s`);
const statusBadge = (s) => el("span", {
  class: `badge ${s === "passed" ? "ok" : s === "running" ? "warn" : "bad"}`,
}, t(`drills.status_${s}`));

function stepItem(s) {
  return el("li", { class: s.ok ? "ok" : "bad", "data-kind": s.kind },
    el("strong", {}, `${t(`drills.step_${s.kind}`)} · ${secs(s.after_ms)} `), s[lang()]);
}

function drillBox(d, reload) {
  const lost = d.nothing_lost === null ? "–"
    : t(d.nothing_lost ? "drills.nothing_lost" : "drills.something_lost");
  const stop = d.status === "running" ? button(t("drills.stop"), async (ev) => {
    ev.target.disabled = true;
    await guarded(() => api("POST", `/api/ops/drills/${d.id}/stop`), t("drills.stopped"));
    reload();
  }, "danger") : "";
  return el("div", { class: "panel drill", "data-id": d.id, "data-status": d.status },
    el("h4", {}, statusBadge(d.status), " ", t(`drills.fault_${d.fault}`),
      d.target ? el("span", { class: "muted" }, ` (${d.target})`) : "", " ", stop),
    el("p", { class: "muted" },
      `${t("drills.when")}: ${when(d.started_at_ms)} · ${t("drills.detected")}: ${secs(d.detected_after_ms)}`
      + ` · ${t("drills.recovered")}: ${secs(d.recovered_after_ms)} · ${t("drills.lost")}: ${lost}`),
    d[`summary_${lang()}`] ? el("p", { class: "summary" }, d[`summary_${lang()}`]) : "",
    el("ol", { class: "drill-steps" }, d.steps.map(stepItem)));
}

function periodsText(periods) { return periods.map(([a, b]) => `${a}-${b}`).join("\n"); }
function parsePeriods(text) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean)
    .map((l) => l.split("-").map((x) => x.trim()));
}

export async function renderDrills(pane) {
  const history = el("div", { id: "drills-history" });
  const notice = el("p", { class: "warn", id: "drills-in-period" });
  const faultSel = el("span");
  const periods = el("textarea", { id: "drill-periods", rows: 3 });
  let lastRunning = false;

  const load = async () => {
    if (!pane.isConnected) { clearTimeout(timer); timer = null; return; }
    const data = await guarded(() => api("GET", "/api/ops/drills", undefined, { retries: 1 }));
    if (!data) return;
    if (!faultSel.firstChild) {
      faultSel.appendChild(select("drill-fault",
        data.web_faults.map((f) => [f, t(`drills.fault_${f}`)]), data.web_faults[0]));
      periods.value = periodsText(data.periods);
    }
    notice.textContent = data.in_period ? `${t("drills.in_period")} (${data.in_period.join("-")})` : "";
    history.replaceChildren(...(data.drills.length ? data.drills.map((d) => drillBox(d, load))
      : [el("p", { class: "muted" }, t("drills.none"))]));
    lastRunning = data.running.length > 0;
    clearTimeout(timer);
    timer = setTimeout(load, lastRunning ? 2000 : 15000);
  };

  const start = async (ev) => {
    ev.target.disabled = true;
    const body = {
      fault: document.getElementById("drill-fault").value,
      duration_s: Number(document.getElementById("drill-duration").value) || 150,
      force: document.getElementById("drill-force").checked,
    };
    const target = document.getElementById("drill-target").value.trim();
    if (target) body.target = target;
    await guarded(() => api("POST", "/api/ops/drills", body), t("drills.started"));
    ev.target.disabled = false;
    await load();
  };

  const savePeriods = async () => {
    await guarded(() => api("PUT", "/api/ops/drills/periods", { periods: parsePeriods(periods.value) }),
      t("drills.periods_saved"));
    await load();
  };

  const force = el("input", { id: "drill-force", type: "checkbox", style: "width:auto;margin:0" });
  pane.replaceChildren(
    panel(t("drills.new"), el("p", { class: "muted" }, t("drills.help")), notice,
      el("div", { class: "row" },
        field(t("drills.fault"), faultSel),
        field(t("drills.target"), input("drill-target", { maxlength: 120 })),
        field(t("drills.duration"), input("drill-duration", { type: "number", min: 1, max: 900, value: 150 })),
        el("label", { style: "display:flex;gap:.5em;align-items:center" }, force, t("drills.force")),
        el("button", { type: "button", id: "drill-start", onclick: start }, t("drills.start")))),
    panel(t("drills.history"), history),
    panel(t("drills.periods"), el("p", { class: "muted" }, t("drills.periods_help")), periods,
      el("div", { class: "row" }, el("button", { type: "button", id: "drill-periods-save", onclick: savePeriods },
        t("drills.periods_save")))));
  await load();
}
