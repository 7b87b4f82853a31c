// The KDS page: one station's tickets, live over Server-Sent Events. A dropped connection shows
// a banner and resumes from the last event id, so nothing is missed and nothing shows twice.
// Bump by touch, or by a bump bar (it types keys): 1-9 select, Enter/Space bump, r recall, u undo.
// Beside the board: the tickets bumped lately (to recall one), and 86 for a dish that ran out.
"use strict";

(() => {
  const { api, t, name, el, showError, toast, lang } = Hearth;
  const $ = (id) => document.getElementById(id);
  const TICKET_EVENTS = ["TicketCreated", "TicketStarted", "TicketBumped", "TicketRecalled",
    "TicketUndone", "TicketRushed", "TicketPrinted", "TicketItemsVoided", "TicketMoved"];
  const ORDER_EVENTS = ["OrderStatusChanged", "OrderVoided", "OrderCancelled", "OrderReopened",
    "LinesSent"];
  const state = { station: null, tickets: new Map(), orders: [], seq: 0, selected: 0,
    source: null, online: false, retry: null, refresh: null, ticker: null, starting: null,
    recallMs: 15 * 60_000 }; // the server's recall window comes with the tickets
  window.KDS = state; // for the browser tests: what the screen holds

  function show(view) {
    for (const id of ["register", "login", "stations", "board"]) {
      $(id).classList.toggle("hidden", id !== view);
    }
    $("sign-out").classList.toggle("hidden", view === "register" || view === "login");
  }

  // -- sign in (signin.js, as on the POS: terminal key, then staff code and PIN) -------------
  // Runs at page load and again after each sign-in; one run at a time, and however often it
  // runs the page keeps one feed connection and one clock.
  function start() {
    if (!state.starting) state.starting = boot().finally(() => { state.starting = null; });
    return state.starting;
  }

  async function boot() {
    if (!(await signIn.ensure())) return;
    const params = new URLSearchParams(location.search);
    const stations = await api("GET", "/api/kitchen/stations");
    const key = params.get("station");
    state.station = stations.find((s) => s.key === key) || null;
    if (!state.station) return showStations(stations);
    $("station-name").textContent = name(state.station);
    document.body.classList.toggle("expo", !!state.station.is_expo);
    show("board");
    await load();
    connect();
    if (!state.ticker) state.ticker = setInterval(tick, 1000);
  }

  function showStations(stations) {
    show("stations");
    const list = $("station-list");
    list.replaceChildren(...stations.map((s) => el("a", {
      class: "tile", href: `/kds?station=${encodeURIComponent(s.key)}&lang=${lang}` },
    el("strong", {}, name(s)), el("small", {}, s.is_expo ? "expo" : s.key))));
  }

  const signIn = SignIn.mount({ show, onSignedIn: start });

  // -- data and the live feed ---------------------------------------------------------------
  const base = () => `/api/kitchen/stations/${state.station.id}`;

  async function load() {
    if (state.station.is_expo) {
      const res = await api("GET", "/api/kitchen/expo");
      state.orders = res.orders;
      state.seq = Math.max(state.seq, res.seq);
    } else {
      const res = await api("GET", `${base()}/tickets`);
      state.tickets = new Map(res.tickets.map((tk) => [tk.id, tk]));
      state.seq = Math.max(state.seq, res.seq);
      state.recallMs = res.recall_window_ms || state.recallMs;
      setTiming(res.station);
      loadAllDay();
    }
    render();
  }

  async function loadAllDay() {
    try {
      const counts = await api("GET", `${base()}/all-day`);
      $("all-day").replaceChildren(el("h3", {}, t("kds.all_day")),
        ...counts.map((c) => el("div", { class: "count" },
          el("b", {}, `${c.quantity}`), " ", name(c))));
    } catch (err) { /* the feed banner already says we are offline */ }
  }

  function setOnline(ok) {
    state.online = ok;
    $("kds-offline").classList.toggle("hidden", ok);
    document.body.classList.toggle("is-offline", !ok);
  }

  function setTiming(timing) { // age colours: at load, and live when the manager changes them
    state.station.warn_s = timing.warn_s;
    state.station.late_s = timing.late_s;
  }

  function connect() {
    if (state.source) state.source.close();
    clearTimeout(state.retry);
    state.retry = null;
    const token = encodeURIComponent(localStorage.getItem("hearth_token") || "");
    const es = new EventSource(`${base()}/feed?access_token=${token}&last_event_id=${state.seq}`);
    state.source = es;
    es.onopen = () => setOnline(true);
    es.onerror = () => {
      setOnline(false);
      // The browser retries by itself (with Last-Event-ID) unless the answer was not a stream;
      // then start again from the last event we have.
      if (es.readyState === EventSource.CLOSED && !state.retry) {
        state.retry = setTimeout(async () => {
          state.retry = null;
          try {
            await api("GET", "/api/auth/me", undefined, { retries: 1 });
          } catch (err) {
            if (err.status === 401) { // the sign-in expired: sign in again, then resume
              es.close();
              return signIn.expired();
            }
          }
          connect();
        }, 2000);
      }
    };
    es.addEventListener("hello", (e) => { state.seq = Math.max(state.seq, Number(e.lastEventId)); });
    for (const type of [...TICKET_EVENTS, ...ORDER_EVENTS, "StationTimingSet"]) {
      es.addEventListener(type, (e) => onEvent(type, e));
    }
  }

  function onEvent(type, e) {
    const seq = Number(e.lastEventId);
    if (seq <= state.seq) return; // already applied (a snapshot can be newer than the feed)
    state.seq = seq;
    setOnline(true);
    const data = JSON.parse(e.data);
    if (type === "StationTimingSet") {
      if (data.payload.station_id === state.station.id) { setTiming(data.payload); render(); }
      return;
    }
    if (state.station.is_expo) {
      clearTimeout(state.refresh);
      state.refresh = setTimeout(load, 150);
      return;
    }
    if (TICKET_EVENTS.includes(type) && data.payload.ticket) {
      state.tickets.set(data.payload.ticket.id, data.payload.ticket);
      render();
      clearTimeout(state.refresh);
      state.refresh = setTimeout(loadAllDay, 300);
    }
  }

  // -- actions ------------------------------------------------------------------------------
  async function act(path, body) {
    try {
      const tk = await api("POST", path, body || {});
      if (tk && tk.id && tk.station_id) {
        state.tickets.set(tk.id, tk);
        render();
      }
      return tk;
    } catch (err) {
      showError(err);
      return null;
    }
  }

  const bump = (tk) => act(`${base()}/tickets/${tk.id}/bump`);
  const startTicket = (tk) => act(`${base()}/tickets/${tk.id}/start`);
  const bumpItem = (tk, it) => act(`${base()}/tickets/${tk.id}/items/${encodeURIComponent(it.id)}/${
    it.status === "done" ? "recall" : "bump"}`);
  const recallLast = () => act(`${base()}/recall-last`);
  const undo = () => act(`${base()}/undo`);
  const rush = (tk) => act(`${base()}/tickets/${tk.id}/rush`, { rush: !tk.rush });
  const reprint = (tk) => act(`/api/kitchen/tickets/${tk.id}/reprint`);

  const recallTicket = (tk) => act(`${base()}/tickets/${tk.id}/recall`);

  // The expo's bump. An order with stations still working is marked ready only after the expo
  // confirms it, naming those stations: one Enter never sends out half an order.
  async function expoBump(order) {
    const ready = (force) => api("POST", `/api/kitchen/orders/${order.order_id}/ready`,
      { force });
    try {
      try {
        await ready(false);
      } catch (err) {
        if (err.code !== "order-not-done") throw err;
        await load(); // what the stations have done by now, for the question
        const fresh = state.orders.find((o) => o.order_id === order.order_id) || order;
        if (!(await confirmForce(fresh))) return;
        await ready(true);
      }
      await load();
    } catch (err) { showError(err); }
  }

  function confirmForce(order) {
    const working = order.stations.filter((p) => !p.done).map(name);
    const dialog = $("force-dialog");
    $("force-text").textContent = t("kds.force_text")
      .replace("{stations}", working.join(lang === "zh" ? "、" : ", "));
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise((resolve) => {
      dialog.onclose = () => resolve(dialog.returnValue === "ok");
    });
  }

  $("force-dialog").addEventListener("keydown", (e) => {
    if (e.key === "y" || e.key === "Y") {
      e.preventDefault();
      $("force-dialog").close("ok");
    }
  });

  // -- recently bumped: the drawer to recall one ----------------------------------------------
  // Bumped within the server's recall window (the same window its ticket list uses).
  const recallable = (tk) => tk.status === "done" &&
    (tk.done_at_ms || 0) >= Date.now() - state.recallMs;

  function recent() {
    return [...state.tickets.values()].filter(recallable)
      .sort((a, b) => b.done_at_ms - a.done_at_ms);
  }

  function renderRecent() {
    const list = recent();
    $("recent-help").textContent = t("kds.recent_help")
      .replace("{min}", String(Math.round(state.recallMs / 60_000)));
    $("recent-list").replaceChildren(...(list.length ? list.map((tk) => el("li", {
      class: `recent kind-${tk.kind}`, "data-ticket": tk.id },
    el("div", { class: "what" },
      el("b", { class: "num" }, `#${tk.order_number}`), " ", el("span", { class: "where" }, tk.where),
      tk.kind !== "new" ? el("span", { class: "badge kind" }, t(`kds.kind.${tk.kind}`)) : null,
      el("small", { class: "muted" }, t("kds.ago").replace("{min}",
        String(Math.floor((Date.now() - tk.done_at_ms) / 60_000)))),
      el("div", { class: "dishes" }, tk.items.map((it) =>
        `${it.quantity}× ${name(it)}${it.voided ? ` (${t("kds.marker.void")})` : ""}`).join(" · "))),
    el("button", { type: "button", class: "primary recall", onclick: async () => {
      if (await recallTicket(tk)) $("recent-dialog").close();
    } }, `↺ ${t("kds.recall")}`))) : [el("li", { class: "muted" }, t("kds.recent_empty"))]));
  }

  $("recent-open").addEventListener("click", () => {
    renderRecent();
    $("recent-dialog").showModal();
  });

  // -- 86: a dish ran out; every channel stops selling it -------------------------------------
  let searchTimer = null;
  async function search86() {
    const q = $("eighty-six-q").value.trim();
    const box = $("eighty-six-results");
    if (!q) return box.replaceChildren();
    try {
      const found = await api("GET", `/api/menu/search?q=${encodeURIComponent(q)}&limit=12`);
      if (q !== $("eighty-six-q").value.trim()) return; // typed on meanwhile
      box.replaceChildren(...(found.length ? found.map(row86) :
        [el("li", { class: "muted" }, t("kds.86_none"))]));
    } catch (err) { showError(err); }
  }

  function row86(item) {
    const li = el("li", { class: "result", "data-item": item.id },
      el("span", { class: "name" }, name(item), el("small", {}, other(item))));
    const mark = (soldOut) => {
      li.classList.toggle("sold-out", soldOut);
      li.appendChild(soldOut ? el("span", { class: "badge" }, t("kds.sold_out")) :
        el("button", { type: "button", class: "primary", onclick: async (e) => {
          const button = e.currentTarget;
          button.disabled = true;
          try {
            await api("POST", `/api/kitchen/items/${encodeURIComponent(item.id)}/sold-out`, {});
            button.remove();
            mark(true);
            toast(`${t("kds.86_done")}: ${name(item)}`, "ok");
          } catch (err) {
            button.disabled = false;
            showError(err);
          }
        } }, `⊘ ${t("kds.86")}`));
    };
    mark(item.sold_out);
    return li;
  }

  $("eighty-six-open").addEventListener("click", () => {
    $("eighty-six-q").value = "";
    $("eighty-six-results").replaceChildren();
    $("eighty-six-dialog").showModal();
    $("eighty-six-q").focus();
  });
  $("eighty-six-q").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search86, 150);
  });
  $("eighty-six-q").addEventListener("keydown", (e) => {
    if (e.key === "Enter") e.preventDefault(); // Enter must not close the dialog or 86 anything
  });

  $("recall-last").addEventListener("click", recallLast);
  $("undo").addEventListener("click", undo);

  document.addEventListener("keydown", (e) => {
    if (!state.station || $("board").classList.contains("hidden")) return;
    if (e.target instanceof HTMLInputElement) return;
    if (document.querySelector("dialog[open]")) return; // keys belong to the open dialog
    const list = visible();
    if (/^[1-9]$/.test(e.key)) {
      state.selected = Math.min(Number(e.key) - 1, Math.max(0, list.length - 1));
      render();
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      const chosen = list[state.selected] || list[0];
      if (!chosen) return;
      if (state.station.is_expo) expoBump(chosen); else bump(chosen);
      state.selected = 0;
    } else if (e.key === "r" && !state.station.is_expo) {
      recallLast();
    } else if (e.key === "u" && !state.station.is_expo) {
      undo();
    }
  });

  // -- drawing ------------------------------------------------------------------------------
  function visible() {
    if (state.station.is_expo) return state.orders;
    return [...state.tickets.values()].filter((tk) => tk.status !== "done")
      .sort((a, b) => (b.rush - a.rush) || (a.sent_at_ms - b.sent_at_ms));
  }

  function age(ms) {
    const s = Math.max(0, Math.floor((Date.now() - ms) / 1000));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  function colour(ms) {
    const s = (Date.now() - ms) / 1000;
    return s < state.station.warn_s ? "green" : s < state.station.late_s ? "amber" : "red";
  }

  function other(obj) { return lang === "zh" ? obj.name_en : obj.name_zh; }

  function render() {
    const list = visible();
    if (state.selected >= list.length) state.selected = 0;
    const box = $("tickets");
    if (!list.length) {
      box.replaceChildren(el("p", { class: "empty" }, t("kds.empty")));
      return;
    }
    box.replaceChildren(...list.map((x, i) => state.station.is_expo ? expoCard(x, i) :
      ticketCard(x, i)));
  }

  function ticketCard(tk, i) {
    const cls = ["ticket", `age-${colour(tk.sent_at_ms)}`, `kind-${tk.kind}`, `st-${tk.status}`];
    if (tk.rush) cls.push("rush");
    if (i === state.selected) cls.push("selected");
    if (tk.printed && tk.status === "new") cls.push("printed");
    return el("article", { class: cls.join(" "), "data-ticket": tk.id, "data-index": i + 1 },
      el("header", { onclick: () => { state.selected = i; render(); } },
        el("span", { class: "idx" }, `${i + 1}`),
        el("b", { class: "num" }, `#${tk.order_number}`),
        el("span", { class: "where" }, tk.where),
        tk.kind !== "new" ? el("span", { class: "badge kind" }, t(`kds.kind.${tk.kind}`)) : null,
        tk.rush ? el("span", { class: "badge rush" }, t("kds.rush")) : null,
        tk.printed ? el("span", { class: "badge printed" }, t("kds.printed")) : null,
        el("span", { class: "timer", "data-sent": tk.sent_at_ms }, age(tk.sent_at_ms))),
      el("ul", { class: "items" }, ...tk.items.map((it) => el("li", {
        class: `item st-${it.status}${it.voided ? " voided" : ""}${it.marker ? ` marker-${it.marker}` : ""}`,
        onclick: () => { if (!it.voided) bumpItem(tk, it); } },
      el("span", { class: "qty" }, `${it.quantity}×`),
      el("span", { class: "name" }, name(it), el("small", {}, other(it))),
      it.marker ? el("span", { class: "badge" }, t(`kds.marker.${it.marker}`)) : null,
      it.seat ? el("span", { class: "seat" }, `${t("kds.seat")}${it.seat}`) : null,
      it.course > 1 ? el("span", { class: "seat" }, `${t("kds.course")}${it.course}`) : null,
      it.modifiers.length ? el("div", { class: "mods" }, it.modifiers.join(" · ")) : null,
      it.note ? el("div", { class: "note" }, `✎ ${it.note}`) : null))),
      el("footer", {},
        tk.status === "new" ? el("button", { type: "button", onclick: () => startTicket(tk) },
          t("kds.start")) : null,
        el("button", { type: "button", class: "ghost", onclick: () => rush(tk) }, t("kds.rush")),
        el("button", { type: "button", class: "ghost", onclick: () => reprint(tk) },
          t("kds.reprint")),
        el("button", { type: "button", class: "primary bump", onclick: () => bump(tk) },
          `✓ ${t("kds.bump")}`)));
  }

  function expoCard(o, i) {
    const cls = ["ticket", "expo-order", `age-${colour(o.sent_at_ms || Date.now())}`,
      o.all_done ? "all-done" : "", o.status === "ready" ? "is-ready" : ""];
    if (i === state.selected) cls.push("selected");
    return el("article", { class: cls.join(" "), "data-order": o.order_id },
      el("header", { onclick: () => { state.selected = i; render(); } },
        el("span", { class: "idx" }, `${i + 1}`),
        el("b", { class: "num" }, `#${o.order_number}`), el("span", { class: "where" }, o.where),
        el("span", { class: "badge" }, t(`order.${o.status}`)),
        el("span", { class: "timer", "data-sent": o.sent_at_ms }, age(o.sent_at_ms))),
      el("ul", { class: "items" }, ...o.stations.map((p) => el("li", {
        class: `item part ${p.done ? "part-done" : ""}` },
      el("span", { class: "qty" }, p.done ? "✓" : "…"), el("span", { class: "name" }, name(p)),
      el("div", { class: "mods" }, p.items.map((it) => `${it.quantity}× ${name(it)}`)
        .join(" · "))))),
      el("footer", {}, el("button", { type: "button", class: "primary bump",
        onclick: () => expoBump(o) },
      o.status === "ready" ? t("kds.served") : t("kds.ready"))));
  }

  function tick() {
    $("clock").textContent = new Date().toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB");
    // Bumped tickets are kept for the recall drawer, then let go: a screen left on all day
    // holds only what it can still show.
    for (const [id, tk] of state.tickets) {
      if (tk.status === "done" && !recallable(tk)) state.tickets.delete(id);
    }
    for (const node of document.querySelectorAll(".timer[data-sent]")) {
      node.textContent = age(Number(node.dataset.sent));
    }
    for (const card of document.querySelectorAll(".ticket[data-ticket]")) {
      const tk = state.tickets.get(card.dataset.ticket);
      if (!tk) continue;
      for (const c of ["green", "amber", "red"]) {
        card.classList.toggle(`age-${c}`, colour(tk.sent_at_ms) === c);
      }
    }
  }

  start();
})();
