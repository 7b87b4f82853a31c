// Admin page: the payment providers tab (payments module's API).

import { t, el, yuan, toast, showError, $, state, api, nm, fen, yuanInput, intOrText, orNull, guarded, field, input, select, button, table, panel, val, signOut } from "./common.js";

// -- payment providers (payments module's API) -----------------------------------------------
export async function renderPayments(pane) {
  const providers = (await guarded(() => api("GET", "/api/payments/providers"))) || [];
  const rows = providers.map((p) => {
    const prio = el("input", { class: "prio", inputmode: "numeric", value: p.priority, size: 4 });
    const on = el("input", { type: "checkbox", class: "enabled", checked: p.enabled ? "checked" : false });
    const health = typeof p.health === "number" ? `${Math.round(p.health * 100)}%` : "";
    return el("tr", { dataset: { provider: p.name } }, el("td", {}, el("strong", {}, p.name)),
      el("td", { class: "wide-only" }, (p.tenders || []).join(", ")),
      el("td", {}, el("span", { class: `badge ${p.state === "closed" ? "ok" : p.state === "open" ? "bad" : "warn"}` }, p.state || ""), " ", health,
        p.last_error ? el("div", { class: "muted" }, p.last_error) : null),
      el("td", {}, el("label", { class: "check" }, on, t("admin.enabled"))), el("td", {}, prio),
      el("td", { class: "actions" }, button(t("admin.save"), async () => {
        const tenders = (p.tenders || []).filter((x) => ["wallet_scan", "wallet_qr", "card"].includes(x));
        if (await guarded(() => api("POST", `/api/payments/providers/${encodeURIComponent(p.name)}`, { tenders, priority: intOrText(prio.value), enabled: on.checked }), t("admin.saved"))) renderPayments(pane);
      })));
  });
  const declined = (await guarded(() => api("GET", "/api/payments/offline?status=declined"))) || [];
  pane.replaceChildren(panel(t("admin.providers"), rows.length ? table(["", [t("admin.tenders"), { class: "wide-only" }], t("admin.health"), "", t("admin.priority"), ""], rows)
    : el("p", { class: "muted", id: "no-providers" }, t("admin.no_providers"))),
  declinedPanel(declined), reconcilePanel());
}

const when = (ms) => (ms ? new Date(ms).toLocaleString() : "");

// Wallet payments taken while the internet was down are forwarded later; the provider may
// then decline them. The manager has to chase those orders: list them plainly.
function declinedPanel(list) {
  return panel(t("admin.offline_declined"), el("div", { id: "declined" }, list.length
    ? table([t("admin.when"), t("admin.order"), t("admin.tenders"), t("admin.amount"), t("admin.health")], list.map((p) =>
      el("tr", { dataset: { payment: p.id } }, el("td", {}, when(p.created_at_ms)), el("td", {}, (p.order_id || "").slice(-8)),
        el("td", {}, `${p.tender}${p.provider ? " · " + p.provider : ""}`), el("td", { class: "price" }, yuan(p.amount)),
        el("td", {}, el("span", { class: "badge bad" }, t("admin.declined")), p.message_zh || p.message_en
          ? el("div", { class: "muted" }, Hearth.lang === "zh" ? p.message_zh || p.message_en : p.message_en || p.message_zh) : null))))
    : el("p", { class: "muted", id: "no-declined" }, t("admin.none_declined"))));
}

// Compare our payments with each provider's statement since the chosen day; every difference
// is shown, with what we have and what the provider has.
function reconcilePanel() {
  const today = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  const from = input("rc-from", { type: "date", value: `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}` });
  const out = el("div", { id: "reconcile-result" });
  const run = async () => {
    const since = from.value ? new Date(`${from.value}T00:00:00`).getTime() : Date.now() - 86400000;
    const r = await guarded(() => api("POST", "/api/payments/reconcile", { since_ms: since, until_ms: Date.now() + 60000 }));
    if (!r) return;
    const diffs = r.providers.flatMap((p) => p.differences.map((d) => ({ ...d, provider: p.provider })));
    const errors = r.providers.filter((p) => p.error);
    out.replaceChildren(
      ...errors.map((p) => el("p", { class: "badge warn provider-error" }, `${p.provider}: ${p.error}`)),
      el("p", { id: "reconcile-summary", dataset: { differences: String(r.differences) } },
        r.differences ? `${t("admin.differences")}: ${r.differences}` : t("admin.reconcile_ok"),
        r.providers.length ? ` · ${r.providers.map((p) => `${p.provider} ${p.payments ?? 0}/${p.statement_entries ?? 0}`).join(" · ")}` : ""),
      diffs.length ? table([t("admin.payments_provider"), t("admin.payment"), t("admin.order"), t("admin.diff_kind"), t("admin.ours"), t("admin.theirs"), t("admin.health")],
        diffs.map((d) => el("tr", { dataset: { payment: d.payment_id, kind: d.kind } }, el("td", {}, d.provider), el("td", {}, d.payment_id.slice(-8)),
          el("td", {}, (d.order_id || "").slice(-8)), el("td", {}, el("span", { class: "badge warn" }, t(`admin.diff.${d.kind}`))),
          el("td", { class: "price" }, yuan(d.ours)), el("td", { class: "price" }, yuan(d.theirs)), el("td", {}, d.status || ""))), "diff-table") : "");
  };
  return panel(t("admin.reconcile_title"), el("div", { class: "grid inline" }, field(t("admin.reconcile_from"), from),
    button(t("admin.reconcile"), run, "primary reconcile")), out);
}
