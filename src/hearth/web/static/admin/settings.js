// Admin page: the store settings tab (store module).

import { t, el, yuan, toast, showError, $, state, api, nm, fen, yuanInput, intOrText, orNull, guarded, field, input, select, button, table, panel, val, signOut } from "./common.js";

// -- store settings (store module) -----------------------------------------------------------
export async function renderSettings(pane) {
  const s = await guarded(() => api("GET", "/api/store/settings"));
  if (!s) return;
  const langs = el("div", { id: "s-langs" }, ["zh", "en"].map((l) => el("label", { class: "check" },
    el("input", { type: "checkbox", value: l, checked: s.languages.includes(l) ? "checked" : false }), l === "zh" ? "中文" : "English")));
  const form = el("form", { class: "grid", id: "settings-form" },
    field(t("admin.store_name_zh"), input("s-name-zh", { value: s.name_zh })),
    field(t("admin.store_name_en"), input("s-name-en", { value: s.name_en })),
    el("label", { class: "full" }, t("admin.address"), input("s-address", { value: s.address })),
    field(t("admin.phone"), input("s-phone", { value: s.phone, inputmode: "tel" })),
    field(t("admin.service_charge"), input("s-service", { inputmode: "decimal", value: s.service_charge_bp / 100 })),
    field(t("admin.rounding"), select("s-rounding", ["none", "jiao", "half_yuan", "yuan"].map((r) => [r, t("admin.round." + r)]), s.cash_rounding)),
    el("label", { class: "full" }, t("admin.footer_zh"), input("s-footer-zh", { value: s.receipt_footer_zh })),
    el("label", { class: "full" }, t("admin.footer_en"), input("s-footer-en", { value: s.receipt_footer_en })),
    el("div", {}, el("span", { class: "muted" }, t("admin.languages")), langs),
    field(t("admin.default_language"), select("s-default-lang", [["zh", "中文"], ["en", "English"]], s.default_language)),
    // QR table ordering: what one phone may do (channels/qr/domain.py).
    el("label", { class: "full check" }, el("input", { type: "checkbox", id: "s-qr-self-seat",
      checked: s.qr_self_seating ? "checked" : false }), t("admin.qr_self_seating")),
    field(t("admin.qr_max_per_line"), input("s-qr-line", { inputmode: "numeric", value: s.qr_max_per_line })),
    field(t("admin.qr_max_per_order"), input("s-qr-order", { inputmode: "numeric", value: s.qr_max_per_order })),
    field(t("admin.qr_changes_per_minute"), input("s-qr-rate", { inputmode: "numeric", value: s.qr_changes_per_minute })),
    field(t("admin.qr_confirm_above"), input("s-qr-confirm", { inputmode: "decimal", value: s.qr_confirm_above / 100 })),
    el("div", { class: "full" }, el("button", { class: "primary", type: "submit", id: "settings-save" }, t("admin.save"))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { name_zh: val("s-name-zh"), name_en: val("s-name-en"), address: val("s-address"), phone: val("s-phone"),
      service_charge_bp: fen(val("s-service")),
      receipt_footer_zh: val("s-footer-zh"), receipt_footer_en: val("s-footer-en"), cash_rounding: val("s-rounding"),
      languages: [...langs.querySelectorAll("input:checked")].map((c) => c.value), default_language: val("s-default-lang"),
      qr_self_seating: document.getElementById("s-qr-self-seat").checked,
      qr_max_per_line: Number(val("s-qr-line")), qr_max_per_order: Number(val("s-qr-order")),
      qr_changes_per_minute: Number(val("s-qr-rate")),
      qr_confirm_above: fen(val("s-qr-confirm")),
      version: s.version };
    if (await guarded(() => api("PUT", "/api/store/settings", body), t("admin.saved"))) renderSettings(pane);
  });
  pane.replaceChildren(panel(t("admin.tab.settings"), form));
}
