// The KDS page: one station's tickets, live over Server-Sent Events. A dropped connection shows
// a banner and resumes from the last event id, so nothing is missed and nothing shows twice.
// Bump by touch, or by a bump bar (it types keys): 1-9 select, Enter/Space bump, r recall, u undo.
"use strict";

(() => {
  const { api, t, name, el, showError, lang } = Hearth;
  const $ = (id) => document.getElementById(id);
  const TICKET_EVENTS = ["TicketCreated", "TicketStarted", "TicketBumped", "TicketRecalled",
    "TicketUndone", "TicketRushed", "TicketPrinted", "TicketItemsVoided", "TicketMoved"];
  const ORDER_EVENTS = ["OrderStatusChanged", "OrderVoided", "OrderCancelled", "OrderReopened",
    "LinesSent"];
  const state = { station: null, tickets: new Map(), orders: [], seq: 0, selected: 0,
    source: null, online: false, retry: null, refresh: null };
  window.KDS = state; // for the browser tests: what the screen holds

  function show(view) {
    for (const id of ["register", "login", "stations", "board"]) {
      $(id).classList.toggle("hidden", id !== view);
    }
    $("sign-out").classList.toggle("hidden", view === "register" || view === "login");
  }

  // -- sign in (as on the POS: terminal key, then staff code and PIN) ----------------------
  async function start() {
    const params = new URLSearchParams(location.search);
    if (params.get("key")) {
      localStorage.setItem("hearth_terminal_key", params.get("key"));
      params.delete("key");
      history.replaceState(null, "", `${location.pathname}?${params}`);
    }
    if (!localStorage.getItem("hearth_terminal_key")) return show("register");
    if (!localStorage.getItem("hearth_token")) return showLogin();
    try {
      await api("GET", "/api/auth/me");
    } catch (err) {
      localStorage.removeItem("hearth_token");
      return showLogin();
    }
    $("who").textContent = localStorage.getItem("hearth_staff_name") || "";
    const stations = await api("GET", "/api/kitchen/stations");
    const key = params.get("station");
    state.station = stations.find((s) => s.key === key) || null;
    if (!state.station) return showStations(stations);
    $("station-name").textContent = name(state.station);
    document.body.classList.toggle("expo", !!state.station.is_expo);
    show("board");
    await load();
    connect();
    setInterval(tick, 1000);
  }

  function showLogin() {
    show("login");
    const pad = $("keypad");
    if (!pad.childElementCount) {
      for (const k of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "C"]) {
        pad.appendChild(el("button", { type: "button", onclick: () => {
          const pin = $("pin");
          if (k === "⌫") pin.value = pin.value.slice(0, -1);
          else if (k === "C") pin.value = "";
          else pin.value += k;
        } }, k));
      }
    }
    $("staff-code").focus();
  }

  function showStations(stations) {
    show("stations");
    const list = $("station-list");
    list.replaceChildren(...stations.map((s) => el("a", {
      class: "tile", href: `/kds?station=${encodeURIComponent(s.key)}&lang=${lang}` },
    el("strong", {}, name(s)), el("small", {}, s.is_expo ? "expo" : s.key))));
  }

  $("register-form").addEventListener("submit", (e) => {
    e.preventDefault();
    localStorage.setItem("hearth_terminal_key", $("terminal-key").value.trim());
    showLogin();
  });

  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const res = await api("POST", "/api/auth/pin",
        { staff_code: $("staff-code").value.trim(), pin: $("pin").value },
        { token: null, headers: { "X-Terminal-Key": localStorage.getItem("hearth_terminal_key") } });
      localStorage.setItem("hearth_token", res.access_token);
      localStorage.setItem("hearth_staff_name", `${res.staff.name} · ${res.staff.role}`);
      $("pin").value = "";
      start();
    } catch (err) {
      $("pin").value = "";
      if (err.code === "terminal-not-registered") localStorage.removeItem("hearth_terminal_key");
      showError(err);
    }
  });

  $("sign-out").addEventListener("click", () => {
    localStorage.removeItem("hearth_token");
    location.reload();
  });

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

  function connect() {
    if (state.source) state.source.close();
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
              localStorage.removeItem("hearth_token");
              es.close();
              return showLogin();
            }
          }
          connect();
        }, 2000);
      }
    };
    es.addEventListener("hello", (e) => { state.seq = Math.max(state.seq, Number(e.lastEventId)); });
    for (const type of [...TICKET_EVENTS, ...ORDER_EVENTS]) {
      es.addEventListener(type, (e) => onEvent(type, e));
    }
  }

  function onEvent(type, e) {
    const seq = Number(e.lastEventId);
    if (seq <= state.seq) return; // already applied (a snapshot can be newer than the feed)
    state.seq = seq;
    setOnline(true);
    const data = JSON.parse(e.data);
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

  async function expoBump(order) {
    try {
      await api("POST", `/api/kitchen/orders/${order.order_id}/ready`,
        { force: !order.all_done && order.status !== "ready" });
      await load();
    } catch (err) { showError(err); }
  }

  $("recall-last").addEventListener("click", recallLast);
  $("undo").addEventListener("click", undo);

  document.addEventListener("keydown", (e) => {
    if (!state.station || $("board").classList.contains("hidden")) return;
    if (e.target instanceof HTMLInputElement) return;
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
