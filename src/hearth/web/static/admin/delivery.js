// Admin page: the delivery platforms' item mapping tab (delivery channel's API).

import { t, el, yuan, toast, showError, $, state, api, nm, fen, yuanInput, intOrText, orNull, guarded, field, input, select, button, table, panel, val, signOut } from "./common.js";
import { loadMenu } from "./menu.js";

// -- delivery platforms' item mapping (delivery channel's API) --------------------------------
// A platform order names its own SKUs; each one must stand for one of our items (with its
// variant and options), checked by the server by pricing it as a line.
const PLATFORMS = ["meituan", "douyin"];

export async function renderDelivery(pane) {
  await loadMenu();
  const maps = (await guarded(() => api("GET", "/api/delivery/mappings"))) || [];
  const items = Object.fromEntries(state.menu.items.map((i) => [i.id, i]));
  const options = Object.fromEntries(state.menu.modifier_groups.flatMap((g) => g.options.map((o) => [o.id, o])));
  const describe = (m) => {
    const it = items[m.item_id];
    const spec = it && m.spec_id ? (it.specs.find((s) => s.id === m.spec_id) || null) : null;
    const mods = (m.modifier_option_ids || []).map((id) => nm(options[id]) || id);
    return [it ? nm(it) : m.item_id, spec ? `(${nm(spec)})` : "", mods.length ? `+ ${mods.join(", ")}` : ""].filter(Boolean).join(" ");
  };
  const rows = maps.map((m) => el("tr", { dataset: { platform: m.platform, sku: m.sku } },
    el("td", {}, t(`admin.platform.${m.platform}`)), el("td", {}, el("code", {}, m.sku)), el("td", {}, m.name || ""),
    el("td", {}, describe(m)),
    el("td", { class: "actions" },
      button(t("admin.edit"), () => fillMapping(m), "edit-mapping"),
      button(t("admin.delete"), async () => {
        if (!confirm(`${t("admin.delete")} ${m.platform} ${m.sku}?`)) return;
        if (await guarded(() => api("DELETE", `/api/delivery/mappings/${m.platform}/${encodeURIComponent(m.sku)}`), t("admin.saved"))) renderDelivery(pane);
      }, "remove-mapping"))));
  const specBox = el("span", { id: "mp-spec-box" });
  const modBox = el("div", { id: "mp-mods", class: "full" });
  const itemSel = select("mp-item", state.menu.items.filter((i) => i.kind !== "combo").map((i) => [i.id, nm(i)]));
  const redraw = (chosen = {}) => {
    const it = items[itemSel.value];
    specBox.replaceChildren(it && it.specs.length ? field(t("admin.specs"), select("mp-spec", it.specs.map((s) => [s.id, `${nm(s)} ${yuan(s.price)}`]), chosen.spec_id)) : "");
    const groups = it ? it.modifier_group_ids.map((g) => state.menu.modifier_groups.find((x) => x.id === g)).filter(Boolean) : [];
    modBox.replaceChildren(...groups.map((g) => el("div", {}, el("strong", {}, `${nm(g)} (${g.min_choices}–${g.max_choices})`), " ",
      ...g.options.map((o) => el("label", { class: "check" }, el("input", { type: "checkbox", value: o.id,
        checked: (chosen.modifier_option_ids || []).includes(o.id) ? "checked" : false }), nm(o))))));
  };
  itemSel.addEventListener("change", () => redraw());
  const form = el("form", { class: "grid", id: "mapping-form" },
    field(t("admin.platform"), select("mp-platform", PLATFORMS.map((p) => [p, t(`admin.platform.${p}`)]), "meituan")),
    field(t("admin.sku"), input("mp-sku", { required: true })),
    field(t("admin.platform_name"), input("mp-name")),
    field(t("admin.item"), itemSel), specBox, modBox,
    el("div", { class: "full" }, el("button", { class: "primary", type: "submit", id: "mapping-save" }, t("admin.save"))));
  function fillMapping(m) {
    document.getElementById("mp-platform").value = m.platform;
    document.getElementById("mp-sku").value = m.sku;
    document.getElementById("mp-name").value = m.name || "";
    itemSel.value = m.item_id;
    redraw(m);
    form.scrollIntoView({ block: "start" });
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const spec = document.getElementById("mp-spec");
    const body = { item_id: itemSel.value, spec_id: spec ? spec.value : null, name: val("mp-name").trim(),
      modifier_option_ids: [...modBox.querySelectorAll("input:checked")].map((c) => c.value) };
    const sku = val("mp-sku").trim();
    if (await guarded(() => api("PUT", `/api/delivery/mappings/${val("mp-platform")}/${encodeURIComponent(sku)}`, body), t("admin.saved"))) renderDelivery(pane);
  });
  pane.replaceChildren(panel(t("admin.mappings"), el("p", { class: "muted" }, t("admin.mappings_help")),
    table([t("admin.platform"), t("admin.sku"), t("admin.platform_name"), t("admin.item"), ""], rows, "mappings-table"), form));
  redraw();
}
