// Delivery manager page: accept/reject platform orders before their timeout, release orders
// held after an outage, see the pacing state. Polls every few seconds; every change is an
// idempotent API call, so a double tap cannot accept twice.
"use strict";

(() => {
  const { api, t, yuan, el, showError, lang } = Hearth;
  const $ = (id) => document.getElementById(id);

  function show(which) {
    for (const id of ["register", "login", "board"]) $(id).classList.toggle("hidden", id !== which);
  }

  // The device is registered on the POS; a link with ?key=… (as the POS and KDS take) also
  // registers it here, so a manager's tablet can open this page straight away.
  const signIn = SignIn.mount({ show, onSignedIn: start });

  async function act(path, body) {
    try { await api("POST", path, body); await refresh(); }
    catch (err) { showError(err); }
  }

  function card(o, now) {
    const actions = [];
    const base = `/api/delivery/orders/${o.id}`;
    if (o.state === "pending") {
      actions.push(el("button", { class: "primary", type: "button",
        onclick: () => act(`${base}/accept`, {}) }, t("dl.accept")));
      actions.push(el("button", { type: "button", onclick: () => {
        const reason = prompt(t("dl.reject_reason"));
        if (reason) act(`${base}/reject`, { reason });
      } }, t("dl.reject")));
    }
    if (o.state === "held") {
      actions.push(el("button", { class: "primary", type: "button",
        onclick: () => act(`${base}/release`, {}) }, t("dl.release")));
    }
    if (o.needs_manager) {
      actions.push(el("button", { type: "button",
        onclick: () => act(`${base}/clear-flag`, {}) }, t("dl.clear")));
    }
    const left = o.accept_by_ms ? Math.max(0, Math.round((o.accept_by_ms - now) / 1000)) : null;
    return el("div", { class: "dl-card", dataset: { id: o.id, platform: o.platform,
      platformOrder: o.platform_order_id, state: o.state } },
      el("div", { class: "grow" },
        el("strong", {}, `${o.platform} #${o.platform_order_id}`), " · ",
        `No.${o.order_number} · ${t(`dl.state.${o.state}`)} · ${yuan(o.our_total)}`,
        " · ", `${t("dl.quoted")} ${o.quoted_minutes} ${t("dl.minutes")}`,
        left !== null ? el("span", { class: "warn" }, ` · ${left}s ${t("dl.accept_by")}`) : null,
        el("div", {}, (o.lines || []).map((ln) =>
          `${lang === "zh" ? ln.name_zh : ln.name_en} ×${ln.quantity}`).join(" · ")),
        o.price_mismatch ? el("div", { class: "warn" },
          `${t("dl.price_mismatch")}: ${yuan(o.platform_total)}`) : null,
        o.reason ? el("div", { class: "muted" }, o.reason) : null),
      ...actions);
  }

  function fill(box, list, now) {
    box.replaceChildren(...(list.length ? list.map((o) => card(o, now))
      : [el("p", { class: "muted" }, t("dl.none"))]));
  }

  async function refresh() {
    try {
      const [pacing, orders] = await Promise.all([
        api("GET", "/api/delivery/pacing"), api("GET", "/api/delivery/orders")]);
      const banner = $("pacing");
      banner.textContent = lang === "zh" ? pacing.message_zh : pacing.message_en;
      banner.className = `banner pacing ${pacing.state}`;
      const now = Date.now();
      fill($("pending"), orders.filter((o) => o.state === "pending"), now);
      fill($("held"), orders.filter((o) => o.state === "held"), now);
      fill($("flagged"), orders.filter((o) => o.needs_manager), now);
      fill($("recent"), orders.filter((o) => !["pending", "held"].includes(o.state)
        && !o.needs_manager).slice(0, 20), now);
    } catch (err) {
      if (err.status === 401) { signIn.expired(); return; }
      showError(err);
    }
  }

  async function start() {
    if (!(await signIn.ensure())) return;
    show("board");
    refresh();
  }

  start();
  setInterval(() => { if (!$("board").classList.contains("hidden") && !document.hidden) refresh(); }, 3000);
})();
