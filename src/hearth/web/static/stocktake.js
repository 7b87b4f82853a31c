// Stocktake page (phone): one row per ingredient with what the books expect; type what is on
// the shelf, in any unit the ingredient converts to, and submit the sheet. Blank rows are not
// counted. The server computes the variance and its value; a refusal is shown in its words.
"use strict";

(() => {
  const { api, t, yuan, el, showError, name } = Hearth;
  const $ = (id) => document.getElementById(id);

  function show(which) {
    for (const id of ["register", "login", "sheet"]) $(id).classList.toggle("hidden", id !== which);
  }

  const signIn = SignIn.mount({ show, onSignedIn: start });
  let ingredients = [];

  function row(i) {
    const qty = el("input", { inputmode: "decimal", "data-ingredient": i.id, "aria-label": name(i) });
    const unit = el("select", {}, i.unit_names.map((n) => el("option", { value: n, selected: n === i.stock_unit }, n)));
    const line = el("div", { class: "count-line" },
      el("div", {}, el("strong", {}, name(i)), el("div", { class: "muted" }, `${t("inv.expected")}: ${i.on_hand_text} ${i.stock_unit}`)),
      qty, unit);
    line.read = () => (qty.value.trim() ? { ingredient_id: i.id, quantity: qty.value.trim(), unit: unit.value } : null);
    return line;
  }

  async function load() {
    ingredients = await api("GET", "/api/inventory/ingredients");
    $("count-lines").replaceChildren(...ingredients.map(row));
  }

  $("count-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const lines = [...$("count-lines").children].map((r) => r.read()).filter(Boolean);
    if (!lines.length) return;
    try {
      const res = await api("POST", "/api/inventory/stocktakes", { lines });
      const trs = res.lines.map((l) => el("tr", {}, el("td", {}, name(l)),
        el("td", { class: l.variance < 0 ? "neg" : "" }, String(l.variance / 1000)), el("td", {}, yuan(l.variance_value))));
      $("count-result").replaceChildren(el("p", {}, `${t("inv.count_done")}: `, el("strong", { id: "variance-total" }, yuan(res.variance_value))),
        el("table", {}, el("tbody", {}, trs)));
      await load();
    } catch (err) {
      if (err.status === 401) signIn.expired();
      showError(err);
    }
  });

  async function start() {
    show("sheet");
    try { await load(); } catch (err) { if (err.status === 401) signIn.expired(); showError(err); }
  }

  (async () => { if (await signIn.ensure()) start(); })();
})();
