// Admin page: the kitchen stations and routing tab (kitchen module's API).

import { t, el, yuan, toast, showError, $, state, api, nm, fen, yuanInput, intOrText, orNull, guarded, field, input, select, button, table, panel, val, signOut } from "./common.js";
import { loadMenu } from "./menu.js";

// -- kitchen stations and routing (kitchen module's API) -------------------------------------
export async function renderKitchen(pane) {
  await loadMenu();
  const [st, rules] = await Promise.all([guarded(() => api("GET", "/api/kitchen/stations")), guarded(() => api("GET", "/api/kitchen/routing-rules"))]);
  state.stations = st || [];
  const byId = Object.fromEntries(state.stations.map((s) => [s.id, s]));
  const cats = Object.fromEntries(state.menu.categories.map((c) => [c.id, c]));
  const items = Object.fromEntries(state.menu.items.map((i) => [i.id, i]));
  const sForm = el("form", { class: "grid", id: "station-form" },
    field(t("admin.key"), input("st-key", { required: true, placeholder: "hot" })),
    field(t("admin.name_zh"), input("st-zh", { required: true })), field(t("admin.name_en"), input("st-en", { required: true })),
    el("label", { class: "check" }, el("input", { type: "checkbox", id: "st-expo" }), t("admin.expo")),
    el("button", { class: "primary", type: "submit" }, t("admin.add")));
  sForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await guarded(() => api("POST", "/api/kitchen/stations", { key: val("st-key").trim(), name_zh: val("st-zh").trim(), name_en: val("st-en").trim(), is_expo: $("#st-expo").checked }), t("admin.saved"))) renderKitchen(pane);
  });
  const rForm = el("form", { class: "grid", id: "rule-form" },
    field(t("admin.category"), select("r-cat", [["", t("admin.any")], ...state.menu.categories.map((c) => [c.id, nm(c)])])),
    field(t("admin.item"), select("r-item", [["", t("admin.any")], ...state.menu.items.map((i) => [i.id, nm(i)])])),
    el("div", { class: "full", id: "r-stations" }, state.stations.map((s) => el("label", { class: "check" }, el("input", { type: "checkbox", value: s.id }), nm(s)))),
    el("button", { class: "primary", type: "submit" }, t("admin.add")));
  rForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const ids = [...document.querySelectorAll("#r-stations input:checked")].map((c) => c.value);
    if (await guarded(() => api("POST", "/api/kitchen/routing-rules", { category_id: orNull(val("r-cat")), item_id: orNull(val("r-item")), station_ids: ids }), t("admin.saved"))) renderKitchen(pane);
  });
  // Ticket colours: amber after warn minutes, red after late minutes (the API takes seconds).
  const minutes = (sec) => String(Math.round((sec / 60) * 10) / 10);
  const seconds = (text) => (/^\d+(\.\d+)?$/.test(String(text).trim()) ? Math.round(Number(text) * 60) : String(text).trim());
  const stationRows = state.stations.map((s) => {
    const warn = el("input", { class: "warn-min", inputmode: "decimal", size: 4, value: minutes(s.warn_s), "aria-label": t("admin.warn_min") });
    const late = el("input", { class: "late-min", inputmode: "decimal", size: 4, value: minutes(s.late_s), "aria-label": t("admin.late_min") });
    return el("tr", { dataset: { station: s.id, key: s.key || "" } }, el("td", {}, s.key || ""), el("td", {}, nm(s)), el("td", {}, s.is_expo ? t("admin.expo") : ""),
      el("td", {}, el("span", { class: "swatch warn" }), warn), el("td", {}, el("span", { class: "swatch late" }), late),
      el("td", { class: "actions" }, button(t("admin.save"), async () => {
        if (await guarded(() => api("POST", `/api/kitchen/stations/${s.id}/timing`, { warn_s: seconds(warn.value), late_s: seconds(late.value) }), t("admin.saved"))) renderKitchen(pane);
      }, "save-timing")));
  });
  pane.replaceChildren(
    panel(t("admin.stations"), table([t("admin.key"), t("admin.name"), "", t("admin.warn_min"), t("admin.late_min"), ""], stationRows, "stations-table"), sForm),
    panel(t("admin.rules"), table([t("admin.category"), t("admin.item"), t("admin.stations"), ""], (rules || []).map((r) => el("tr", {},
      el("td", {}, nm(cats[r.category_id])), el("td", {}, nm(items[r.item_id])),
      el("td", {}, (r.station_ids || []).map((id) => nm(byId[id]) || id).join(" · ")),
      el("td", { class: "actions" }, button(t("admin.delete"), async () => {
        if (await guarded(() => api("DELETE", `/api/kitchen/routing-rules/${r.id}`), t("admin.saved"))) renderKitchen(pane);
      }))))), rForm));
}
