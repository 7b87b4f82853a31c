// The admin page's Health / 健康 tab: the doctor's report (what broke, what still works, the
// fix), worst first, and "Fix what is safe / 安全修复", which applies only the safe fixes and
// shows what it did. Reads GET /api/ops/doctor; the button posts /api/ops/doctor/fix.
"use strict";

const HearthHealth = (() => {
  const { api, t, el, toast, showError } = Hearth;
  const token = () => sessionStorage.getItem("hearth_admin_token");
  const ORDER = { fail: 0, warn: 1, ok: 2 };
  const words = (w) => (w ? (Hearth.lang === "zh" ? w.zh : w.en) : "");

  function rows(findings) {
    return [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]
      || a.check.localeCompare(b.check)).map((f) => el("tr", { class: `sev-${f.severity}`, "data-check": f.check },
      el("td", {}, el("span", { class: `badge ${f.severity === "fail" ? "bad" : f.severity}` }, t(`health.${f.severity}`))),
      el("td", {}, f.check), el("td", {}, words(f.cause)), el("td", {}, words(f.works)),
      el("td", {}, words(f.fix))));
  }

  function paint(box, report) {
    const head = el("tr", {}, ...["health.state", "health.check", "health.cause", "health.works",
      "health.fix"].map((k) => el("th", {}, t(k))));
    const done = (report.fixes || []).map((x) => el("li", { class: x.ok ? "ok" : "fail" }, words(x)));
    box.replaceChildren(
      el("p", { id: "health-worst", class: `sev-${report.worst}` }, t(`health.worst_${report.worst}`)),
      el("table", { class: "list", id: "health-table" }, el("thead", {}, head), el("tbody", {}, ...rows(report.findings))),
      ...(done.length ? [el("h4", {}, t("health.done")), el("ul", { id: "health-fixes" }, ...done)] : []));
  }

  async function adminPane(pane) {
    const box = el("div", { id: "health-report" }, el("p", { class: "muted" }, t("health.running")));
    const fix = el("button", { class: "primary", type: "button", id: "health-fix" }, t("health.fix_safe"));
    const again = el("button", { type: "button", id: "health-refresh" }, t("health.refresh"));
    const load = async () => {
      try { paint(box, await api("GET", "/api/ops/doctor", undefined, { token: token(), retries: 1 })); }
      catch (err) { showError(err); }
    };
    fix.addEventListener("click", async () => {
      fix.disabled = true;
      try {
        paint(box, await api("POST", "/api/ops/doctor/fix", undefined, { token: token() }));
        toast(t("health.fixed"), "ok");
      } catch (err) { showError(err); } finally { fix.disabled = false; }
    });
    again.addEventListener("click", load);
    pane.replaceChildren(el("div", { class: "panel" }, el("h3", {}, t("admin.tab.health")),
      el("p", { class: "muted" }, t("health.help")), el("div", { class: "row" }, fix, again), box));
    await load();
  }

  return { adminPane };
})();
