// The diner page: a phone at a table. Choose dishes into a cart on this phone, add the cart to
// the table's shared order (everyone at the table sees it within ~2 s), send it to the kitchen,
// follow its status, call a waiter, ask for the bill. The server prices everything; the cart
// only shows the menu's prices as a guide and the table order shows the server's totals.
// A phone may change the order only while the table is seated: it learns the table's session
// when it loads the table and sends it with every change; once the session ends (the bill is
// paid, the table cleared) the phone says so politely instead of ordering.
"use strict";

(() => {
  const { api, t, name, yuan, el, toast } = Hearth;
  const { picture, fromPrice } = Guest;
  const $ = (id) => document.getElementById(id);
  const token = window.DINER_TOKEN;
  const base = `/api/qr/${encodeURIComponent(token)}`;
  const cartKey = `hearth_cart_${token}`;
  const state = { menu: null, groups: {}, items: {}, order: null, table: null, cart: [],
                  submitKey: null, dead: false, category: null, live: false, session: null,
                  waiting: null, seatTried: false };
  const inSession = () => ({ token: null, headers: { "X-Table-Session": state.session || "" } });

  // -- errors: the server's code in the diner's language, a full-page message when the QR
  //    code itself is no good (a phone cannot fix that, a rescan can) -------------------------
  function explain(err) {
    const code = err.code || (err.problem && err.problem.code);
    if (code === "qr-expired" || code === "qr-invalid" || code === "table-closed") {
      return rescan(code);
    }
    const key = `diner.err.${code}`;
    const text = t(key);
    const p = err.problem || {};
    toast(text !== key ? text : (p.detail || p.title || err.message), "error");
  }

  function rescan(code) {
    state.dead = true;
    $("diner-app").classList.add("hidden");
    $("cart-bar").classList.add("hidden");
    for (const d of document.querySelectorAll("dialog[open]")) d.close();
    $("rescan-title").textContent = t(code === "table-closed" ? "diner.closed_title" :
      "diner.rescan_title");
    $("rescan-text").textContent = t(code === "qr-expired" ? "diner.expired" :
      code === "table-closed" ? "diner.closed" : "diner.invalid");
    $("rescan").dataset.code = code;
    $("rescan").classList.remove("hidden");
  }

  // -- loading and live refresh --------------------------------------------------------------
  async function loadMenu() {
    state.menu = await api("GET", `${base}/menu`, undefined, { token: null, retries: 1 });
    state.groups = Object.fromEntries(state.menu.modifier_groups.map((g) => [g.id, g]));
    state.items = Object.fromEntries(state.menu.items.map((i) => [i.id, i]));
    // A dish that sold out since it went in the cart leaves the cart too, with a word why.
    const before = state.cart.length;
    state.cart = state.cart.filter((c) => state.items[c.item_id]);
    if (state.cart.length !== before) { toast(t("diner.sold_out_now"), "error"); saveCart(); }
    renderMenu();
    renderCart();
  }

  async function loadOrder() {
    let view = await api("GET", base, undefined, { token: null, retries: 1 });
    const session = view.session || {};
    if (!session.id && session.may_self_seat && !state.seatTried && !state.session) {
      // The store lets a diner's scan seat a free table; its first send waits for staff.
      state.seatTried = true;
      await api("POST", `${base}/seat`, {}, { token: null });
      view = await api("GET", base, undefined, { token: null, retries: 1 });
    }
    const now = (view.session || {}).id || null;
    // No session, or another party's: this phone's table is closed.
    if (!now || (state.session && now !== state.session)) return rescan("table-closed");
    state.session = now;
    state.waiting = view.session.waiting_confirmation;
    state.table = view.table;
    state.order = view.order;
    $("table-name").textContent = `${t("diner.table")} ${view.table.code}`;
    renderShared();
  }

  async function tick(fn) {
    if (state.dead) return;
    try { await fn(); } catch (err) {
      if (["qr-expired", "qr-invalid", "table-closed"].includes(err.code)) rescan(err.code);
      // Otherwise the offline banner already says so; the next tick tries again.
    }
  }

  async function start() {
    try {
      state.cart = JSON.parse(sessionStorage.getItem(cartKey) || "[]");
    } catch (e) { state.cart = []; }
    try {
      await loadOrder();
      if (state.dead) return;
      await loadMenu();
    } catch (err) { return explain(err); }
    $("diner-app").classList.remove("hidden");
    // Two phones at one table see each other's items: the server nudges this phone the moment
    // the table's order changes (SSE); a poll every 2 s covers a phone whose stream is down,
    // and every 10 s otherwise (a transfer onto this table, say). A dish sold out (86) nudges
    // every phone too, so it leaves the menu at once; the menu is also re-read every 10 s while
    // the stream is down and every 60 s otherwise (a sold-out time running out has no event).
    listen();
    let ticks = 0;
    setInterval(() => {
      ticks += 1;
      if (!state.live || ticks % 5 === 0) tick(loadOrder);
      if ((!state.live && ticks % 5 === 0) || ticks % 30 === 0) tick(loadMenu);
    }, 2000);
  }

  function listen() {
    if (!window.EventSource) return;
    const source = new EventSource(`/t/${encodeURIComponent(token)}/events`);
    let pending = null;
    source.onopen = () => { state.live = true; document.body.dataset.live = "1"; };
    source.onerror = () => {
      state.live = false;
      document.body.dataset.live = "0";
      if (state.dead) source.close();
    };
    let menuPending = null;
    const nudge = () => {
      clearTimeout(pending);
      pending = setTimeout(() => tick(loadOrder), 120);  // one refetch for a burst of events
    };
    const menuNudge = () => {
      clearTimeout(menuPending);
      menuPending = setTimeout(() => tick(loadMenu), 120);
    };
    for (const type of window.DINER_MENU_EVENTS || []) source.addEventListener(type, menuNudge);
    // The feed names each message by its event type; every one of them means "refetch".
    for (const type of ["OrderOpened", "LinesAdded", "LineRemoved", "LinesSent", "LineVoided",
      "LinesMovedIn", "LinesMovedOut", "OrderStatusChanged", "BillRequested", "OrderVoided",
      "OrderCancelled", "OrderMerged", "OrderReopened", "TableTransferred", "LineDiscountApplied",
      "OrderDiscountApplied", "ServiceChargeSet", "TableTokenRotated", "TableCleaned", "TableUpdated",
      "TableSeated", "TableSessionEnded", "DinerSendHeld", "DinerSendConfirmed"]) {
      source.addEventListener(type, nudge);
    }
    source.addEventListener("message", nudge);
  }

  // -- the menu --------------------------------------------------------------------------------
  function renderMenu() {
    const cats = state.menu.categories;
    $("cats").replaceChildren(...cats.map((c) => el("a", {
      href: `#cat-${c.id}`, class: c.id === state.category ? "on" : "",
      onclick: () => { state.category = c.id; } }, name(c))),
    el("a", { href: "#shared", class: "to-shared" }, t("diner.table_order_short")));
    $("menu").replaceChildren(...cats.map((c) => el("section", { class: "cat", id: `cat-${c.id}` },
      el("h2", {}, name(c)),
      ...state.menu.items.filter((i) => i.category_id === c.id).map(dishCard))));
  }

  function dishCard(item) {
    return el("article", { class: "dish", dataset: { name: item.name_en, id: item.id } },
      picture(item),
      el("div", { class: "dish-body" },
        el("h3", {}, name(item)),
        el("small", { class: "muted" }, Hearth.lang === "zh" ? item.name_en : item.name_zh),
        el("div", { class: "dish-foot" },
          el("span", { class: "price" }, `${item.specs && item.specs.length > 1 ? "≥ " : ""}${
            yuan(fromPrice(item))}`),
          el("button", { type: "button", class: "add primary", "aria-label": t("diner.add"),
                         onclick: () => choose(item) }, "+"))));
  }

  function choose(item) {
    Guest.choose(item, state, (line, guide, label) => {
      state.cart.push({ ...line, guide, label });
      saveCart();
      renderCart();
    });
  }

  // -- the cart (this phone only) ------------------------------------------------------------
  function saveCart() {
    state.submitKey = null;  // a changed cart is a new request
    sessionStorage.setItem(cartKey, JSON.stringify(state.cart));
  }

  function renderCart() {
    const n = state.cart.reduce((a, c) => a + c.quantity, 0);
    const sum = state.cart.reduce((a, c) => a + c.guide * c.quantity, 0);
    $("cart-bar").classList.toggle("hidden", !n || state.dead);
    $("cart-count").textContent = String(n);
    $("cart-sum").textContent = yuan(sum);
    $("cart-lines").replaceChildren(...state.cart.map((c, i) => el("li", { class: "cart-line" },
      el("span", { class: "nm" }, `${c.quantity}× ${Guest.label(c.label)}`,
        c.note ? el("small", { class: "muted" }, ` “${c.note}”`) : null),
      el("span", { class: "price" }, yuan(c.guide * c.quantity)),
      el("button", { type: "button", class: "link", onclick: () => {
        state.cart.splice(i, 1); saveCart(); renderCart();
        if (!state.cart.length) $("cart-dialog").close();
      } }, t("diner.remove")))));
    if (!state.cart.length) {
      $("cart-lines").appendChild(el("li", { class: "muted" }, t("diner.cart_empty")));
    }
  }

  $("cart-bar").addEventListener("click", () => {
    renderCart();
    const dialog = $("cart-dialog");
    dialog.returnValue = "";
    dialog.showModal();
  });

  $("cart-dialog").addEventListener("close", async () => {
    if ($("cart-dialog").returnValue !== "ok" || !state.cart.length) return;
    // The same key until it succeeds: a retry after a lost answer cannot add the cart twice.
    state.submitKey = state.submitKey || Hearth.newKey();
    const body = { lines: state.cart.map(({ guide, label, ...line }) => line) };
    const guests = Number($("guests").value);
    if (guests > 0) body.guests = guests;
    try {
      state.order = await api("POST", `${base}/lines`, body,
        { ...inSession(), key: state.submitKey });
      state.cart = [];
      saveCart();
      renderCart();
      renderShared();
      toast(t("diner.added"), "ok");
    } catch (err) {
      explain(err);
      if (err.code === "item-sold-out" || err.code === "item-unavailable") tick(loadMenu);
    }
  });

  // -- the table's shared order --------------------------------------------------------------
  const STEPS = ["submitted", "preparing", "ready", "served"];

  function renderShared() {
    const o = state.order;
    const lines = o ? o.lines : [];
    $("shared-lines").replaceChildren(...lines.map((ln) => el("li", {
      class: `shared-line st-${ln.state}`, dataset: { id: ln.id, name: ln.name_en } },
      el("span", { class: "nm" }, `${ln.quantity}× ${Hearth.lang === "zh" ? ln.name_zh : ln.name_en}`,
        ln.spec_id ? ` (${Hearth.lang === "zh" ? ln.spec_name_zh : ln.spec_name_en})` : "",
        [...ln.modifiers, ...ln.combo_items].length ?
          el("small", { class: "muted" }, ` ${[...ln.modifiers, ...ln.combo_items].map(name).join(", ")}`) : null,
        ln.note ? el("small", { class: "muted" }, ` “${ln.note}”`) : null),
      el("span", { class: "state" }, t(ln.state === "pending" ? "diner.pending" :
        ln.state === "voided" ? "diner.voided" : "diner.sent_state")),
      el("span", { class: "price" }, yuan(ln.line_total)),
      ln.state === "pending" ? el("button", { type: "button", class: "link remove",
        onclick: () => removeLine(ln) }, t("diner.remove")) : null)));
    if (!lines.length) {
      $("shared-lines").appendChild(el("li", { class: "muted" }, t("diner.nothing_yet")));
    }
    $("shared-total").textContent = o ? `${t("diner.total")} ${yuan(o.totals.total)}` : "";
    $("shared-total").dataset.total = o ? String(o.totals.total) : "0";
    $("send").classList.toggle("hidden", !lines.some((l) => l.state === "pending"));
    const status = $("status");
    const at = o ? STEPS.indexOf(o.status) : -1;
    status.classList.toggle("hidden", at < 0);
    status.dataset.status = o ? o.status : "";
    status.replaceChildren(...STEPS.slice(0, 3).map((s, i) => el("span", {
      class: `step${i <= at ? " done" : ""}` }, t(`order.${s}`))));
    $("bill").disabled = !o || o.bill_requested;
    $("waiting").classList.toggle("hidden", !state.waiting);
  }

  async function post(path, body, ok) {
    try {
      const res = await api("POST", `${base}${path}`, body, inSession());
      if (res && res.id) {
        state.order = res;
        state.waiting = res.waiting_confirmation || null;
        renderShared();
      }
      if (res && res.waiting_confirmation) toast(t("diner.waiting"), "ok");
      else if (ok) toast(t(ok), "ok");
      return res;
    } catch (err) { explain(err); return null; }
  }

  function removeLine(ln) { post(`/lines/${ln.id}/remove`, {}); }
  $("send").addEventListener("click", () => post("/submit", {}, "diner.sent"));
  $("call").addEventListener("click", () => post("/call-waiter", { reason: "" }, "diner.called"));
  $("bill").addEventListener("click", () => post("/request-bill", {}, "diner.bill_asked"));

  start();
})();
