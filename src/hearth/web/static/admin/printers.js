// Admin page: the printers tab (printing module's API).

import { t, el, yuan, toast, showError, $, state, api, nm, fen, yuanInput, intOrText, orNull, guarded, field, input, select, button, table, panel, val, signOut } from "./common.js";
import { loadMenu } from "./menu.js";

// -- printers (printing module's API) --------------------------------------------------------
export async function renderPrinters(pane) {
  const [printers, health] = await Promise.all([guarded(() => api("GET", "/api/printers")), Hearth.api("GET", "/api/printers/health", undefined, { token: state.token, retries: 1 }).catch(() => [])]);
  if (state.stations === null) await loadMenu();
  const hp = Object.fromEntries((health || []).map((h) => [h.printer_id || h.id, h]));
  const stationOpts = [["", t("admin.any")], ...(state.stations || []).map((s) => [s.id, nm(s)])];
  const rows = (printers || []).map((p) => {
    const h = hp[p.id] || {};
    const state = h.state || h.status || "";
    return el("tr", {}, el("td", {}, p.name), el("td", { class: "wide-only" }, `${p.host}:${p.port}`),
      el("td", {}, t(`admin.${p.kind}`)), el("td", {}, el("span", { class: `badge ${/ok|up|online|healthy/.test(state) ? "ok" : state ? "warn" : ""}` }, state || "—"),
        h.last_error ? el("div", { class: "muted" }, h.last_error) : null),
      el("td", { class: "actions" },
        el("span", { class: `badge ${p.enabled ? "ok" : ""}` }, p.enabled ? t("admin.enabled") : t("admin.disabled")),
        button(p.enabled ? t("admin.disable") : t("admin.enable"), async () => {
          if (await guarded(() => api("PATCH", `/api/printers/${p.id}`, { enabled: !p.enabled }), t("admin.saved"))) renderPrinters(pane);
        }),
        button(t("admin.test_print"), () => guarded(() => api("POST", `/api/printers/${p.id}/test`, {}), t("admin.saved")))));
  });
  const form = el("form", { class: "grid", id: "printer-form" },
    field(t("admin.name"), input("p-name", { required: true })), field(t("admin.host"), input("p-host", { required: true, placeholder: "192.168.1.50" })),
    field(t("admin.port"), input("p-port", { inputmode: "numeric", value: 9100 })),
    field(t("admin.kind"), select("p-kind", [["kitchen", t("admin.kitchen")], ["receipt", t("admin.receipt")]], "kitchen")),
    field(t("admin.station"), select("p-station", stationOpts)),
    field(t("admin.paper"), select("p-paper", [[80, "80"], [58, "58"]], 80)),
    el("button", { class: "primary", type: "submit" }, t("admin.add")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await guarded(() => api("POST", "/api/printers", { name: val("p-name").trim(), host: val("p-host").trim(), port: intOrText(val("p-port")),
      kind: val("p-kind"), station_id: orNull(val("p-station")), paper_width: Number(val("p-paper")) }), t("admin.saved"))) renderPrinters(pane);
  });
  pane.replaceChildren(panel(t("admin.printers"), table([t("admin.name"), [t("admin.host"), { class: "wide-only" }], t("admin.kind"), t("admin.health"), ""], rows), form));
}
