// Admin tab "alerts" / 告警: the alerts open now (worst first, each with its cause, what still
// works and the fix, the doctor's own words) with an Acknowledge button, and those cleared in the
// last day. Reads GET /api/ops/alerts (which also tells admin.js the tab exists); Acknowledge
// posts /api/ops/alerts/{id}/ack. Redraws every 15 s while the tab is shown.
import { api, button, el, guarded, panel, t, table } from "./common.js";

const REFRESH_MS = 15000;
let timer = null;

const lang = () => (Hearth.lang === "zh" ? "zh" : "en");
const when = (ms) => (ms ? new Date(ms).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB",
  { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }) : "");
const badge = (sev) => el("span", { class: `badge ${sev === "fail" ? "bad" : "warn"}` },
  t(sev === "fail" ? "alerts.sev_fail" : "alerts.sev_warn"));

function openRow(a, reload) {
  const ack = a.acked_at_ms ? el("span", { class: "muted" }, `${t("alerts.acked")} ${when(a.acked_at_ms)}`)
    : button(t("alerts.ack"), async (ev) => {
      ev.target.disabled = true;
      const done = await guarded(() => api("POST", `/api/ops/alerts/${a.id}/ack`), t("alerts.acked_toast"));
      if (done) reload(); else ev.target.disabled = false;
    }, "ack");
  return el("tr", { class: `sev-${a.severity}`, "data-key": a.key, "data-id": a.id },
    el("td", {}, badge(a.severity)), el("td", {}, a.key), el("td", {}, a[`cause_${lang()}`]),
    el("td", {}, a[`works_${lang()}`]), el("td", {}, a[`fix_${lang()}`]),
    el("td", {}, when(a.raised_at_ms)), el("td", {}, ack));
}

function recentRow(a) {
  return el("tr", { "data-key": a.key, "data-id": a.id },
    el("td", {}, badge(a.severity)), el("td", {}, a.key), el("td", {}, a[`cause_${lang()}`]),
    el("td", {}, when(a.raised_at_ms)), el("td", {}, when(a.cleared_at_ms)));
}

export async function renderAlerts(pane) {
  const openBox = el("div", { id: "alerts-open" });
  const recentBox = el("div", { id: "alerts-recent" });
  const note = el("p", { class: "muted", id: "alerts-webhook" });
  const load = async () => {
    if (!pane.isConnected) { clearInterval(timer); timer = null; return; }
    const data = await guarded(() => api("GET", "/api/ops/alerts", undefined, { retries: 1 }));
    if (!data) return;
    note.textContent = t(data.webhook ? "alerts.webhook_on" : "alerts.webhook_off");
    openBox.replaceChildren(data.open.length
      ? table([t("alerts.severity"), t("alerts.what"), t("alerts.cause"), t("alerts.works"),
        t("alerts.fix"), t("alerts.raised"), ""], data.open.map((a) => openRow(a, load)))
      : el("p", { class: "ok", id: "alerts-none" }, t("alerts.none_open")));
    recentBox.replaceChildren(data.recent.length
      ? table([t("alerts.severity"), t("alerts.what"), t("alerts.cause"), t("alerts.raised"),
        t("alerts.cleared")], data.recent.map(recentRow))
      : el("p", { class: "muted" }, t("alerts.none_recent")));
  };
  pane.replaceChildren(
    panel(t("alerts.open"), el("p", { class: "muted" }, t("alerts.help")), note,
      el("div", { class: "row" }, button(t("alerts.refresh"), load)), openBox),
    panel(t("alerts.recent"), recentBox));
  await load();
  clearInterval(timer);
  timer = setInterval(load, REFRESH_MS);
}
