// The POS page: sign in with a PIN, the floor plan, taking an order fast, sending it to the
// kitchen, voids with a manager's approval. Every price shown comes from the server.
import { refreshCalls, refreshPacing, refreshStatus } from "/static/pos/banners.js";
import { mountMoves } from "/static/pos/moves.js";
import { showReceipt } from "/static/pos/receipt.js";

(() => {
  const { api, t, name, yuan, el, showError, toast } = Hearth;
  const $ = (id) => document.getElementById(id);
  const state = { menu: null, groups: {}, items: {}, floor: [], area: null, order: null, table: null,
                  category: null, search: "" };

  // -- views ------------------------------------------------------------------------------
  function show(view) {
    for (const id of ["register", "login", "floor", "ordering"]) {
      $(id).classList.toggle("hidden", id !== view);
    }
    $("sign-out").classList.toggle("hidden", view === "register" || view === "login");
  }

  async function start() {
    if (!(await signIn.ensure())) return;
    await loadMenu();
    await showFloor();
    refreshCalls();
    refreshPacing();
    refreshStatus();
    listen();
    // The seated minutes on the tiles move with the clock, not with the journal: redraw them
    // from what the till already has, no request.
    if (!minuteTick) minuteTick = setInterval(() => { if (state.floor.length) drawFloor(); }, 30000);
  }
  let minuteTick = null;

  // -- live: the journal's events (GET /pos/events, Server-Sent Events) say what changed, and
  //    the till reads just that. A burst of events (a table's whole order sent) is one redraw.
  //    While the feed is down the till polls slowly, and catches up in full when it is back.
  const REFRESH = {
    floor: () => refreshFloor(),
    order: () => refreshOpenOrder(),
    calls: () => refreshCalls(),
    payment: () => refreshStatus(),
    menu: () => reloadMenu(),
    delivery: () => refreshPacing(),
  };
  const TOPICS = { order: ["floor", "order", "delivery"], ticket: ["order", "delivery"],
                   floor: ["floor"], calls: ["calls"], payment: ["payment", "floor"],
                   menu: ["menu"], delivery: ["delivery"] };
  const due = new Set();
  let dueTimer = null;
  function nudge(...parts) {
    parts.forEach((p) => due.add(p));
    if (dueTimer) return;
    dueTimer = setTimeout(() => {
      dueTimer = null;
      const now = [...due];
      due.clear();
      now.forEach((p) => Promise.resolve(REFRESH[p]()).catch(() => {}));
    }, 150);
  }
  const everything = () => nudge(...Object.keys(REFRESH));

  let feed = null;
  let fallback = null;
  function listen() {
    if (feed) feed.close();
    const token = localStorage.getItem("hearth_token");
    if (!token) return;
    const es = new EventSource(`/pos/events?access_token=${encodeURIComponent(token)}`);
    feed = es;
    window.hearthPosFeed = es;  // for the browser tests
    es.onopen = () => {
      if (fallback) { clearInterval(fallback); fallback = null; }
      everything();  // what happened while the feed was down, already seen or not
    };
    es.addEventListener("error", () => {
      if (feed !== es) return;
      if (!fallback) fallback = setInterval(everything, 30000);
      // A closed feed (its token expired, the till revoked) is not retried by the browser:
      // the next request the fallback makes meets the sign-in, which starts a new feed.
      if (es.readyState === EventSource.CLOSED) setTimeout(listen, 10000);
    });
    $("sign-out").addEventListener("click", () => es.close(), { once: true });
    const onEvent = (e) => {
      let ev;
      try { ev = JSON.parse(e.data); } catch (err) { return; }
      // The open bill is read again only when the event is about it.
      const mine = state.order && state.order.id === ev.order_id;
      nudge(...(TOPICS[ev.topic] || []).filter((p) => p !== "order" || mine));
    };
    es.addEventListener("message", onEvent);  // the feed sends every event unnamed
  }

  // The bill on screen, when someone else changed it (a diner's phone, the kitchen, a second
  // till).
  async function refreshOpenOrder() {
    if (!state.order || $("ordering").classList.contains("hidden")) return;
    const id = state.order.id;
    let fresh;
    try {
      fresh = await api("GET", `/api/orders/${id}`, undefined, { retries: 1 });
    } catch (err) { return; }
    if (!state.order || state.order.id !== id) return;  // the till moved on meanwhile
    state.order = fresh;
    renderOrder();
  }

  async function reloadMenu() {
    await loadMenu();
    if (!$("ordering").classList.contains("hidden")) renderItems();
  }

  // Staff sign-in is signin.js, shared with the KDS and the delivery board.
  const signIn = SignIn.mount({ show, onSignedIn: () => start().catch(showError) });

  // -- floor ------------------------------------------------------------------------------
  async function showFloor() {
    state.order = null;
    state.table = null;
    show("floor");
    await refreshFloor();
  }

  async function refreshFloor() {
    if ($("floor").classList.contains("hidden")) return;
    await syncClock();
    try {
      state.floor = await api("GET", "/api/floor", undefined, { retries: 1 });
    } catch (err) { return; }
    drawFloor();
    refreshToPay();
  }

  function drawFloor() {
    if ($("floor").classList.contains("hidden")) return;
    if (!state.area && state.floor.length) state.area = state.floor[0].id;
    const tabs = $("areas");
    tabs.replaceChildren(...state.floor.map((a) => el("button", {
      type: "button", class: a.id === state.area ? "on" : "",
      onclick: () => { state.area = a.id; drawFloor(); } }, name(a))));
    const area = state.floor.find((a) => a.id === state.area) || state.floor[0];
    $("tables").replaceChildren(...(area ? area.tables : []).map(tableTile));
  }

  // Takeaway and kiosk orders not paid yet: a guest who chose "pay at the counter" on the
  // kiosk gives the cashier their number, the cashier finds it here, and paying it sends it
  // to the kitchen.
  async function refreshToPay() {
    let open = [];
    try {
      open = (await api("GET", "/api/orders?limit=100", undefined, { retries: 1 }))
        .filter((o) => o.channel === "takeaway" &&
          ["open", "submitted", "preparing", "ready", "served"].includes(o.status) &&
          o.total > 0);
    } catch (err) { return; }
    $("to-pay").classList.toggle("hidden", !open.length);
    $("to-pay-list").replaceChildren(...open.map((o) => el("button", {
      type: "button", class: "table st-paying", dataset: { number: String(o.number) },
      onclick: async () => {
        try {
          state.table = null;
          state.order = await api("GET", `/api/orders/${o.id}`);
          showOrdering();
        } catch (err) { showError(err); }
      } }, el("strong", {}, `#${o.number}`), el("span", {}, t(`order.${o.status}`)))));
  }

  // Seated minutes are counted on the server's clock: a tablet whose clock is off by ten
  // minutes must not say a table just seated has waited ten. The offset comes from the Date
  // header (whole seconds, so half a second is added), refreshed every few minutes.
  let clockOffset = 0;
  let clockSyncedAt = 0;
  async function syncClock() {
    if (Date.now() - clockSyncedAt < 180000) return;
    try {
      const sent = Date.now();
      const res = await fetch("/api/auth/me", { cache: "no-store", headers: {
        Authorization: `Bearer ${localStorage.getItem("hearth_token")}` } });
      const received = Date.now();
      const server = Date.parse(res.headers.get("Date") || "");
      if (Number.isNaN(server)) return;
      clockOffset = server + 500 - (sent + received) / 2;
      clockSyncedAt = received;
    } catch (err) { /* keep the last offset */ }
  }
  function serverNow() { return Date.now() + clockOffset; }

  function tableTile(tb) {
    const minutes = tb.seated_at_ms ?
      Math.max(0, Math.floor((serverNow() - tb.seated_at_ms) / 60000)) : null;
    return el("button", { type: "button", class: `table st-${tb.status}`,
      dataset: { code: tb.code }, onclick: () => openTable(tb) },
      el("strong", {}, tb.code),
      el("span", {}, t(`table.${tb.status}`)),
      tb.held_reason ? el("em", { class: "held" }, t("pos.held")) : null,
      el("small", {}, `${tb.seats} ${t("pos.seats")}${minutes !== null ?
        ` · ${minutes} ${t("pos.minutes")}` : ""}`));
  }

  async function openTable(tb) {
    if (tb.status === "to_clean") {
      try {
        await api("POST", `/api/tables/${tb.id}/clean`);
        toast(t("pos.clean"), "ok");
        refreshFloor();
      } catch (err) { showError(err); }
      return;
    }
    try {
      const open = await api("GET", `/api/orders?table_id=${tb.id}&limit=20`);
      const live = open.filter((o) => !["paid", "closed", "voided", "cancelled", "merged"]
        .includes(o.status));
      // After a split a table has several bills: the waiter chooses which one to open.
      const pick = live.length > 1 ? await chooseBill(live) : live[live.length - 1];
      if (live.length > 1 && !pick) return;
      state.order = pick ? await api("GET", `/api/orders/${pick.id}`) : null;
      state.table = tb;
      showOrdering();
    } catch (err) { showError(err); }
  }

  function chooseBill(bills) {
    const dialog = $("bills-dialog");
    return new Promise((resolve) => {
      let chosen = null;
      $("bills-list").replaceChildren(...bills.map((o) => el("button", { type: "button",
        class: "table st-ordering", dataset: { number: String(o.number) },
        onclick: () => { chosen = o; dialog.close(); } },
        el("strong", {}, `#${o.number}`), el("span", {}, yuan(o.total)))));
      dialog.onclose = () => resolve(chosen);
      dialog.showModal();
    });
  }

  $("takeaway").addEventListener("click", () => {
    state.table = null;
    state.order = null;
    showOrdering();
  });
  $("back").addEventListener("click", showFloor);

  // -- menu -------------------------------------------------------------------------------
  async function loadMenu() {
    state.menu = await api("GET", "/api/menu");
    state.groups = Object.fromEntries(state.menu.modifier_groups.map((g) => [g.id, g]));
    state.items = Object.fromEntries(state.menu.items.map((i) => [i.id, i]));
    // Why a dish is sold out when inventory sold it out ("no 鸡蛋 left"); none without the module.
    const why = await api("GET", "/api/inventory/sold-out", undefined, { retries: 1 }).catch(() => []);
    state.why86 = Object.fromEntries(why.map((r) => [r.item_id, Hearth.lang === "zh" ? r.reason_zh : r.reason_en]));
  }

  function showOrdering() {
    show("ordering");
    renderCategories();
    renderItems();
    renderOrder();
    $("search").value = "";
    state.search = "";
  }

  function renderCategories() {
    const all = [{ id: null, name_zh: t("pos.all"), name_en: t("pos.all") },
      ...state.menu.categories];
    $("categories").replaceChildren(...all.map((c) => el("button", {
      type: "button", class: c.id === state.category ? "on" : "",
      onclick: () => { state.category = c.id; renderCategories(); renderItems(); } }, name(c))));
  }

  // Each render takes a number; an answer that comes back after a newer render started (a slow
  // search for "g" landing after the one for "gbjd") is dropped instead of painting stale items.
  let renderSeq = 0;
  async function renderItems() {
    const seq = ++renderSeq;
    let items = state.menu.items.filter((i) => i.active);
    if (state.search) {
      let hits;
      try {
        hits = await api("GET",
          `/api/menu/search?q=${encodeURIComponent(state.search)}&limit=50`);
      } catch (err) {
        if (seq === renderSeq) showError(err);
        return;
      }
      if (seq !== renderSeq) return;
      const ids = new Set(hits.map((h) => h.id));
      items = items.filter((i) => ids.has(i.id));
    } else if (state.category) {
      items = items.filter((i) => i.category_id === state.category);
    }
    $("items").replaceChildren(...items.map((i) => el("button", {
      type: "button", class: `item${i.sold_out ? " sold-out" : ""}`, disabled: i.sold_out,
      dataset: { name: i.name_en }, onclick: () => chooseItem(i) },
      el("strong", {}, name(i)),
      el("span", { class: "price" }, yuan(i.price)),
      i.remaining !== null && i.remaining !== undefined ?
        el("small", { class: "left" }, t("pos.left").replace("{n}", i.remaining)) : null,
      i.sold_out && state.why86 && state.why86[i.id] ? el("small", { class: "why" }, state.why86[i.id]) : null)));
  }

  let searchTimer;
  $("search").addEventListener("input", (e) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { state.search = e.target.value.trim(); renderItems(); }, 120);
  });

  // -- the item dialog is static/chooser.js (shared with the diner's phone and the kiosk), with
  //    the staff extras: a typed quantity, seat, course and hold --------------------------------
  function chooseItem(item) {
    Chooser.open(item, { dialog: $("item-dialog"), form: $("item-form"), groups: state.groups,
      items: state.items, staff: true, addText: t("pos.add"), noteText: t("pos.note"),
      onAdd: (line) => addLine(line) });
  }

  async function addLine(line) {
    try {
      if (state.order) {
        state.order = await api("POST", `/api/orders/${state.order.id}/lines`, { lines: [line] });
      } else {
        const body = state.table ?
          { channel: "dine_in", table_id: state.table.id, lines: [line] } :
          { channel: "takeaway", lines: [line] };
        state.order = await api("POST", "/api/orders", body);
      }
      renderOrder();
    } catch (err) {
      showError(err);
      if (err.code === "item-sold-out") { await loadMenu(); renderItems(); }
    }
  }

  // -- the order panel --------------------------------------------------------------------
  function renderOrder() {
    const o = state.order;
    const where = state.table ? state.table.code : t("pos.takeaway");
    $("order-title").textContent = o ? `#${o.number} · ${where} · ${t(`order.${o.status}`)}` :
      `${where} · ${t("pos.empty")}`;
    $("lines").replaceChildren(...(o ? o.lines : []).map((ln) => el("li", {
      class: `line st-${ln.state}`, dataset: { id: ln.id } },
      el("div", { class: "line-main" },
        el("span", { class: "qty" }, `${ln.quantity}×`),
        el("span", { class: "nm" }, Hearth.lang === "zh" ? ln.name_zh : ln.name_en,
          ln.spec_id ? ` (${Hearth.lang === "zh" ? ln.spec_name_zh : ln.spec_name_en})` : ""),
        el("span", { class: "price" }, yuan(ln.line_total))),
      el("div", { class: "line-sub muted" }, [
        ...[...ln.modifiers, ...ln.combo_items].map((m) => name(m)),
        ln.note ? `“${ln.note}”` : "",
        ln.seat ? `${t("pos.seat")} ${ln.seat}` : "",
        ln.course > 1 ? `${t("pos.course")} ${ln.course}` : "",
        ln.held ? t("pos.hold") : "",
        ln.discount ? `${t("pos.discount")} ${discountText(ln.discount)}` : "",
        t(`state.${ln.state}`)].filter(Boolean).join(" · ")),
      ln.state === "voided" ? null : el("div", { class: "line-acts" },
        el("button", { type: "button", class: "line-disc cashier-only",
          onclick: () => openDiscount(ln) }, t("pos.line_discount")),
        el("button", { type: "button", class: "void", onclick: () => voidLine(ln) },
          ln.state === "pending" ? t("pos.remove") : t("pos.void"))))));
    const tot = o ? o.totals : null;
    $("totals").replaceChildren(...(tot ? [
      el("dt", {}, t("pos.subtotal")), el("dd", { class: "price" }, yuan(tot.subtotal)),
      tot.line_discounts + tot.order_discount ? el("dt", {}, t("pos.discounts")) : null,
      tot.line_discounts + tot.order_discount ?
        el("dd", { class: "price" }, yuan(-(tot.line_discounts + tot.order_discount))) : null,
      tot.service_charge ? el("dt", {}, t("pos.service")) : null,
      tot.service_charge ? el("dd", { class: "price" }, yuan(tot.service_charge)) : null,
      el("dt", { class: "grand" }, t("pos.total")),
      el("dd", { class: "grand price", id: "order-total" }, yuan(tot.total)),
    ] : []).filter(Boolean));
    for (const id of ["send", "fire", "split", "transfer", "merge", "split-lines", "discount",
                      "bill", "pay"]) {
      $(id).disabled = !o;
    }
    const course = nextHeldCourse(o);
    $("fire").disabled = course === null;
    $("fire").textContent = course === null ? t("pos.fire") : `${t("pos.fire")} ${course}`;
    $("fire").dataset.course = course === null ? "" : String(course);
    $("show-receipt").classList.toggle("hidden", !o || !["paid", "closed"].includes(o.status));
    // Table sessions: a diners' send waiting for staff, and seating or clearing a table that
    // has no order yet (phones order only at a seated table).
    const tb = state.table;
    $("confirm-send").classList.toggle("hidden", !(tb && tb.held_reason));
    $("seat-table").classList.toggle("hidden", !tb || !!o);
    $("seat-table").textContent = tb && tb.session_id ? t("pos.clear_table") : t("pos.seat_table");
  }

  async function reloadTable() {
    if (!state.table) return;
    const floor = await api("GET", "/api/floor", undefined, { retries: 1 });
    const found = floor.flatMap((a) => a.tables).find((x) => x.id === state.table.id);
    if (found) state.table = found;
  }

  $("seat-table").addEventListener("click", async () => {
    const tb = state.table;
    try {
      if (tb.session_id) {
        await api("POST", `/api/tables/${tb.id}/clean`);
        toast(t("pos.clean"), "ok");
      } else {
        await api("POST", `/api/tables/${tb.id}/seat`);
        toast(t("pos.seated_ok"), "ok");
      }
      await reloadTable();
      renderOrder();
    } catch (err) { showError(err); }
  });

  $("confirm-send").addEventListener("click", async () => {
    try {
      state.order = await api("POST", `/api/tables/${state.table.id}/confirm-send`);
      await reloadTable();
      renderOrder();
      toast(t("pos.confirmed_ok"), "ok");
    } catch (err) { showError(err); }
  });

  async function act(path, body) {
    try {
      state.order = await api("POST", `/api/orders/${state.order.id}${path}`, body);
      renderOrder();
      return true;
    } catch (err) { showError(err); return false; }
  }

  $("send").addEventListener("click", async () => {
    if (await act("/submit")) toast(t("pos.sent_ok"), "ok");
  });
  // The next course to fire: the lowest course with held lines, or null when nothing is held.
  function nextHeldCourse(order) {
    const held = order ? order.lines.filter((l) => l.state === "pending" && l.held) : [];
    return held.length ? Math.min(...held.map((l) => l.course)) : null;
  }

  $("fire").addEventListener("click", () => {
    const course = nextHeldCourse(state.order);
    if (course !== null) act("/fire", { course });
  });
  $("bill").addEventListener("click", () => act("/request-bill"));
  $("split").addEventListener("click", async () => {
    try {
      const res = await api("POST", `/api/orders/${state.order.id}/split-by-seat`);
      toast(res.orders.map((o) => `#${o.number} ${yuan(o.totals.total)}`).join(", "), "ok");
      state.order = await api("GET", `/api/orders/${state.order.id}`);
      renderOrder();
    } catch (err) { showError(err); }
  });

  function voidLine(ln) {
    if (ln.state === "pending") {
      act(`/lines/${ln.id}/remove`);
      return;
    }
    $("void-name").textContent = name(ln);
    $("void-reason").value = "";
    $("void-manager").value = "";
    $("void-pin").value = "";
    const dialog = $("void-dialog");
    dialog.returnValue = "";
    dialog.onclose = () => {
      if (dialog.returnValue !== "ok") return;
      const body = { reason: $("void-reason").value.trim() };
      if ($("void-manager").value) {
        body.approval = { staff_code: $("void-manager").value.trim(), pin: $("void-pin").value };
      }
      act(`/lines/${ln.id}/void`, body);
    };
    dialog.showModal();
  }

  function discountText(dc) {
    return dc.kind === "percent" ? `${dc.value / 100}%` : yuan(dc.value);
  }

  // One dialog for the bill's discount and a line's: over the store's limit it needs a
  // manager's code and PIN, and the server says so in plain words if they are missing.
  function openDiscount(line) {
    const dialog = $("discount-dialog");
    $("discount-target").textContent = line ?
      `· ${line.quantity}× ${Hearth.lang === "zh" ? line.name_zh : line.name_en}` : "";
    dialog.dataset.line = line ? line.id : "";
    for (const id of ["discount-value", "discount-reason", "discount-manager", "discount-pin"]) {
      $(id).value = "";
    }
    dialog.returnValue = "";
    dialog.onclose = () => {
      if (dialog.returnValue !== "ok") return;
      const kind = document.querySelector("#discount-form input[name=kind]:checked").value;
      // Percent in basis points or an amount in fen, both read by Hearth.parseFen; a typo goes
      // to the server as null and its problem names the field.
      const value = Hearth.parseFen($("discount-value").value);
      const body = { kind, value, reason: $("discount-reason").value.trim() };
      if (line) body.line_id = line.id;
      if ($("discount-manager").value) {
        body.approval = { staff_code: $("discount-manager").value.trim(),
                          pin: $("discount-pin").value };
      }
      act("/discount", body);
    };
    dialog.showModal();
  }
  $("discount").addEventListener("click", () => openDiscount(null));

  // -- move, merge and split: static/pos/moves.js ------------------------------------------
  mountMoves({ state, act, renderOrder });

  // -- checkout (static/checkout.js): the order panel follows the bill; a paid table goes back
  //    to the floor, where it shows "to clean" ----------------------------------------------
  $("pay").addEventListener("click", () => {
    PosCheckout.open(state.order, async (closed) => {
      refreshStatus();
      try {
        state.order = await api("GET", `/api/orders/${state.order.id}`);
      } catch (err) { return; }
      renderOrder();
      if (["paid", "closed"].includes(state.order.status)) {
        lastPaid = state.order;
        $("last-receipt").textContent = `${t("pos.show_receipt")} #${lastPaid.number}`;
        $("last-receipt").classList.remove("hidden");
      }
      if (closed && ["paid", "closed"].includes(state.order.status)) showFloor();
    });
  });

  // -- the on-screen receipt: static/pos/receipt.js; checkout calls it too:
  //    window.hearthShowReceipt(orderId).
  window.hearthShowReceipt = showReceipt;

  let lastPaid = null;  // the last bill paid on this till, for "Show receipt" on the floor
  $("last-receipt").addEventListener("click", () => lastPaid && showReceipt(lastPaid.id));
  $("show-receipt").addEventListener("click", () => state.order && showReceipt(state.order.id));

  start().catch(showError);
})();
