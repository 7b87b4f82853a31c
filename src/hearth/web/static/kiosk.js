// The self-service kiosk: welcome -> menu and cart -> review -> pay by wallet QR (or at the
// counter) -> a big order number to collect. Idle for a minute and it starts over, so the next
// guest never sees someone else's cart. Prices shown in the cart are the menu's; the order's
// total comes from the server.
"use strict";

(() => {
  const { api, t, name, yuan, el, toast, showError } = Hearth;
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const IDLE_MS = Math.max(2, Number(params.get("idle")) || 60) * 1000;
  const SCREENS = ["k-setup", "k-welcome", "k-menu", "k-review", "k-pay", "k-done", "k-placing"];
  const state = { menu: null, groups: {}, items: {}, cart: [], category: null, order: null,
                  placeKey: null, payKey: null, poll: null, screen: null };

  // A guest reads the refusal in their language where we know the code (sold out, offline...),
  // and the server's plain words otherwise.
  function explain(err) {
    const k = `diner.err.${err.code}`;
    if (t(k) !== k) return toast(t(k), "error");
    return showError(err);
  }

  function key() { return localStorage.getItem("hearth_kiosk_key"); }
  function kiosk(method, path, body, opts = {}) {
    return api(method, `/api/kiosk${path}`, body,
      { token: null, headers: { "X-Terminal-Key": key() || "" }, ...opts });
  }

  function show(id) {
    state.screen = id;
    for (const s of SCREENS) $(s).classList.toggle("hidden", s !== id);
    $("restart").classList.toggle("hidden", !["k-menu", "k-review"].includes(id));
    document.body.dataset.screen = id;
    poke();
  }

  // -- idle: a kiosk left mid-order starts over by itself ---------------------------------------
  let idleTimer = null;
  function poke() {
    clearTimeout(idleTimer);
    $("k-idle").classList.add("hidden");
    if (["k-setup", "k-welcome", "k-placing"].includes(state.screen)) return;
    idleTimer = setTimeout(onIdle, IDLE_MS);
  }
  function onIdle() {
    // A guest who walked away from the QR code still has an order waiting to be paid: show
    // its number with "pay at the counter" before the screen starts over.
    if (state.screen === "k-pay") return finish("counter");
    reset();
  }
  for (const ev of ["pointerdown", "keydown", "touchstart"]) {
    document.addEventListener(ev, () => poke(), { passive: true });
  }

  function reset() {
    stopPolling();
    state.cart = [];
    state.order = null;
    state.placeKey = null;
    state.payKey = null;
    for (const d of document.querySelectorAll("dialog[open]")) d.close();
    renderCart();
    show("k-welcome");
    loadMenu().catch(() => {});
  }

  // -- set-up and the menu ----------------------------------------------------------------
  async function start() {
    if (params.get("key")) {
      localStorage.setItem("hearth_kiosk_key", params.get("key"));
      params.delete("key");
      history.replaceState(null, "", `${location.pathname}${params.toString() ? `?${params}` : ""}`);
    }
    if (!key()) return show("k-setup");
    try {
      await loadMenu();
    } catch (err) {
      if (err.code === "kiosk-not-registered") {
        localStorage.removeItem("hearth_kiosk_key");
        toast(t("kiosk.bad_key"), "error");
        return show("k-setup");
      }
      showError(err);
    }
    show("k-welcome");
  }

  async function loadMenu() {
    state.menu = await kiosk("GET", "/menu");
    state.groups = Object.fromEntries(state.menu.modifier_groups.map((g) => [g.id, g]));
    state.items = Object.fromEntries(state.menu.items.map((i) => [i.id, i]));
    if (!state.menu.categories.some((c) => c.id === state.category)) {
      state.category = state.menu.categories.length ? state.menu.categories[0].id : null;
    }
    renderMenu();
  }

  $("setup-form").addEventListener("submit", (e) => {
    e.preventDefault();
    localStorage.setItem("hearth_kiosk_key", $("kiosk-key").value.trim());
    start();
  });
  $("start").addEventListener("click", () => show("k-menu"));
  $("restart").addEventListener("click", reset);

  function renderMenu() {
    $("k-cats").replaceChildren(...state.menu.categories.map((c) => el("button", {
      type: "button", class: c.id === state.category ? "on" : "",
      onclick: () => { state.category = c.id; renderMenu(); } }, name(c))));
    const items = state.menu.items.filter((i) => i.category_id === state.category);
    $("k-items").replaceChildren(...items.map((i) => el("button", {
      type: "button", class: "k-item", dataset: { name: i.name_en },
      onclick: () => choose(i) },
      Guest.picture(i),
      el("strong", {}, name(i)),
      el("span", { class: "price" }, `${i.specs.length > 1 ? "≥ " : ""}${yuan(Guest.fromPrice(i))}`))));
  }

  function choose(item) {
    Guest.choose(item, state, (line, guide, label) => {
      state.cart.push({ ...line, guide, label });
      state.placeKey = null;
      renderCart();
    });
  }

  // -- the cart ----------------------------------------------------------------------------
  function cartSum() { return state.cart.reduce((a, c) => a + c.guide * c.quantity, 0); }

  function cartList(removable) {
    if (!state.cart.length) return [el("li", { class: "muted" }, t("kiosk.cart_empty"))];
    return state.cart.map((c, i) => el("li", { class: "cart-line" },
      el("span", { class: "nm" }, `${c.quantity}× ${Guest.label(c.label)}`),
      el("span", { class: "price" }, yuan(c.guide * c.quantity)),
      removable ? el("button", { type: "button", class: "round small", "aria-label": "−",
        onclick: () => {
          if (c.quantity > 1) c.quantity -= 1; else state.cart.splice(i, 1);
          state.placeKey = null;
          renderCart();
        } }, "−") : null));
  }

  function renderCart() {
    $("k-lines").replaceChildren(...cartList(true));
    $("k-sum").textContent = yuan(cartSum());
    $("checkout").disabled = !state.cart.length;
    $("checkout").textContent = state.cart.length ?
      `${t("kiosk.checkout")} · ${state.cart.reduce((a, c) => a + c.quantity, 0)} ${t("kiosk.items")}` :
      t("kiosk.checkout");
  }

  $("checkout").addEventListener("click", () => {
    $("k-review-lines").replaceChildren(...cartList(false));
    $("k-review-sum").textContent = yuan(cartSum());
    show("k-review");
  });
  $("review-back").addEventListener("click", () => show("k-menu"));

  // -- checkout: place the order once, then pay --------------------------------------------
  async function place() {
    if (state.order) return state.order;
    // One key per cart: a retry after a lost answer can never place the order twice.
    state.placeKey = state.placeKey || Hearth.newKey();
    const lines = state.cart.map(({ guide, label, ...line }) => line);
    show("k-placing");
    try {
      state.order = await kiosk("POST", "/orders", { lines }, { key: state.placeKey });
      return state.order;
    } catch (err) {
      explain(err);
      if (err.code === "item-sold-out" || err.code === "item-unavailable") {
        await loadMenu();
        state.cart = state.cart.filter((c) => state.items[c.item_id]);
        renderCart();
        show("k-menu");
      } else {
        show("k-review");
      }
      return null;
    }
  }

  async function pay(wallet) {
    const order = await place();
    if (!order) return;
    state.payKey = Hearth.newKey();
    try {
      const p = await kiosk("POST", `/orders/${order.id}/pay`, { wallet }, { key: state.payKey });
      $("k-due").textContent = yuan(p.amount);
      $("k-pay-number").textContent = String(order.number);
      $("k-pay-state").textContent = p.status === "failed" ?
        (Hearth.lang === "zh" ? p.message_zh : p.message_en) || t("kiosk.failed") : t("kiosk.waiting");
      if (p.qr_image) $("k-qr").src = p.qr_image;
      $("k-qr").classList.toggle("hidden", !p.qr_image);
      $("k-pay").dataset.paymentId = p.id || "";
      $("k-pay").dataset.qr = p.qr_content || "";
      show("k-pay");
      if (p.status === "succeeded") return finish("paid");
      if (p.status === "failed") return;
      startPolling(order.id);
    } catch (err) {
      const p = err.problem || {};
      if (err.code === "payments-unavailable") {
        toast((Hearth.lang === "zh" ? p.message_zh : p.message_en) || p.detail, "error");
        return finish("counter");
      }
      if (err.code === "order-not-payable") {
        // Paid already (a retried tap), or no longer payable here: ask the server which.
        const now = await kiosk("GET", `/orders/${order.id}`).catch(() => null);
        return finish(now && now.due === 0 && ["paid", "closed"].includes(now.status) ?
          "paid" : "counter");
      }
      explain(err);
      finish("counter");
    }
  }

  function startPolling(orderId) {
    stopPolling();
    let rounds = 0;
    state.poll = setInterval(async () => {
      if (++rounds > 400) return stopPolling();  // ~10 minutes: the idle timer ends it sooner
      try {
        const s = await kiosk("GET", `/orders/${orderId}`, undefined, { retries: 1 });
        if (s.status === "paid" || s.status === "closed" || s.due === 0) return finish("paid");
        const last = s.payments[s.payments.length - 1];
        if (last && last.status === "failed") {
          stopPolling();
          $("k-pay-state").textContent = t("kiosk.failed");
        }
      } catch (err) { /* the banner shows we are offline; keep polling */ }
    }, 1500);
  }

  function stopPolling() {
    if (state.poll) clearInterval(state.poll);
    state.poll = null;
  }

  async function finish(how) {
    stopPolling();
    const order = how === "counter" ? await place() : state.order;
    if (!order) return;
    $("k-number").textContent = String(order.number);
    $("k-done").dataset.how = how;
    $("k-done-text").textContent = t(how === "paid" ? "kiosk.paid" : "kiosk.at_counter");
    show("k-done");
  }

  $("pay-alipay").addEventListener("click", () => pay("alipay"));
  $("pay-wechat").addEventListener("click", () => pay("wechat"));
  $("pay-counter").addEventListener("click", () => finish("counter"));
  $("pay-instead-counter").addEventListener("click", () => finish("counter"));
  $("done").addEventListener("click", reset);

  start().catch(showError);
})();
