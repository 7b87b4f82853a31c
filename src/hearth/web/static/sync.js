// HQ sync on the store's pages: the banner that says HQ is unreachable (since when, how many
// events wait, and that ordering and payments carry on), Sync now / 立即同步, and the admin
// page's HQ section (status and the enrolment form). Reads /api/sync/status every 10 s.
"use strict";

const HearthSync = (() => {
  const { api, t, el, toast, showError } = Hearth;
  const POLL_MS = 10000;
  const onPos = () => document.body.classList.contains("pos");
  const token = () => (onPos() ? localStorage.getItem("hearth_token")
    : sessionStorage.getItem("hearth_admin_token"));
  const call = (method, path, body) => api(method, path, body, { token: token(), retries: 1 });
  const hhmm = (ms) => new Date(ms).toLocaleTimeString(Hearth.lang === "zh" ? "zh-CN" : "en-GB",
    { hour: "2-digit", minute: "2-digit" });
  const count = (n) => Number(n).toLocaleString("en-US");
  let last = null;

  // The one line a cashier reads: what is wrong with HQ, and that the till carries on.
  function bannerText(s) {
    if (!s || !s.enrolled) return null;
    if (s.hq_reachable === false) {
      const since = s.unreachable_since_ms ? hhmm(s.unreachable_since_ms) : "";
      return t("sync.banner").replace("{since}", since).replace("{n}", count(s.events_waiting));
    }
    const other = (s.alarms || []).filter((a) => a.code !== "hq-unreachable");
    if (other.length) return other.map((a) => a[Hearth.lang] || a.en).join(" · ");
    return null;
  }

  function paint(s) {
    last = s;
    const banner = document.getElementById("sync-banner");
    if (banner) {
      const text = bannerText(s);
      banner.classList.toggle("hidden", !text);
      banner.textContent = text || "";
      banner.dataset.waiting = s && s.enrolled ? String(s.events_waiting) : "";
    }
    for (const b of document.querySelectorAll(".sync-now")) b.classList.toggle("hidden", !(s && s.enrolled));
    const pane = document.getElementById("hq-status");
    if (pane) pane.replaceChildren(statusTable(s));
  }

  async function refresh() {
    if (!token()) return null;
    try { paint(await call("GET", "/api/sync/status")); } catch (err) { /* the offline banner says it */ }
    return last;
  }

  async function syncNow(button) {
    if (button) button.disabled = true;
    try {
      const s = await call("POST", "/api/sync/now", { wait_s: 10 });
      paint(s);
      if (s.events_waiting === 0) toast(t("sync.done"), "ok");
      else toast(t("sync.still").replace("{n}", count(s.events_waiting)), "error");
    } catch (err) { showError(err); } finally { if (button) button.disabled = false; }
  }

  function nowButton(cls = "") {
    const b = el("button", { type: "button", class: `sync-now ${cls}` }, t("sync.now"));
    b.addEventListener("click", () => syncNow(b));
    return b;
  }

  function statusTable(s) {
    if (!s) return el("p", { class: "muted" }, "…");
    if (!s.enrolled) return el("p", { class: "muted" }, t("sync.not_enrolled"));
    const when = (ms) => (ms ? new Date(ms).toLocaleString() : "–");
    const rows = [
      [t("sync.hq_url"), s.hq_url], [t("sync.store_id"), s.store_id],
      [t("sync.reachable"), s.hq_reachable ? t("sync.yes") : `${t("sync.no")} (${when(s.unreachable_since_ms)})`],
      [t("sync.waiting"), count(s.events_waiting)], [t("sync.acked"), String(s.acked_seq)],
      [t("sync.last_ok"), when(s.last_ok_at_ms)], [t("sync.catalogue"), String(s.catalogue_version ?? "–")],
    ];
    const alarms = (s.alarms || []).map((a) => el("div", { class: "badge bad" }, a[Hearth.lang] || a.en));
    return el("div", {}, el("table", { class: "list" }, el("tbody", {},
      rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", { dataset: { k } }, v))))), alarms);
  }

  // The admin page's HQ tab: where the store stands, Sync now, and joining an HQ.
  async function adminPane(pane) {
    const form = el("form", { class: "grid", id: "enrol-form" },
      el("label", {}, t("sync.hq_url"), el("input", { id: "enrol-url", required: true, type: "url",
        placeholder: "https://hq.example.com" })),
      el("label", {}, t("sync.code"), el("input", { id: "enrol-code", required: true, autocomplete: "off" })),
      el("button", { class: "primary", type: "submit" }, t("sync.enrol")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const s = await call("POST", "/api/sync/enrol", {
          hq_url: document.getElementById("enrol-url").value.trim(),
          enrol_code: document.getElementById("enrol-code").value.trim() });
        paint(s);
        toast(t("sync.enrolled"), "ok");
      } catch (err) { showError(err); }
    });
    pane.replaceChildren(
      el("div", { class: "panel" }, el("h3", {}, t("sync.section")), el("div", { id: "hq-status" }), nowButton("primary")),
      el("div", { class: "panel" }, el("h3", {}, t("sync.join")), el("p", { class: "muted" }, t("sync.join_help")), form));
    await refresh();
  }

  function mountPos() {
    const bar = document.querySelector("header.bar");
    const out = document.getElementById("sign-out");
    if (bar && !document.querySelector(".sync-now")) bar.insertBefore(nowButton("hidden"), out);
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (onPos()) mountPos();
    refresh();
    setInterval(refresh, POLL_MS);
  });
  return { refresh, syncNow, adminPane, bannerText };
})();
