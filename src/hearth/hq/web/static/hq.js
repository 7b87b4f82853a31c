// HQ pages: a thin client over /api/hq. Every rule is HQ's; a refusal is shown in the
// problem's own words. Money is integer fen on the wire and yuan on screen.
"use strict";

(() => {
  const T = window.HQ_TEXTS || {};
  const lang = document.documentElement.lang.startsWith("zh") ? "zh" : "en";
  const t = (key, vars = {}) => {
    let s = (T[key] && (T[key][lang] || T[key].en)) || key;
    for (const [k, v] of Object.entries(vars)) s = s.replace(`{${k}}`, String(v));
    return s;
  };
  const $ = (sel) => document.querySelector(sel);
  const TOKEN_KEY = "hearth_hq_token";
  let token = sessionStorage.getItem(TOKEN_KEY);
  let stores = [];
  let fleetTimer = null;

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (v !== false && v !== null && v !== undefined) node.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return node;
  }
  const key = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);
  // "38" or "38.5" yuan -> 3850 fen by string arithmetic (no floating point); null if not money.
  function parseFen(text) {
    const m = /^(\d*)(?:\.(\d{0,2}))?$/.exec(String(text ?? "").trim());
    if (!m || (m[1] === "" && !m[2])) return null;
    return Number(m[1] || "0") * 100 + Number((m[2] || "").padEnd(2, "0"));
  }
  const fenText = (f) => `${Math.floor(f / 100)}.${String(f % 100).padStart(2, "0")}`;
  const name = (o) => (lang === "zh" ? o.name_zh || o.name_en : o.name_en || o.name_zh) || o.id;

  function toast(message, kind = "info") {
    const box = $("#toasts");
    const n = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
    box.appendChild(n);
    setTimeout(() => n.remove(), kind === "error" ? 6000 : 3000);
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (method !== "GET") headers["Idempotency-Key"] = key();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const err = new Error((data && (data.detail || data.title)) || res.statusText);
      err.status = res.status;
      err.problem = data || {};
      throw err;
    }
    return data;
  }

  async function guarded(fn, okText) {
    try {
      const r = await fn();
      if (okText) toast(okText, "ok");
      return r;
    } catch (err) {
      if (err.status === 401 && token) signOut();
      const p = err.problem || {};
      const title = (lang === "zh" && p.title_zh) || p.title || t("error");
      toast(p.detail && p.detail !== title ? `${title}: ${p.detail}` : title || err.message, "error");
      return undefined;
    }
  }

  const table = (headers, rows, cls = "") => el("div", { class: "scroll" }, el("table", { class: `list ${cls}` },
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))), el("tbody", {}, rows)));
  const badge = (text, cls = "") => el("span", { class: `badge ${cls}` }, text);

  function ago(ms) {
    if (!ms) return t("never");
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (s < 60) return t("ago.s", { n: s });
    if (s < 3600) return t("ago.m", { n: Math.floor(s / 60) });
    if (s < 86400) return t("ago.h", { n: Math.floor(s / 3600) });
    return t("ago.d", { n: Math.floor(s / 86400) });
  }

  // -- sign in -----------------------------------------------------------------------------------
  function signOut() {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    clearInterval(fleetTimer);
    $("#app").classList.add("hidden");
    $("#sign-out").classList.add("hidden");
    $("#who").textContent = "";
    $("#login").classList.remove("hidden");
  }

  $("#login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const code = $("#h-code").value.trim();
    const r = await guarded(() => api("POST", "/api/hq/auth/sign-in", { code, password: $("#h-password").value }));
    if (!r) return;
    token = r.access_token;
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem("hearth_hq_who", code);
    start();
  });
  $("#sign-out").addEventListener("click", signOut);

  function showTab(tab) {
    document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("on", b.dataset.tab === tab));
    document.querySelectorAll(".pane").forEach((p) => p.classList.toggle("hidden", p.id !== `pane-${tab}`));
    sessionStorage.setItem("hearth_hq_tab", tab);
    if (tab === "fleet") renderFleet();
    if (tab === "stores") renderStores();
    if (tab === "menu") renderMenu();
  }
  document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));

  async function loadStores() {
    const r = await guarded(() => api("GET", "/api/hq/stores"));
    if (r) stores = r.stores;
    return r;
  }

  // -- fleet -------------------------------------------------------------------------------------
  const HEALTH_KIND = { ok: "ok", warn: "warn", fail: "bad" };
  const say = (w) => (w && (w[lang] || w.en)) || "";

  function healthCell(h) {
    if (!h || !h.worst) return el("td", { class: "health" }, el("span", { class: "muted" }, t("fleet.no_report")));
    const bad = (h.findings || []).filter((f) => f.severity !== "ok");
    const head = badge(t(`health.${h.worst}`), HEALTH_KIND[h.worst] || "");
    if (!bad.length) return el("td", { class: "health" }, head);
    return el("td", { class: "health" }, el("details", { class: "findings" },
      el("summary", {}, head, " ", t("fleet.findings_n", { n: bad.length })),
      el("ul", {}, bad.map((f) => el("li", { dataset: { check: f.check } },
        badge(t(`health.${f.severity}`), HEALTH_KIND[f.severity]), " ", el("strong", {}, f.check), " ",
        say(f.cause), el("div", { class: "muted" }, `${t("detail.fix")}: ${say(f.fix)}`))))));
  }

  function backupCell(h) {
    const age = h && h.backup_at_ms ? ago(h.backup_at_ms) : t("fleet.no_backup");
    const copies = h && h.hq_backups ? t("fleet.hq_copies", { n: h.hq_backups.count }) : "";
    const old = !h || !h.backup_at_ms || Date.now() - h.backup_at_ms > 26 * 3600 * 1000;
    return el("td", { class: "backup" }, h && h.worst ? badge(age, old ? "warn" : "ok") : "–",
      copies ? el("div", { class: "muted" }, copies) : null);
  }

  async function renderFleet() {
    const pane = $("#pane-fleet");
    const [r, review, health] = [await loadStores(), await guarded(() => api("GET", "/api/hq/review-counts")),
      await guarded(() => api("GET", "/api/hq/fleet/health"))];
    if (!r) return;
    const open = $("#store-detail") && $("#store-detail").dataset.store;
    pane.replaceChildren();
    if (!stores.length) { pane.appendChild(el("div", { class: "panel" }, el("p", { class: "muted" }, t("fleet.empty")))); return; }
    const reports = (health && health.stores) || {};
    const rows = stores.map((s) => {
      const alarms = [];
      for (const a of s.alarms) {
        alarms.push(badge(t(`alarm.${a.kind}`, { seq: a.first_differing_seq ?? "?" }), "bad"));
      }
      if (s.quarantined) alarms.push(badge(t("alarm.quarantine", { n: s.quarantined }), "warn"));
      const held = (review || {})[s.store_id];
      if (held) alarms.push(badge(t("alarm.review", { n: held }), "warn"));
      const h = reports[s.store_id];
      const storeAlerts = (h && h.alerts) || [];
      if (storeAlerts.length) alarms.push(badge(t("fleet.store_alerts", { n: storeAlerts.length }), "bad"));
      const diverged = s.alarms.some((a) => a.kind === "divergence");
      const state = s.revoked ? badge(t("revoked"), "bad") : !s.enrolled ? badge(t("not_enrolled")) : badge(t("active"), "ok");
      const lag = s.backlog === null || s.backlog === undefined ? "–" : String(s.backlog);
      return el("tr", { dataset: { store: s.store_id } },
        el("td", {}, el("strong", {}, s.name), el("div", { class: "muted" }, s.store_id)),
        el("td", { class: "last-seen" }, ago(s.last_seen_at_ms)),
        el("td", { class: "num lag" }, s.backlog ? badge(lag, "warn") : lag),
        el("td", { class: "num acked" }, String(s.acked_seq)),
        el("td", { class: "num" }, s.catalogue_version ?? "–"),
        el("td", {}, diverged ? badge("✗", "bad") : s.digest ? badge(t("ok"), "ok") : "–"),
        el("td", { class: "version" }, (h && h.version) || "–"),
        healthCell(h),
        el("td", { class: "alarms" }, alarms.length ? alarms : "–"),
        backupCell(h),
        el("td", {}, state),
        el("td", { class: "actions" }, el("button", { type: "button", class: "detail-btn",
          onclick: () => renderDetail(s.store_id) }, t("fleet.details"))));
    });
    pane.appendChild(el("div", { class: "panel" }, el("h3", {}, t("tab.fleet"), " ", el("small", { class: "muted" }, t("fleet.refreshed"))),
      table([t("fleet.store"), t("fleet.last_seen"), t("fleet.lag"), t("fleet.acked"), t("fleet.catalogue"),
        t("fleet.digest"), t("fleet.version"), t("fleet.health"), t("fleet.alarms"), t("fleet.backup"),
        t("fleet.state"), ""], rows, "fleet-table")));
    pane.appendChild(el("div", { class: "panel hidden", id: "store-detail" }));
    if (open) renderDetail(open);
  }

  // One store for remote diagnosis: every finding with what still works and the fix, its open
  // alerts, and the backups HQ keeps of it.
  async function renderDetail(storeId) {
    const box = $("#store-detail");
    const d = await guarded(() => api("GET", `/api/hq/stores/${encodeURIComponent(storeId)}/health`));
    if (!d || !box) return;
    box.dataset.store = storeId;
    const rep = d.report;
    const parts = [el("h3", {}, t("detail.title", { name: d.name }), " ",
      el("button", { type: "button", id: "detail-close", onclick: () => { box.classList.add("hidden"); delete box.dataset.store; } }, t("detail.close")))];
    if (!rep) parts.push(el("p", { class: "muted" }, t("fleet.no_report")));
    else {
      parts.push(el("p", {}, badge(t(`health.${rep.worst}`), HEALTH_KIND[rep.worst]), " ",
        t("detail.reported", { when: ago(rep.received_at_ms), version: rep.version })));
      const order = { fail: 0, warn: 1, ok: 2 };
      const rows = [...rep.findings].sort((a, b) => order[a.severity] - order[b.severity] || a.check.localeCompare(b.check))
        .map((f) => el("tr", { dataset: { check: f.check } },
          el("td", {}, badge(t(`health.${f.severity}`), HEALTH_KIND[f.severity])), el("td", {}, f.check),
          el("td", {}, say(f.cause)), el("td", {}, say(f.works)), el("td", {}, say(f.fix))));
      parts.push(el("h4", {}, t("detail.findings")),
        table(["", t("detail.check"), t("detail.cause"), t("detail.works"), t("detail.fix")], rows, "detail-findings"));
      const alerts = rep.alerts || [];
      parts.push(el("h4", {}, t("detail.alerts")), alerts.length
        ? el("ul", { class: "detail-alerts" }, alerts.map((a) => el("li", {}, badge(HEALTH_KIND[a.severity] ? t(`health.${a.severity}`) : a.severity || "", HEALTH_KIND[a.severity] || "warn"), " ",
          say(a.cause) || a.key || "", a.raised_at_ms ? el("span", { class: "muted" }, ` · ${ago(a.raised_at_ms)}`) : null)))
        : el("p", { class: "muted" }, t("detail.none")));
    }
    const copies = d.hq_backups || [];
    parts.push(el("h4", {}, t("detail.hq_backups")), copies.length
      ? table([t("detail.backup_name"), t("detail.backup_taken"), t("detail.backup_size")], copies.map((b) => el("tr", {},
        el("td", {}, b.name), el("td", {}, ago(b.taken_at_ms)), el("td", { class: "num" }, `${(b.size / 1048576).toFixed(1)} MB`))), "detail-backups")
      : el("p", { class: "muted" }, t("detail.none")));
    box.replaceChildren(...parts);
    box.classList.remove("hidden");
  }

  // -- stores and enrolment ----------------------------------------------------------------------
  function showCode(storeId, code) {
    const box = $("#enrol-code-box");
    box.replaceChildren(el("p", {}, t("stores.code_once")),
      el("div", { class: "keybox", id: "enrol-code" }, code),
      el("p", { class: "muted" }, `hearth init --hq ${location.origin} --enrol ${code}`));
    box.classList.remove("hidden");
  }

  async function renderStores() {
    const pane = $("#pane-stores");
    if (!(await loadStores())) return;
    const form = el("form", { class: "grid", id: "new-store-form" },
      el("label", {}, t("stores.id"), el("input", { id: "s-id", required: true, maxlength: 64, pattern: "[A-Za-z0-9_.\\-]+" })),
      el("label", {}, t("stores.name"), el("input", { id: "s-name", required: true, maxlength: 200 })),
      el("button", { class: "primary", type: "submit" }, t("stores.create")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const storeId = $("#s-id").value.trim();
      const r = await guarded(() => api("POST", "/api/hq/stores", { store_id: storeId, name: $("#s-name").value.trim() }));
      if (!r) return;
      await renderStores();
      showCode(r.store_id, r.enrol_code);
    });
    const rows = stores.map((s) => el("tr", { dataset: { store: s.store_id } },
      el("td", {}, s.store_id), el("td", {}, s.name),
      el("td", {}, s.revoked ? badge(t("revoked"), "bad") : s.enrolled ? badge(t("active"), "ok") : badge(t("not_enrolled"))),
      el("td", { class: "actions" }, s.revoked ? [] : [
        el("button", { type: "button", onclick: async () => {
          const r = await guarded(() => api("POST", `/api/hq/stores/${encodeURIComponent(s.store_id)}/enrol-code`));
          if (r) showCode(s.store_id, r.enrol_code);
        } }, t("stores.new_code")),
        el("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm(t("stores.revoke_confirm"))) return;
          if (await guarded(() => api("POST", `/api/hq/stores/${encodeURIComponent(s.store_id)}/revoke`), t("revoked"))) renderStores();
        } }, t("stores.revoke"))])));
    pane.replaceChildren(
      el("div", { class: "panel" }, el("h3", {}, t("stores.new")), form, el("div", { id: "enrol-code-box", class: "hidden" })),
      el("div", { class: "panel" }, el("h3", {}, t("tab.stores")),
        table([t("stores.id"), t("stores.name"), t("fleet.state"), ""], rows, "stores-table")));
  }

  // -- chain menu editor -------------------------------------------------------------------------
  let catalogue = null;
  const edits = new Map(); // id -> {kind: "Item"|"Category", payload changes}
  const created = []; // new categories and items, in order

  function mark(kind, id, field, value, original) {
    const cur = edits.get(id) || { kind, changes: {} };
    if (value === original) delete cur.changes[field]; else cur.changes[field] = value;
    if (Object.keys(cur.changes).length) edits.set(id, cur); else edits.delete(id);
    updatePublishBar();
  }

  function updatePublishBar() {
    const n = edits.size + created.length;
    const note = $("#menu-changes");
    if (note) note.textContent = n ? `${n} ${t("menu.changed")}` : t("menu.nothing");
  }

  function newId() { return key(); }
  const shown = (o, field) => {
    const e = edits.get(o.id);
    return e && field in e.changes ? e.changes[field] : o[field];
  };

  async function renderMenu(held = false) {
    const pane = $("#pane-menu");
    const cat = held && catalogue ? catalogue : await guarded(() => api("GET", "/api/hq/catalogue?scope=chain"));
    if (!cat) return;
    if (!held) {
      await loadStores();
      catalogue = cat;
      edits.clear();
      created.length = 0;
    }
    const byCat = new Map(cat.categories.map((c) => [c.id, []]));
    const loose = [];
    for (const it of cat.items) (byCat.get(it.category_id) || loose).push(it);
    const parts = [];
    for (const c of cat.categories) {
      parts.push(el("h4", { class: "menu-cat" }, el("input", { value: shown(c, "name_zh") || "", "aria-label": t("menu.name_zh"),
        oninput: (e) => mark("Category", c.id, "name_zh", e.target.value, c.name_zh) }), " ",
      el("input", { value: shown(c, "name_en") || "", "aria-label": t("menu.name_en"),
        oninput: (e) => mark("Category", c.id, "name_en", e.target.value, c.name_en) })));
      parts.push(itemsTable(byCat.get(c.id)));
    }
    if (loose.length) parts.push(itemsTable(loose));
    if (!cat.categories.length && !cat.items.length) parts.push(el("p", { class: "muted" }, t("menu.empty")));

    const addCat = el("form", { class: "grid inline", id: "add-category-form" },
      el("label", {}, t("menu.name_zh"), el("input", { id: "c-zh", required: true })),
      el("label", {}, t("menu.name_en"), el("input", { id: "c-en", required: true })),
      el("button", { type: "submit" }, t("menu.add_category")));
    addCat.addEventListener("submit", (e) => {
      e.preventDefault();
      const c = { id: newId(), name_zh: $("#c-zh").value.trim(), name_en: $("#c-en").value.trim(),
        sort: cat.categories.length, station_id: null };
      created.push({ type: "CategoryCreated", payload: c });
      cat.categories.push(c);
      keepAndRedraw();
    });
    const addItem = el("form", { class: "grid inline", id: "add-item-form" },
      el("label", {}, t("menu.category"), el("select", { id: "i-cat", required: true },
        cat.categories.map((c) => el("option", { value: c.id }, name(c))))),
      el("label", {}, t("menu.name_zh"), el("input", { id: "i-zh", required: true })),
      el("label", {}, t("menu.name_en"), el("input", { id: "i-en", required: true })),
      el("label", {}, t("menu.price"), el("input", { id: "i-price", required: true, inputmode: "decimal", class: "price-input" })),
      el("button", { type: "submit" }, t("menu.add_item")));
    addItem.addEventListener("submit", (e) => {
      e.preventDefault();
      const price = parseFen($("#i-price").value);
      if (price === null) { toast(t("menu.bad_price"), "error"); return; }
      const it = { id: newId(), category_id: $("#i-cat").value, kind: "item", name_zh: $("#i-zh").value.trim(),
        name_en: $("#i-en").value.trim(), pinyin_initials: "", pinyin_full: "", price, tax_rate_bp: 0, specs: [],
        modifier_group_ids: [], combo_slots: [], station_id: null, available_from: null, available_until: null,
        sold_out: false, remaining: null, back_at_ms: null, active: true, sort: cat.items.length, image_url: null };
      created.push({ type: "ItemCreated", payload: it });
      cat.items.push(it);
      keepAndRedraw();
    });

    const picks = el("div", { class: "store-picks" }, stores.filter((s) => !s.revoked).map((s) =>
      el("label", { class: "check" }, el("input", { type: "checkbox", class: "pick-store", value: s.store_id }), s.name)));
    const scopeChain = el("input", { type: "radio", name: "scope", value: "chain", id: "scope-chain", checked: true });
    const scopeStores = el("input", { type: "radio", name: "scope", value: "stores", id: "scope-stores" });
    const bar = el("div", { class: "publish-bar" },
      el("strong", {}, t("menu.scope")),
      el("label", { class: "check" }, scopeChain, t("menu.chain")),
      el("label", { class: "check" }, scopeStores, t("menu.stores")), picks,
      el("button", { type: "button", class: "primary", id: "publish", onclick: publish }, t("menu.publish")),
      el("span", { id: "menu-changes", class: "muted" }));
    pane.replaceChildren(el("div", { class: "panel" },
      el("h3", {}, t("tab.menu"), " ", el("small", { class: "muted", id: "menu-version" }, `${t("menu.version")}: ${cat.version}`)),
      ...parts, addCat, addItem, bar));
    updatePublishBar();
  }

  // A category or dish added here is drawn by a fresh render of the catalogue held in the page;
  // the unsaved edits and additions survive it.
  function keepAndRedraw() { renderMenu(true); }

  function itemsTable(list) {
    const rows = list.map((it) => {
      const p = shown(it, "price");
      const price = el("input", { value: typeof p === "number" ? fenText(p) : String(p ?? ""), class: "price-input", inputmode: "decimal",
        "aria-label": t("menu.price"), dataset: { item: it.id } });
      const row = el("tr", { dataset: { item: it.id }, class: edits.has(it.id) ? "changed" : "" },
        el("td", {}, el("input", { value: shown(it, "name_zh") || "", "aria-label": t("menu.name_zh"),
          oninput: (e) => { mark("Item", it.id, "name_zh", e.target.value, it.name_zh); row.classList.toggle("changed", edits.has(it.id)); } })),
        el("td", {}, el("input", { value: shown(it, "name_en") || "", "aria-label": t("menu.name_en"),
          oninput: (e) => { mark("Item", it.id, "name_en", e.target.value, it.name_en); row.classList.toggle("changed", edits.has(it.id)); } })),
        el("td", {}, price));
      price.addEventListener("input", () => {
        const f = parseFen(price.value);
        price.setCustomValidity(f === null ? t("menu.bad_price") : "");
        mark("Item", it.id, "price", f === null ? price.value : f, it.price);
        row.classList.toggle("changed", edits.has(it.id));
      });
      return row;
    });
    return table([t("menu.name_zh"), t("menu.name_en"), t("menu.price")], rows, "menu-table");
  }

  async function publish() {
    const events = created.slice();
    for (const [id, e] of edits) {
      if ("price" in e.changes && typeof e.changes.price !== "number") { toast(t("menu.bad_price"), "error"); return; }
      events.push({ type: `${e.kind}Updated`, payload: { id, ...e.changes } });
    }
    if (!events.length) { toast(t("menu.nothing")); return; }
    let scopes = ["chain"];
    if ($("#scope-stores").checked) {
      scopes = [...document.querySelectorAll(".pick-store:checked")].map((c) => `store:${c.value}`);
      if (!scopes.length) { toast(t("menu.pick_store"), "error"); return; }
    }
    let last = null;
    for (const scope of scopes) {
      const r = await guarded(() => api("POST", "/api/hq/catalogue", { scope, events }));
      if (!r) return;
      last = r.version;
    }
    toast(`${t("menu.published")} ${last}`, "ok");
    await renderMenu();
  }

  async function start() {
    $("#login").classList.add("hidden");
    $("#app").classList.remove("hidden");
    $("#sign-out").classList.remove("hidden");
    $("#who").textContent = sessionStorage.getItem("hearth_hq_who") || "";
    showTab(sessionStorage.getItem("hearth_hq_tab") || "fleet");
    clearInterval(fleetTimer);
    fleetTimer = setInterval(() => {
      if (!$("#pane-fleet").classList.contains("hidden")) renderFleet();
    }, 10000);
  }

  if (token) start(); else signOut();
})();
