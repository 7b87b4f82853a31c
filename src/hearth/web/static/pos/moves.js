// The POS's move, merge and split dialogs (static/pos.js loads this module and mounts them with
// the page's state and its order panel).
const { api, t, el, yuan, showError, toast } = Hearth;
const $ = (id) => document.getElementById(id);

// -- move, merge and split: a party moves to a free table, two tables eat as one party (the
//    bill merges into the other), or some dishes go on a bill of their own -----------------
export function mountMoves({ state, act, renderOrder }) {
  const LIVE = ["open", "submitted", "preparing", "ready", "served"];
  const OCCUPIED = ["ordering", "waiting", "eating", "paying"];

  function allTables() { return state.floor.flatMap((a) => a.tables); }

  // The live order at a table, or null: the floor knows tables, not their orders.
  async function liveOrderAt(tableId) {
    const list = await api("GET", `/api/orders?table_id=${tableId}&limit=20`);
    const live = list.filter((o) => LIVE.includes(o.status));
    return live.length ? live[0] : null;
  }

  // Merge this bill into another order; the panel then shows the merged bill at its table.
  async function mergeInto(target, table) {
    try {
      state.order = await api("POST", `/api/orders/${state.order.id}/merge`,
        { into_order_id: target.id });
      state.table = table || null;
      toast(`${t("pos.merge_ok")} #${state.order.number}`, "ok");
      renderOrder();
      return true;
    } catch (err) { showError(err); return false; }
  }

  async function mergeIntoTable(tb) {
    try {
      const target = await liveOrderAt(tb.id);
      if (!target) { toast(t("pos.merge_none"), "error"); return false; }
      return await mergeInto(target, tb);
    } catch (err) { showError(err); return false; }
  }

  function occupiedTiles(onPick) {
    return allTables()
      .filter((tb) => OCCUPIED.includes(tb.status) && (!state.table || tb.id !== state.table.id))
      .map((tb) => el("button", { type: "button", class: `table st-${tb.status}`,
        dataset: { code: tb.code }, onclick: () => onPick(tb) },
        el("strong", {}, tb.code), el("span", {}, t(`table.${tb.status}`))));
  }

  $("transfer").addEventListener("click", () => {
    const dialog = $("transfer-dialog");
    const free = allTables().filter((tb) => tb.status === "free");
    $("transfer-tables").replaceChildren(...free.map((tb) => el("button", {
      type: "button", class: "table st-free", dataset: { code: tb.code }, onclick: async () => {
        dialog.close();
        if (await act("/transfer", { table_id: tb.id })) state.table = tb;
        renderOrder();
      } }, tb.code)));
    // An occupied table cannot take a second party's bill, but the two can become one bill.
    const occupied = occupiedTiles(async (tb) => {
      dialog.close();
      await mergeIntoTable(tb);
    });
    $("transfer-occupied").replaceChildren(...occupied);
    $("transfer-merge-head").classList.toggle("hidden", !occupied.length);
    dialog.showModal();
  });

  $("merge").addEventListener("click", async () => {
    const dialog = $("merge-dialog");
    const pick = (fn) => async () => { dialog.close(); await fn(); };
    const tiles = occupiedTiles((tb) => pick(() => mergeIntoTable(tb))());
    try {
      // Orders with no table (takeaway, counter) can be merged too, by their number.
      const open = (await api("GET", "/api/orders?limit=100"))
        .filter((o) => LIVE.includes(o.status) && !o.table_id && o.id !== state.order.id);
      tiles.push(...open.map((o) => el("button", { type: "button", class: "table st-ordering",
        dataset: { number: String(o.number) }, onclick: pick(() => mergeInto(o, null)) },
        el("strong", {}, `#${o.number}`), el("span", {}, t(`order.${o.status}`)))));
    } catch (err) { showError(err); }
    $("merge-targets").replaceChildren(...tiles);
    $("merge-none").classList.toggle("hidden", tiles.length > 0);
    dialog.showModal();
  });

  $("split-lines").addEventListener("click", () => {
    const live = state.order.lines.filter((ln) => ln.state !== "voided");
    $("split-list").replaceChildren(...live.map((ln) => el("li", {},
      el("label", {}, el("input", { type: "checkbox", value: ln.id, dataset: { id: ln.id } }),
        ` ${ln.quantity}× ${Hearth.lang === "zh" ? ln.name_zh : ln.name_en} `,
        el("span", { class: "price" }, yuan(ln.line_total))))));
    const dialog = $("split-dialog");
    dialog.returnValue = "";
    dialog.onclose = async () => {
      if (dialog.returnValue !== "ok") return;
      const ids = [...$("split-list").querySelectorAll("input:checked")].map((i) => i.value);
      if (!ids.length) { toast(t("pos.split_pick"), "error"); return; }
      try {
        const bill = await api("POST", `/api/orders/${state.order.id}/split`, { line_ids: ids });
        toast(`${t("pos.split_ok")} #${bill.number} ${yuan(bill.totals.total)}`, "ok");
        state.order = await api("GET", `/api/orders/${state.order.id}`);
        renderOrder();
      } catch (err) { showError(err); }
    };
    dialog.showModal();
  });
}
