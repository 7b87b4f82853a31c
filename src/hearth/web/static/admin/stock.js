// Admin page: the stock tab (inventory module's API). Ingredients and their levels with the
// low-stock list, receiving, waste, recipes per dish / size / option, purchase suggestions and
// theoretical-against-actual usage. Quantities travel as the decimal text typed ("1.5"): the
// server converts them exactly, and refuses (in its own words) what does not convert.
import { t, el, yuan, $, api, nm, fen, guarded, field, input, select, button, table, panel, val } from "./common.js";

const BASE = "/api/inventory";

function unitSelect(id, ing, chosen) {
  const names = ing ? ing.unit_names : [];
  return select(id, names.map((n) => [n, n]), chosen || (ing && ing.stock_unit));
}

function ingredientSelect(id, ings, onchange) {
  const s = select(id, ings.map((i) => [i.id, `${nm(i)}`]));
  if (onchange) s.addEventListener("change", onchange);
  return s;
}

// A quantity, an ingredient-aware unit list that follows the chosen ingredient.
function qtyLine(prefix, ings) {
  const unitBox = el("span", {}, unitSelect(`${prefix}-unit`, ings[0]));
  const ingSel = ingredientSelect(`${prefix}-ingredient`, ings, () => {
    const ing = ings.find((i) => i.id === val(`${prefix}-ingredient`));
    unitBox.replaceChildren(unitSelect(`${prefix}-unit`, ing, ing && ing.purchase_unit));
  });
  return [field(t("inv.ingredient"), ingSel), field(t("inv.quantity"), input(`${prefix}-qty`, { inputmode: "decimal", required: true })),
    field(t("inv.unit"), unitBox)];
}

export async function renderStock(pane) {
  const [ings, low, reasons, noRecipe, sugg, variance, recipes, menu] = await Promise.all([
    guarded(() => api("GET", `${BASE}/ingredients`)), guarded(() => api("GET", `${BASE}/low-stock`)),
    guarded(() => api("GET", `${BASE}/sold-out`)), guarded(() => api("GET", `${BASE}/no-recipe`)),
    guarded(() => api("GET", `${BASE}/suggestions`)), guarded(() => api("GET", `${BASE}/variance`)),
    guarded(() => api("GET", `${BASE}/recipes`)), guarded(() => api("GET", "/api/menu"))]);
  if (!ings) return;
  const items = (menu && menu.items) || [];
  const itemName = Object.fromEntries(items.map((i) => [i.id, nm(i)]));
  const again = () => renderStock(pane);

  const lowPanel = panel(t("inv.low"), low && low.length
    ? el("ul", { id: "low-stock" }, low.map((i) => el("li", {}, el("span", { class: "badge warn" }, nm(i)), ` ${i.on_hand_text} ${i.stock_unit} < ${i.reorder_point_text}`)))
    : el("p", { class: "muted", id: "low-stock" }, t("inv.low_none")),
    reasons && reasons.length ? el("div", {}, el("h4", {}, t("inv.auto_sold_out")),
      el("ul", { id: "auto-sold-out" }, reasons.map((r) => el("li", { "data-item": r.item_id }, `${itemName[r.item_id] || r.item_id}: ${Hearth.lang === "zh" ? r.reason_zh : r.reason_en}`)))) : null,
    el("p", { class: "muted" }, `${t("inv.no_recipe")}: `, el("strong", { id: "no-recipe-total" }, String(noRecipe ? noRecipe.total : 0))));

  const rows = ings.map((i) => el("tr", { "data-ingredient": i.id, class: i.low ? "low" : "" },
    el("td", {}, nm(i)), el("td", { class: "on-hand" }, `${i.on_hand_text} ${i.stock_unit}`), el("td", {}, yuan(i.value)),
    el("td", { class: "wide-only" }, `${yuan(i.cost_per_purchase_unit)} / ${i.purchase_unit}`),
    el("td", { class: "wide-only" }, `${i.reorder_point_text} ${i.stock_unit}`), el("td", { class: "wide-only" }, i.supplier),
    el("td", { class: "actions" }, button(t("inv.delete"), async () => {
      if (confirm(`${t("inv.delete")} ${nm(i)}?`) && await guarded(() => api("POST", `${BASE}/ingredients/${i.id}/delete`, {}), t("admin.saved"))) again();
    }))));
  const levels = panel(t("inv.levels"), table([t("inv.ingredient"), t("inv.on_hand"), t("inv.value"), [t("inv.unit_cost"), { class: "wide-only" }],
    [t("inv.reorder_point"), { class: "wide-only" }], [t("inv.supplier"), { class: "wide-only" }], ""], rows, "stock-levels"),
    el("p", {}, el("a", { href: "/stocktake", target: "_blank" }, t("inv.stocktake_page"))));

  // -- receive and waste
  const rcv = el("form", { class: "grid", id: "receive-form" }, ...qtyLine("rcv", ings),
    field(t("inv.cost"), input("rcv-cost", { inputmode: "decimal", value: "0" })), field(t("inv.supplier"), input("rcv-supplier")),
    el("button", { class: "primary", type: "submit", id: "rcv-submit" }, t("inv.receive")));
  rcv.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { supplier: val("rcv-supplier").trim(), lines: [{ ingredient_id: val("rcv-ingredient"), quantity: val("rcv-qty").trim(), unit: val("rcv-unit"), cost: fen(val("rcv-cost")) }] };
    if (await guarded(() => api("POST", `${BASE}/receipts`, body), t("inv.received"))) again();
  });
  const waste = el("form", { class: "grid", id: "waste-form" }, ...qtyLine("wst", ings),
    field(t("inv.reason"), input("wst-reason", { required: true })), el("button", { class: "primary", type: "submit" }, t("inv.waste")));
  waste.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { ingredient_id: val("wst-ingredient"), quantity: val("wst-qty").trim(), unit: val("wst-unit"), reason: val("wst-reason").trim() };
    if (await guarded(() => api("POST", `${BASE}/waste`, body), t("inv.recorded"))) again();
  });

  // -- add an ingredient
  const add = el("form", { class: "grid", id: "ingredient-form" },
    field(t("inv.name_zh"), input("ing-zh", { required: true })), field(t("inv.name_en"), input("ing-en", { required: true })),
    field(t("inv.dimension"), select("ing-dim", ["mass", "volume", "count"].map((d) => [d, t(`inv.dim.${d}`)]), "mass")),
    field(t("inv.stock_unit"), input("ing-stock", { value: "kg", required: true })), field(t("inv.purchase_unit"), input("ing-purchase", { value: "kg", required: true })),
    field(t("inv.pack"), input("ing-pack")), field(t("inv.pack_holds"), input("ing-pack-qty", { inputmode: "decimal" })), field(t("inv.pack_of"), input("ing-pack-of")),
    field(t("inv.reorder_point"), input("ing-reorder", { inputmode: "decimal", value: "0" })), field(t("inv.par_level"), input("ing-par", { inputmode: "decimal", value: "0" })),
    field(t("inv.supplier"), input("ing-supplier")), el("button", { class: "primary", type: "submit" }, t("admin.add")));
  add.addEventListener("submit", async (e) => {
    e.preventDefault();
    const pack = val("ing-pack").trim();
    const body = { name_zh: val("ing-zh").trim(), name_en: val("ing-en").trim(), dimension: val("ing-dim"), stock_unit: val("ing-stock").trim(),
      purchase_unit: val("ing-purchase").trim(), packs: pack ? [{ name: pack, quantity: val("ing-pack-qty").trim(), of: val("ing-pack-of").trim() }] : [],
      reorder_point: val("ing-reorder").trim() || "0", par_level: val("ing-par").trim() || "0", supplier: val("ing-supplier").trim() };
    if (await guarded(() => api("POST", `${BASE}/ingredients`, body), t("admin.saved"))) again();
  });

  // -- recipes: a dish, one of its sizes, or a modifier option
  const targets = [];
  for (const i of items) {
    targets.push([`item:${i.id}`, `${t("inv.dish")} · ${nm(i)}`]);
    for (const s of i.specs || []) targets.push([`spec:${s.id}`, `${t("inv.size")} · ${nm(i)} ${nm(s)}`]);
  }
  for (const g of (menu && menu.modifier_groups) || []) for (const o of g.options) targets.push([`option:${o.id}`, `${t("inv.option")} · ${nm(g)} ${nm(o)}`]);
  const byId = Object.fromEntries((recipes || []).map((r) => [r.id, r]));
  const ingById = Object.fromEntries(ings.map((i) => [i.id, i]));
  const recipeBox = el("div", { id: "recipe-lines" });
  const targetSel = select("recipe-target", targets, targets.length ? targets[0][0] : "");
  function lineRow(c) {
    const ing = ingById[c.ingredient_id] || ings[0];
    const unitBox = el("span", {}, unitSelect("", ing, ing && ing.stock_unit));
    const ingSel = select("", ings.map((i) => [i.id, nm(i)]), ing && ing.id);
    ingSel.addEventListener("change", () => unitBox.replaceChildren(unitSelect("", ingById[ingSel.value])));
    const qty = el("input", { inputmode: "decimal", value: c.quantity_text || "" });
    const row = el("div", { class: "recipe-line" }, ingSel, qty, unitBox, button("×", () => row.remove()));
    row.read = () => ({ ingredient_id: ingSel.value, quantity: qty.value.trim(), unit: unitBox.querySelector("select").value });
    return row;
  }
  function showRecipe() {
    const r = byId[targetSel.value];
    recipeBox.replaceChildren(...((r && r.components) || []).filter((c) => c.ingredient_id).map((c) => {
      const ing = ingById[c.ingredient_id];
      return lineRow({ ingredient_id: c.ingredient_id, quantity_text: ing ? baseText(c.quantity, ing) : String(c.quantity) });
    }));
  }
  targetSel.addEventListener("change", showRecipe);
  showRecipe();
  const recipePanel = panel(t("inv.recipes"), field(t("inv.recipe_for"), targetSel), recipeBox,
    el("div", { class: "actions" }, button(t("inv.add_line"), () => recipeBox.appendChild(lineRow({}))),
      button(t("inv.save_recipe"), async () => {
        const [kind, ...rest] = targetSel.value.split(":");
        const components = [...recipeBox.children].map((row) => row.read()).filter((c) => c.quantity);
        if (await guarded(() => api("PUT", `${BASE}/recipes/${kind}/${rest.join(":")}`, { components }), t("admin.saved"))) again();
      }, "primary")));

  const suggPanel = panel(t("inv.suggestions"), table([t("inv.ingredient"), t("inv.expected_usage"), t("inv.to_order"), t("inv.supplier")],
    (sugg || []).map((s) => el("tr", {}, el("td", {}, nm(s)), el("td", {}, s.expected_usage_text), el("td", {}, `${s.order} ${s.purchase_unit}`), el("td", {}, s.supplier)))));
  const varPanel = panel(t("inv.variance"), table([t("inv.ingredient"), t("inv.theoretical"), t("inv.actual"), t("inv.gap"), ""],
    (variance || []).map((v) => el("tr", {}, el("td", {}, nm(v)), el("td", {}, `${v.theoretical_text} ${v.stock_unit}`), el("td", {}, `${v.actual_text} ${v.stock_unit}`),
      el("td", {}, yuan(v.gap_value)), el("td", {}, v.gap_bp === null ? "—" : `${(v.gap_bp / 100).toFixed(1)}%`)))));

  pane.replaceChildren(lowPanel, levels, panel(t("inv.receive"), rcv), panel(t("inv.waste"), waste), recipePanel, suggPanel, varPanel,
    panel(t("inv.add_ingredient"), add));
}

// Base units shown in the ingredient's stock unit, for editing a recipe line.
function baseText(base, ing) {
  const factors = { mg: 1, g: 1000, kg: 1e6, "斤": 5e5, "两": 5e4, ml: 1, L: 1000, piece: 1000, ...ing.units };
  const f = factors[ing.stock_unit] || 1;
  return String(Math.round((base / f) * 1000) / 1000);
}
