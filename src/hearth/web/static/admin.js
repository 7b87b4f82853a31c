// Admin page: a thin client over the store node's API. Every rule is checked by the server; a
// refusal is shown in the problem's own words. Money is fen on the wire and yuan on screen.
"use strict";

(() => {
  const { t, el, yuan, toast, showError } = Hearth;
  const TOKEN_KEY = "hearth_admin_token";
  const $ = (sel) => document.querySelector(sel);
  let token = sessionStorage.getItem(TOKEN_KEY);
  let menu = { categories: [], modifier_groups: [], items: [] };
  let stations = null; // null: the kitchen module's API is not there

  const api = (method, path, body, opts = {}) => Hearth.api(method, path, body, { token, ...opts });
  const nm = (o) => (o ? Hearth.name(o) : "");

  // "38" or "38.5" yuan -> 3850 fen (Hearth.parseFen; a percentage to basis points the same
  // way). Anything else is sent as typed, so the server's problem (not a guess made here) tells
  // the manager what is wrong.
  const fen = (text) => Hearth.parseFen(text) ?? String(text).trim();
  const yuanInput = (f) => (f === null || f === undefined ? "" : Hearth.fenText(f));
  const intOrText = (v) => (/^-?\d+$/.test(String(v).trim()) ? Number(v) : String(v).trim());
  const orNull = (v) => (String(v).trim() === "" ? null : v);

  async function guarded(fn, okText) {
    try {
      const r = await fn();
      if (okText) toast(okText, "ok");
      return r;
    } catch (err) {
      if (err.status === 401) { signOut(); }
      showError(err);
      return undefined;
    }
  }

  function field(label, input) { return el("label", {}, label, input); }
  function input(id, attrs = {}) { return el("input", { id, ...attrs }); }
  function select(id, options, value) {
    const s = el("select", { id });
    for (const [v, text] of options) {
      const o = el("option", { value: v }, text);
      if (String(v) === String(value ?? "")) o.selected = true;
      s.appendChild(o);
    }
    return s;
  }
  function button(text, onclick, cls = "") { return el("button", { type: "button", class: cls, onclick }, text); }
  function table(headers, rows, cls = "") {
    return el("div", { class: "scroll" }, el("table", { class: `list ${cls}` },
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", typeof h === "string" ? {} : h[1], typeof h === "string" ? h : h[0])))),
      el("tbody", {}, rows)));
  }
  const panel = (title, ...children) => el("div", { class: "panel" }, el("h3", {}, title), ...children);
  const val = (id) => document.getElementById(id).value;

  // -- sign in ---------------------------------------------------------------------------------
  function signOut() {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $("#app").classList.add("hidden");
    $("#sign-out").classList.add("hidden");
    $("#who").textContent = "";
    $("#login").classList.remove("hidden");
  }

  $("#login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = await guarded(() => api("POST", "/api/auth/password",
      { staff_code: val("a-code").trim(), password: val("a-password") }, { token: null, retries: 1 }));
    if (!r) return;
    token = r.access_token;
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem("hearth_admin_who", `${r.staff.name} · ${t("role." + r.staff.role)}`);
    start();
  });
  $("#sign-out").addEventListener("click", signOut);

  async function start() {
    $("#login").classList.add("hidden");
    $("#app").classList.remove("hidden");
    $("#sign-out").classList.remove("hidden");
    $("#who").textContent = sessionStorage.getItem("hearth_admin_who") || "";
    // Sections whose module has no API on this node are hidden rather than broken.
    await Promise.all([
      probe("kitchen", "/api/kitchen/stations"), probe("printers", "/api/printers"),
      probe("payments", "/api/payments/providers"), probe("delivery", "/api/delivery/mappings")]);
    show(location.hash.slice(1) || "menu");
  }

  async function probe(tab, path) {
    try { await api("GET", path, undefined, { retries: 1 }); }
    catch (err) { if (err.status === 404 || err.status === 405) $(`#tab-${tab}`).classList.add("hidden"); }
  }

  const RENDER = { menu: renderMenu, floor: renderFloor, staff: renderStaff, kitchen: renderKitchen,
    printers: renderPrinters, payments: renderPayments, delivery: renderDelivery, settings: renderSettings,
    hq: (pane) => HearthSync.adminPane(pane), health: (pane) => HearthHealth.adminPane(pane) };

  function show(tab) {
    if (!RENDER[tab]) tab = "menu";
    document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("on", b.dataset.tab === tab));
    document.querySelectorAll(".pane").forEach((p) => p.classList.toggle("hidden", p.id !== `pane-${tab}`));
    history.replaceState(null, "", `#${tab}`);
    RENDER[tab]($(`#pane-${tab}`));
  }
  document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => show(b.dataset.tab)));

  // -- menu ------------------------------------------------------------------------------------
  async function loadMenu() {
    const m = await guarded(() => api("GET", "/api/menu"));
    if (m) menu = m;
    if (stations === null) {
      stations = (await Hearth.api("GET", "/api/kitchen/stations", undefined, { token, retries: 1 }).catch(() => [])) || [];
    }
  }

  async function renderMenu(pane) {
    await loadMenu();
    pane.replaceChildren(itemsPanel(), categoriesPanel(), groupsPanel(), combosPanel());
  }

  function itemsPanel() {
    const cats = Object.fromEntries(menu.categories.map((c) => [c.id, c]));
    const rows = menu.items.filter((i) => i.kind !== "combo").concat(menu.items.filter((i) => i.kind === "combo")).map((it) => {
      const status = !it.active ? el("span", { class: "badge" }, t("admin.hidden"))
        : it.sold_out || it.remaining === 0 ? el("span", { class: "badge bad" }, t("admin.sold_out"))
          : el("span", { class: "badge ok" }, t("admin.on_sale"));
      const file = el("input", { type: "file", accept: "image/png,image/jpeg,image/webp", class: "hidden",
        "data-item": it.id, onchange: (e) => uploadPicture(it.id, e.target.files[0]) });
      return el("tr", { dataset: { item: it.id, name: it.name_en } },
        el("td", {}, it.image_url ? el("img", { class: "thumb", src: it.image_url, alt: "" }) : el("span", { class: "thumb" })),
        el("td", {}, el("strong", {}, nm(it)), el("div", { class: "muted" }, Hearth.lang === "zh" ? it.name_en : it.name_zh)),
        el("td", { class: "price" }, yuan(it.price), it.specs.length ? el("div", { class: "muted" }, it.specs.map((s) => `${nm(s)} ${yuan(s.price)}`).join(" · ")) : null),
        el("td", { class: "wide-only" }, nm(cats[it.category_id])),
        el("td", { class: "wide-only" }, it.available_from ? `${it.available_from}–${it.available_until}` : ""),
        el("td", {}, status, " ", el("span", { class: "muted remaining" }, it.remaining === null ? "" : `${t("admin.remaining")} ${it.remaining}`)),
        el("td", { class: "actions" },
          button(t("admin.edit"), () => itemForm(it), "edit"),
          file, button(t("admin.picture"), () => file.click(), "picture"),
          it.sold_out ? button(t("admin.back"), () => stock(it, false), "back")
            : button(t("admin.mark_sold_out"), () => stock(it, true), "soldout"),
          button(t("admin.set_left"), () => setLeft(it), "left"),
          button(it.active ? t("admin.take_off") : t("admin.put_on"), async () => {
            if (await guarded(() => api("PATCH", `/api/menu/items/${it.id}`, { active: !it.active }), t("admin.saved"))) renderMenu($("#pane-menu"));
          }, "active-toggle")));
    });
    return panel(t("admin.items"),
      el("p", {}, button(t("admin.new_item"), () => itemForm(null), "primary"), " ", el("span", { id: "item-form-slot" })),
      el("div", { id: "item-form-box" }),
      table(["", t("admin.name"), t("admin.price"), [t("admin.category"), { class: "wide-only" }],
        [t("admin.from"), { class: "wide-only" }], t("admin.health"), ""], rows, "items-table"));
  }

  function itemForm(item) {
    const box = $("#item-form-box");
    const specs = el("div", { id: "specs" });
    const addSpec = (s = {}) => {
      const row = el("div", { class: "spec-row", dataset: { id: s.id || "" } },
        el("input", { class: "spec-zh", placeholder: t("admin.name_zh"), value: s.name_zh || "" }),
        el("input", { class: "spec-en", placeholder: t("admin.name_en"), value: s.name_en || "" }),
        el("input", { class: "spec-price", inputmode: "decimal", placeholder: t("admin.price"), value: yuanInput(s.price) }),
        button("✕", () => row.remove()));
      specs.appendChild(row);
    };
    (item ? item.specs : []).forEach(addSpec);
    const groups = el("div", { id: "groups" }, menu.modifier_groups.map((g) =>
      el("label", { class: "check" }, el("input", { type: "checkbox", value: g.id,
        checked: item && item.modifier_group_ids.includes(g.id) ? "checked" : false }), nm(g))));
    const form = el("form", { class: "grid panel", id: "item-form" },
      el("h3", { class: "full" }, item ? `${t("admin.edit_item")}: ${nm(item)}` : t("admin.new_item")),
      field(t("admin.category"), select("i-category", menu.categories.map((c) => [c.id, nm(c)]), item?.category_id)),
      field(t("admin.name_zh"), input("i-name-zh", { value: item?.name_zh || "" })),
      field(t("admin.name_en"), input("i-name-en", { value: item?.name_en || "" })),
      field(t("admin.price"), input("i-price", { inputmode: "decimal", value: item ? yuanInput(item.price) : "" })),
      field(t("admin.tax"), input("i-tax", { inputmode: "decimal", value: item ? item.tax_rate_bp / 100 : 6 })),
      field(t("admin.from"), input("i-from", { type: "time", value: item?.available_from || "" })),
      field(t("admin.until"), input("i-until", { type: "time", value: item?.available_until || "" })),
      item ? null : field(t("admin.remaining"), input("i-remaining", { inputmode: "numeric", placeholder: t("admin.unlimited") })),
      el("div", { class: "full" }, el("strong", {}, t("admin.specs")), specs, button(t("admin.add_spec"), () => addSpec(), "add-spec")),
      el("div", { class: "full" }, el("strong", {}, t("admin.groups")), groups),
      el("div", { class: "full" }, el("button", { class: "primary", type: "submit", id: "item-save" }, t("admin.save")),
        " ", button(t("admin.cancel"), () => box.replaceChildren())));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const specList = [...specs.querySelectorAll(".spec-row")].map((r) => ({
        ...(r.dataset.id ? { id: r.dataset.id } : {}),
        name_zh: r.querySelector(".spec-zh").value.trim(), name_en: r.querySelector(".spec-en").value.trim(),
        price: fen(r.querySelector(".spec-price").value) }));
      const groupIds = [...groups.querySelectorAll("input:checked")].map((c) => c.value);
      const tax = fen(val("i-tax"));
      const price = specList.length && !val("i-price").trim() ? Math.min(...specList.map((s) => (typeof s.price === "number" ? s.price : 0))) : fen(val("i-price"));
      const common = { name_zh: val("i-name-zh").trim(), name_en: val("i-name-en").trim(), price,
        tax_rate_bp: tax, available_from: orNull(val("i-from")), available_until: orNull(val("i-until")) };
      const ok = item
        ? await guarded(() => api("PATCH", `/api/menu/items/${item.id}`, { ...common, category_id: val("i-category"), specs: specList, modifier_group_ids: groupIds }), t("admin.saved"))
        : await guarded(() => api("POST", "/api/menu/items", { ...common, category_id: val("i-category"),
          specs: specList.map(({ id, ...s }) => s), modifier_group_ids: groupIds,
          remaining: orNull(val("i-remaining")) === null ? null : intOrText(val("i-remaining")) }), t("admin.saved"));
      if (ok) renderMenu($("#pane-menu"));
    });
    box.replaceChildren(form);
    form.scrollIntoView({ block: "start" });
  }

  // A phone photo is several MB; the picture a diner needs is ~800 px. Shrink it in the browser
  // (the server still checks the bytes and the size).
  async function shrink(file) {
    if (!file || file.size < 200 * 1024 || !window.createImageBitmap) return file;
    try {
      const bmp = await createImageBitmap(file);
      const scale = Math.min(1, 800 / Math.max(bmp.width, bmp.height));
      const c = el("canvas", { width: Math.round(bmp.width * scale), height: Math.round(bmp.height * scale) });
      c.getContext("2d").drawImage(bmp, 0, 0, c.width, c.height);
      return await new Promise((res) => c.toBlob((b) => res(b || file), "image/jpeg", 0.82));
    } catch (_) { return file; }
  }

  async function uploadPicture(itemId, file) {
    if (!file) return;
    const blob = await shrink(file);
    const res = await fetch(`/api/menu/items/${itemId}/image`, { method: "PUT", body: blob, headers: {
      "Authorization": `Bearer ${token}`, "Idempotency-Key": Hearth.newKey(),
      "Content-Type": blob.type || "application/octet-stream", "Accept": "application/json" } });
    const data = await res.json().catch(() => ({ title: res.statusText }));
    if (!res.ok) { showError(new Hearth.ApiError(data)); return; }
    toast(t("admin.uploaded"), "ok");
    renderMenu($("#pane-menu"));
  }

  async function stock(it, out) {
    const ok = await guarded(() => api("POST", `/api/menu/items/${it.id}/${out ? "sold-out" : "back-in-stock"}`, {}), t("admin.saved"));
    if (ok) renderMenu($("#pane-menu"));
  }

  async function setLeft(it) {
    const text = prompt(`${nm(it)} · ${t("admin.remaining")} (${t("admin.unlimited")}: ∅)`, it.remaining ?? "");
    if (text === null) return;
    const ok = await guarded(() => api("PUT", `/api/menu/items/${it.id}/remaining`,
      { remaining: text.trim() === "" ? null : intOrText(text) }), t("admin.saved"));
    if (ok) renderMenu($("#pane-menu"));
  }

  function categoriesPanel() {
    // Each row is its own small form: rename or re-sort, then Save sends only what changed.
    const rows = menu.categories.map((c) => {
      const zh = el("input", { class: "cat-zh", value: c.name_zh, "aria-label": t("admin.name_zh") });
      const en = el("input", { class: "cat-en", value: c.name_en, "aria-label": t("admin.name_en") });
      const sort = el("input", { class: "cat-sort", inputmode: "numeric", size: 4, value: c.sort, "aria-label": t("admin.sort") });
      return el("tr", { dataset: { category: c.id, name: c.name_en } }, el("td", {}, zh), el("td", {}, en), el("td", {}, sort),
        el("td", { class: "actions" }, button(t("admin.save"), async () => {
          const body = {};
          if (zh.value.trim() !== c.name_zh) body.name_zh = zh.value.trim();
          if (en.value.trim() !== c.name_en) body.name_en = en.value.trim();
          if (String(sort.value).trim() !== String(c.sort)) body.sort = intOrText(sort.value);
          if (!Object.keys(body).length) return;
          if (await guarded(() => api("PATCH", `/api/menu/categories/${c.id}`, body), t("admin.saved"))) renderMenu($("#pane-menu"));
        }, "save-cat")));
    });
    const form = el("form", { class: "grid", id: "cat-form" },
      field(t("admin.name_zh"), input("c-zh", { required: true })), field(t("admin.name_en"), input("c-en", { required: true })),
      field(t("admin.sort"), input("c-sort", { inputmode: "numeric", value: menu.categories.length + 1 })),
      el("button", { class: "primary", type: "submit" }, t("admin.add")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const ok = await guarded(() => api("POST", "/api/menu/categories", { name_zh: val("c-zh").trim(), name_en: val("c-en").trim(), sort: intOrText(val("c-sort")) }), t("admin.saved"));
      if (ok) renderMenu($("#pane-menu"));
    });
    return panel(t("admin.categories"), table([t("admin.name_zh"), t("admin.name_en"), t("admin.sort"), ""], rows, "cats-table"), form);
  }

  function groupsPanel() {
    const rows = menu.modifier_groups.map((g) => el("tr", { dataset: { group: g.id, name: g.name_en } }, el("td", {}, nm(g)),
      el("td", {}, `${g.min_choices}–${g.max_choices}`),
      el("td", {}, g.options.map((o) => `${nm(o)}${o.price_delta ? " +" + yuan(o.price_delta) : ""}`).join(" · ")),
      el("td", { class: "actions" }, button(t("admin.edit"), () => groupForm(g), "edit-group"))));
    const form = el("form", { class: "grid", id: "group-form" },
      field(t("admin.name_zh"), input("g-zh", { required: true })), field(t("admin.name_en"), input("g-en", { required: true })),
      field(t("admin.min"), input("g-min", { inputmode: "numeric", value: 0 })), field(t("admin.max"), input("g-max", { inputmode: "numeric", value: 1 })),
      el("label", { class: "full" }, t("admin.options"), el("textarea", { id: "g-options", rows: 3, placeholder: "不辣|Not spicy|0\n微辣|Mild|0" })),
      el("button", { class: "primary", type: "submit" }, t("admin.add")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const options = val("g-options").split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
        const [zh, en, extra = "0"] = l.split("|").map((x) => x.trim());
        return { name_zh: zh, name_en: en || zh, price_delta: fen(extra || "0") };
      });
      const ok = await guarded(() => api("POST", "/api/menu/modifier-groups", { name_zh: val("g-zh").trim(), name_en: val("g-en").trim(),
        min_choices: intOrText(val("g-min")), max_choices: intOrText(val("g-max")), options }), t("admin.saved"));
      if (ok) renderMenu($("#pane-menu"));
    });
    return panel(t("admin.groups"), el("div", { id: "group-form-box" }),
      table([t("admin.name"), `${t("admin.min")}–${t("admin.max")}`, t("admin.options").split("（")[0].split(" (")[0], ""], rows), form);
  }

  // Edit a group after creation: names, min/max and each option (name, extra price). An option
  // keeps its id, so orders already placed still name it; a removed one is no longer offered.
  function groupForm(g) {
    const box = $("#group-form-box");
    const opts = el("div", { id: "ge-options" });
    const addOption = (o = {}) => {
      const row = el("div", { class: "spec-row option-row", dataset: { id: o.id || "" } },
        el("input", { class: "opt-zh", placeholder: t("admin.name_zh"), value: o.name_zh || "" }),
        el("input", { class: "opt-en", placeholder: t("admin.name_en"), value: o.name_en || "" }),
        el("input", { class: "opt-price", inputmode: "decimal", placeholder: t("admin.upcharge"), value: yuanInput(o.price_delta ?? 0) }),
        button("✕", () => row.remove(), "remove-option"));
      opts.appendChild(row);
    };
    g.options.forEach(addOption);
    const form = el("form", { class: "grid panel", id: "group-edit-form" },
      el("h3", { class: "full" }, `${t("admin.edit_group")}: ${nm(g)}`),
      field(t("admin.name_zh"), input("ge-zh", { value: g.name_zh, required: true })),
      field(t("admin.name_en"), input("ge-en", { value: g.name_en, required: true })),
      field(t("admin.min"), input("ge-min", { inputmode: "numeric", value: g.min_choices })),
      field(t("admin.max"), input("ge-max", { inputmode: "numeric", value: g.max_choices })),
      el("div", { class: "full" }, el("strong", {}, t("admin.option_rows")), opts, button(t("admin.add_option"), () => addOption(), "add-option")),
      el("div", { class: "full" }, el("button", { class: "primary", type: "submit", id: "group-save" }, t("admin.save")),
        " ", button(t("admin.cancel"), () => box.replaceChildren())));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const options = [...opts.querySelectorAll(".option-row")].map((r) => ({
        ...(r.dataset.id ? { id: r.dataset.id } : {}),
        name_zh: r.querySelector(".opt-zh").value.trim(), name_en: r.querySelector(".opt-en").value.trim(),
        price_delta: fen(r.querySelector(".opt-price").value || "0") }));
      const ok = await guarded(() => api("PUT", `/api/menu/modifier-groups/${g.id}`, { name_zh: val("ge-zh").trim(), name_en: val("ge-en").trim(),
        min_choices: intOrText(val("ge-min")), max_choices: intOrText(val("ge-max")), options }), t("admin.saved"));
      if (ok) renderMenu($("#pane-menu"));
    });
    box.replaceChildren(form);
    form.scrollIntoView({ block: "start" });
  }

  function combosPanel() {
    const byId = Object.fromEntries(menu.items.map((i) => [i.id, i]));
    const combos = menu.items.filter((i) => i.kind === "combo");
    return panel(t("admin.combos"),
      el("p", {}, button(t("admin.new_combo"), () => comboForm(null), "primary new-combo")),
      el("div", { id: "combo-form-box" }),
      combos.length ? table([t("admin.name"), t("admin.price"), t("admin.slots"), ""], combos.map((c) =>
        el("tr", { dataset: { combo: c.id, name: c.name_en } }, el("td", {}, nm(c)), el("td", { class: "price" }, yuan(c.price)),
          el("td", {}, c.combo_slots.map((s) => `${nm(s)}: ${s.choices.map((ch) => nm(byId[ch.item_id]) + (ch.upcharge ? ` +${yuan(ch.upcharge)}` : "")).join(" / ")}`).join(" · ")),
          el("td", { class: "actions" }, button(t("admin.edit"), () => comboForm(c), "edit-combo")))), "combos-table")
        : el("p", { class: "muted" }, "—"));
  }

  // A set meal is an item with courses; each course offers a few other items, some at an extra
  // price. A course sent back with its id keeps it, so open orders still make sense.
  function comboForm(combo) {
    const box = $("#combo-form-box");
    const dishes = menu.items.filter((i) => i.kind !== "combo");
    const slots = el("div", { id: "combo-slots" });
    const addChoice = (list, ch = {}) => {
      const pick = select(null, dishes.map((i) => [i.id, nm(i)]), ch.item_id);
      pick.className = "choice-item";
      const row = el("div", { class: "choice-row" }, pick,
        el("input", { class: "choice-up", inputmode: "decimal", placeholder: t("admin.upcharge"), value: ch.upcharge ? yuanInput(ch.upcharge) : "" }),
        button("✕", () => row.remove(), "remove-choice"));
      list.appendChild(row);
    };
    const addSlot = (sl = {}) => {
      const list = el("div", { class: "choices" });
      const slot = el("fieldset", { class: "slot", dataset: { id: sl.id || "" } },
        el("div", { class: "slot-head" },
          el("input", { class: "slot-zh", placeholder: t("admin.name_zh"), value: sl.name_zh || "" }),
          el("input", { class: "slot-en", placeholder: t("admin.name_en"), value: sl.name_en || "" }),
          button("✕", () => slot.remove(), "remove-slot")),
        list, button(t("admin.add_choice"), () => addChoice(list), "add-choice"));
      (sl.choices && sl.choices.length ? sl.choices : [{}]).forEach((c) => addChoice(list, c));
      slots.appendChild(slot);
    };
    (combo ? combo.combo_slots : [{}]).forEach(addSlot);
    const sets = menu.categories.find((c) => /set/i.test(c.name_en));
    const form = el("form", { class: "grid panel", id: "combo-form" },
      el("h3", { class: "full" }, combo ? `${t("admin.edit_combo")}: ${nm(combo)}` : t("admin.new_combo")),
      field(t("admin.category"), select("cb-category", menu.categories.map((c) => [c.id, nm(c)]), combo ? combo.category_id : sets?.id)),
      field(t("admin.name_zh"), input("cb-name-zh", { value: combo?.name_zh || "" })),
      field(t("admin.name_en"), input("cb-name-en", { value: combo?.name_en || "" })),
      field(t("admin.price"), input("cb-price", { inputmode: "decimal", value: combo ? yuanInput(combo.price) : "" })),
      el("div", { class: "full" }, el("strong", {}, t("admin.courses")), slots, button(t("admin.add_course"), () => addSlot(), "add-course")),
      el("div", { class: "full" }, el("button", { class: "primary", type: "submit", id: "combo-save" }, t("admin.save")),
        " ", button(t("admin.cancel"), () => box.replaceChildren())));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const courses = [...slots.querySelectorAll(".slot")].map((sl) => ({
        ...(sl.dataset.id ? { id: sl.dataset.id } : {}),
        name_zh: sl.querySelector(".slot-zh").value.trim(), name_en: sl.querySelector(".slot-en").value.trim(),
        choices: [...sl.querySelectorAll(".choice-row")].map((r) => ({
          item_id: r.querySelector(".choice-item").value, upcharge: fen(r.querySelector(".choice-up").value || "0") })) }));
      const common = { category_id: val("cb-category"), name_zh: val("cb-name-zh").trim(), name_en: val("cb-name-en").trim(), price: fen(val("cb-price")) };
      const ok = combo
        ? await guarded(() => api("PATCH", `/api/menu/items/${combo.id}`, { ...common, combo_slots: courses }), t("admin.saved"))
        : await guarded(() => api("POST", "/api/menu/items", { ...common, combo_slots: courses.map(({ id, ...c }) => c) }), t("admin.saved"));
      if (ok) renderMenu($("#pane-menu"));
    });
    box.replaceChildren(form);
    form.scrollIntoView({ block: "start" });
  }

  // -- floor and QR codes ----------------------------------------------------------------------
  async function renderFloor(pane) {
    const floor = (await guarded(() => api("GET", "/api/floor"))) || [];
    const areaForm = el("form", { class: "grid", id: "area-form" },
      field(t("admin.name_zh"), input("ar-zh", { required: true })), field(t("admin.name_en"), input("ar-en", { required: true })),
      el("button", { class: "primary", type: "submit" }, t("admin.add")));
    areaForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (await guarded(() => api("POST", "/api/areas", { name_zh: val("ar-zh").trim(), name_en: val("ar-en").trim(), sort: floor.length + 1 }), t("admin.saved"))) renderFloor(pane);
    });
    const tableForm = el("form", { class: "grid", id: "table-form" },
      field(t("admin.area"), select("tb-area", floor.map((a) => [a.id, nm(a)]))),
      field(t("admin.table_code"), input("tb-code", { required: true })),
      field(t("admin.seats"), input("tb-seats", { inputmode: "numeric", value: 4 })),
      el("button", { class: "primary", type: "submit" }, t("admin.add")));
    tableForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (await guarded(() => api("POST", "/api/tables", { area_id: val("tb-area"), code: val("tb-code").trim(), seats: intOrText(val("tb-seats")) }), t("admin.saved"))) renderFloor(pane);
    });
    const cards = floor.flatMap((a) => a.tables.map((tb) => el("div", { class: "card", dataset: { table: tb.id, code: tb.code } },
      el("strong", {}, `${tb.code} · ${nm(a)}`), el("span", { class: "muted" }, `${tb.seats} ${t("admin.seats")}`),
      el("div", { class: "qr-box" }),
      el("div", { class: "actions" }, button(t("admin.qr"), () => showQr(tb.id), "show-qr"),
        button(t("admin.rename"), () => renameTable(pane, tb), "rename"),
        button(t("admin.rotate"), () => rotateQr(tb.id), "rotate")))));
    pane.replaceChildren(
      panel(t("admin.tables"), el("p", {}, button(t("admin.print_all"), () => printAll(floor), "primary print-all")), el("div", { class: "cards", id: "table-cards" }, cards)),
      panel(t("admin.areas"), areaForm), panel(t("admin.table_code"), tableForm));
  }

  async function renameTable(pane, tb) {
    const code = prompt(`${t("admin.table_code")} ${tb.code} → `, tb.code);
    if (code === null || code.trim() === tb.code) return;
    if (await guarded(() => api("PATCH", `/api/tables/${tb.id}`, { code: code.trim() }), t("admin.saved"))) renderFloor(pane);
  }

  const qrSrc = (path) => `/admin/qr.svg?data=${encodeURIComponent(location.origin + path)}`;

  function drawQr(tableId, qr) {
    const box = document.querySelector(`.card[data-table="${tableId}"] .qr-box`);
    if (!box) return;
    box.replaceChildren(el("img", { class: "qr-img", src: qrSrc(qr.path), alt: `QR ${qr.code}` }),
      el("a", { class: "url", href: qr.path, target: "_blank", rel: "noopener" }, location.origin + qr.path));
  }

  async function showQr(tableId) {
    const qr = await guarded(() => api("GET", `/api/tables/${tableId}/qr`));
    if (qr) drawQr(tableId, qr);
  }

  async function rotateQr(tableId) {
    if (!confirm(t("admin.rotate_confirm"))) return;
    const qr = await guarded(() => api("POST", `/api/tables/${tableId}/rotate-qr`, {}), t("admin.saved"));
    if (qr) drawQr(tableId, qr);
  }

  async function printAll(floor) {
    const sheet = $("#qr-sheet");
    const stickers = [];
    for (const a of floor) {
      for (const tb of a.tables) {
        const qr = await guarded(() => api("GET", `/api/tables/${tb.id}/qr`));
        if (!qr) return;
        stickers.push(el("div", { class: "sticker" }, el("img", { src: qrSrc(qr.path), alt: "" }),
          el("div", {}, el("strong", {}, qr.code), " · ", nm(a)), el("div", {}, `${TEXTS_BOTH("admin.scan_to_order")}`)));
      }
    }
    sheet.replaceChildren(...stickers);
    await Promise.all([...sheet.querySelectorAll("img")].map((i) => (i.complete ? null : new Promise((r) => { i.onload = r; i.onerror = r; }))));
    window.print();
  }
  const TEXTS_BOTH = (key) => { const e = (window.HEARTH_TEXTS || {})[key] || {}; return `${e.zh || ""} · ${e.en || ""}`; };

  // -- staff and terminals ---------------------------------------------------------------------
  const ROLES = ["owner", "manager", "cashier", "waiter", "kitchen"];

  async function renderStaff(pane) {
    const [staff, terminals] = await Promise.all([guarded(() => api("GET", "/api/staff")), guarded(() => api("GET", "/api/terminals"))]);
    const rows = (staff || []).map((s) => {
      const role = select(`role-${s.code}`, ROLES.map((r) => [r, t("role." + r)]), s.role);
      role.addEventListener("change", async () => {
        if (!(await guarded(() => api("PATCH", `/api/staff/${s.id}`, { role: role.value }), t("admin.saved")))) role.value = s.role;
      });
      // Locked out by wrong PINs: until a time, or until a manager unlocks (the server decides).
      const lock = s.hard_locked ? el("span", { class: "badge bad lock" }, t("admin.locked_hard"))
        : s.locked ? el("span", { class: "badge warn lock" }, `${t("admin.locked_until")} ${new Date(s.locked_until_ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`)
          : null;
      const short = s.pin_too_short ? el("span", { class: "badge warn pin-short" }, t("admin.pin_too_short")) : null;
      return el("tr", { dataset: { staff: s.code, locked: s.locked ? "true" : "false" } }, el("td", {}, s.code), el("td", {}, s.name), el("td", {}, role),
        el("td", {}, el("span", { class: `badge ${s.active ? "ok" : ""}` }, s.active ? t("admin.active") : t("admin.inactive")), " ", lock, " ", short),
        el("td", { class: "actions" },
          s.locked ? button(t("admin.unlock"), async () => {
            if (await guarded(() => api("POST", `/api/staff/${s.id}/unlock`, {}), t("admin.unlocked"))) renderStaff(pane);
          }, "unlock") : null,
          button(s.active ? t("admin.deactivate") : t("admin.reactivate"), async () => {
            if (await guarded(() => api("PATCH", `/api/staff/${s.id}`, { active: !s.active }), t("admin.saved"))) renderStaff(pane);
          }, "toggle"),
          button(t("admin.reset_pin"), async () => {
            const pin = prompt(`${s.name} · ${t("admin.new_pin")}`);
            if (pin) await guarded(() => api("POST", `/api/staff/${s.id}/reset-pin`, { pin: pin.trim() }), t("admin.saved"));
          }, "reset")));
    });
    const hire = el("form", { class: "grid", id: "hire-form" },
      field(t("admin.code"), input("h-code", { required: true })), field(t("admin.name"), input("h-name", { required: true })),
      field(t("admin.role"), select("h-role", ROLES.map((r) => [r, t("role." + r)]), "waiter")),
      field(t("admin.pin"), input("h-pin", { inputmode: "numeric", required: true, autocomplete: "off" })),
      field(t("admin.password_opt"), input("h-password", { type: "password", autocomplete: "new-password" })),
      el("button", { class: "primary", type: "submit" }, t("admin.hire")));
    hire.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = { code: val("h-code").trim(), name: val("h-name").trim(), role: val("h-role"), pin: val("h-pin").trim() };
      if (val("h-password")) body.password = val("h-password");
      if (await guarded(() => api("POST", "/api/staff", body), t("admin.saved"))) renderStaff(pane);
    });
    const keyBox = el("div", { id: "terminal-key" });
    const reg = el("form", { class: "grid", id: "terminal-form" }, field(t("admin.name"), input("tm-name", { required: true })),
      field(t("admin.device_kind"), select("tm-kind", [["till", t("admin.kind_till")], ["kiosk", t("admin.kind_kiosk")]], "till")),
      el("button", { class: "primary", type: "submit" }, t("admin.register")));
    reg.addEventListener("submit", async (e) => {
      e.preventDefault();
      const r = await guarded(() => api("POST", "/api/terminals", { name: val("tm-name").trim(), kind: val("tm-kind") }));
      if (!r) return;
      await renderStaff(pane);
      $("#terminal-key").replaceChildren(el("p", {}, t("admin.key_once")), el("div", { class: "keybox" }, r.key));
    });
    const trows = (terminals || []).map((tm) => el("tr", {}, el("td", {}, tm.name),
      el("td", {}, t(tm.kind === "kiosk" ? "admin.kind_kiosk" : "admin.kind_till")),
      el("td", {}, new Date(tm.registered_at_ms).toLocaleString()),
      el("td", {}, el("span", { class: `badge ${tm.active ? "ok" : ""}` }, tm.active ? t("admin.active") : t("admin.inactive"))),
      el("td", { class: "actions" }, tm.active ? button(t("admin.revoke"), async () => {
        if (await guarded(() => api("POST", `/api/terminals/${tm.id}/revoke`, {}), t("admin.saved"))) renderStaff(pane);
      }) : null)));
    pane.replaceChildren(
      panel(t("admin.staff"), el("p", { class: "muted", id: "pin-rules" }, t("admin.pin_rules")),
        table([t("admin.code"), t("admin.name"), t("admin.role"), "", ""], rows), el("h3", {}, t("admin.hire")), hire),
      panel(t("admin.terminals"), table([t("admin.name"), t("admin.device_kind"), "", "", ""], trows), reg, keyBox));
  }

  // -- kitchen stations and routing (kitchen module's API) -------------------------------------
  async function renderKitchen(pane) {
    await loadMenu();
    const [st, rules] = await Promise.all([guarded(() => api("GET", "/api/kitchen/stations")), guarded(() => api("GET", "/api/kitchen/routing-rules"))]);
    stations = st || [];
    const byId = Object.fromEntries(stations.map((s) => [s.id, s]));
    const cats = Object.fromEntries(menu.categories.map((c) => [c.id, c]));
    const items = Object.fromEntries(menu.items.map((i) => [i.id, i]));
    const sForm = el("form", { class: "grid", id: "station-form" },
      field(t("admin.key"), input("st-key", { required: true, placeholder: "hot" })),
      field(t("admin.name_zh"), input("st-zh", { required: true })), field(t("admin.name_en"), input("st-en", { required: true })),
      el("label", { class: "check" }, el("input", { type: "checkbox", id: "st-expo" }), t("admin.expo")),
      el("button", { class: "primary", type: "submit" }, t("admin.add")));
    sForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (await guarded(() => api("POST", "/api/kitchen/stations", { key: val("st-key").trim(), name_zh: val("st-zh").trim(), name_en: val("st-en").trim(), is_expo: $("#st-expo").checked }), t("admin.saved"))) renderKitchen(pane);
    });
    const rForm = el("form", { class: "grid", id: "rule-form" },
      field(t("admin.category"), select("r-cat", [["", t("admin.any")], ...menu.categories.map((c) => [c.id, nm(c)])])),
      field(t("admin.item"), select("r-item", [["", t("admin.any")], ...menu.items.map((i) => [i.id, nm(i)])])),
      el("div", { class: "full", id: "r-stations" }, stations.map((s) => el("label", { class: "check" }, el("input", { type: "checkbox", value: s.id }), nm(s)))),
      el("button", { class: "primary", type: "submit" }, t("admin.add")));
    rForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const ids = [...document.querySelectorAll("#r-stations input:checked")].map((c) => c.value);
      if (await guarded(() => api("POST", "/api/kitchen/routing-rules", { category_id: orNull(val("r-cat")), item_id: orNull(val("r-item")), station_ids: ids }), t("admin.saved"))) renderKitchen(pane);
    });
    // Ticket colours: amber after warn minutes, red after late minutes (the API takes seconds).
    const minutes = (sec) => String(Math.round((sec / 60) * 10) / 10);
    const seconds = (text) => (/^\d+(\.\d+)?$/.test(String(text).trim()) ? Math.round(Number(text) * 60) : String(text).trim());
    const stationRows = stations.map((s) => {
      const warn = el("input", { class: "warn-min", inputmode: "decimal", size: 4, value: minutes(s.warn_s), "aria-label": t("admin.warn_min") });
      const late = el("input", { class: "late-min", inputmode: "decimal", size: 4, value: minutes(s.late_s), "aria-label": t("admin.late_min") });
      return el("tr", { dataset: { station: s.id, key: s.key || "" } }, el("td", {}, s.key || ""), el("td", {}, nm(s)), el("td", {}, s.is_expo ? t("admin.expo") : ""),
        el("td", {}, el("span", { class: "swatch warn" }), warn), el("td", {}, el("span", { class: "swatch late" }), late),
        el("td", { class: "actions" }, button(t("admin.save"), async () => {
          if (await guarded(() => api("POST", `/api/kitchen/stations/${s.id}/timing`, { warn_s: seconds(warn.value), late_s: seconds(late.value) }), t("admin.saved"))) renderKitchen(pane);
        }, "save-timing")));
    });
    pane.replaceChildren(
      panel(t("admin.stations"), table([t("admin.key"), t("admin.name"), "", t("admin.warn_min"), t("admin.late_min"), ""], stationRows, "stations-table"), sForm),
      panel(t("admin.rules"), table([t("admin.category"), t("admin.item"), t("admin.stations"), ""], (rules || []).map((r) => el("tr", {},
        el("td", {}, nm(cats[r.category_id])), el("td", {}, nm(items[r.item_id])),
        el("td", {}, (r.station_ids || []).map((id) => nm(byId[id]) || id).join(" · ")),
        el("td", { class: "actions" }, button(t("admin.delete"), async () => {
          if (await guarded(() => api("DELETE", `/api/kitchen/routing-rules/${r.id}`), t("admin.saved"))) renderKitchen(pane);
        }))))), rForm));
  }

  // -- printers (printing module's API) --------------------------------------------------------
  async function renderPrinters(pane) {
    const [printers, health] = await Promise.all([guarded(() => api("GET", "/api/printers")), Hearth.api("GET", "/api/printers/health", undefined, { token, retries: 1 }).catch(() => [])]);
    if (stations === null) await loadMenu();
    const hp = Object.fromEntries((health || []).map((h) => [h.printer_id || h.id, h]));
    const stationOpts = [["", t("admin.any")], ...(stations || []).map((s) => [s.id, nm(s)])];
    const rows = (printers || []).map((p) => {
      const h = hp[p.id] || {};
      const state = h.state || h.status || "";
      return el("tr", {}, el("td", {}, p.name), el("td", { class: "wide-only" }, `${p.host}:${p.port}`),
        el("td", {}, t(`admin.${p.kind}`)), el("td", {}, el("span", { class: `badge ${/ok|up|online|healthy/.test(state) ? "ok" : state ? "warn" : ""}` }, state || "—"),
          h.last_error ? el("div", { class: "muted" }, h.last_error) : null),
        el("td", { class: "actions" },
          el("span", { class: `badge ${p.enabled ? "ok" : ""}` }, p.enabled ? t("admin.enabled") : t("admin.disabled")),
          button(p.enabled ? t("admin.disable") : t("admin.enable"), async () => {
            if (await guarded(() => api("PATCH", `/api/printers/${p.id}`, { enabled: !p.enabled }), t("admin.saved"))) renderPrinters(pane);
          }),
          button(t("admin.test_print"), () => guarded(() => api("POST", `/api/printers/${p.id}/test`, {}), t("admin.saved")))));
    });
    const form = el("form", { class: "grid", id: "printer-form" },
      field(t("admin.name"), input("p-name", { required: true })), field(t("admin.host"), input("p-host", { required: true, placeholder: "192.168.1.50" })),
      field(t("admin.port"), input("p-port", { inputmode: "numeric", value: 9100 })),
      field(t("admin.kind"), select("p-kind", [["kitchen", t("admin.kitchen")], ["receipt", t("admin.receipt")]], "kitchen")),
      field(t("admin.station"), select("p-station", stationOpts)),
      field(t("admin.paper"), select("p-paper", [[80, "80"], [58, "58"]], 80)),
      el("button", { class: "primary", type: "submit" }, t("admin.add")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (await guarded(() => api("POST", "/api/printers", { name: val("p-name").trim(), host: val("p-host").trim(), port: intOrText(val("p-port")),
        kind: val("p-kind"), station_id: orNull(val("p-station")), paper_width: Number(val("p-paper")) }), t("admin.saved"))) renderPrinters(pane);
    });
    pane.replaceChildren(panel(t("admin.printers"), table([t("admin.name"), [t("admin.host"), { class: "wide-only" }], t("admin.kind"), t("admin.health"), ""], rows), form));
  }

  // -- payment providers (payments module's API) -----------------------------------------------
  async function renderPayments(pane) {
    const providers = (await guarded(() => api("GET", "/api/payments/providers"))) || [];
    const rows = providers.map((p) => {
      const prio = el("input", { class: "prio", inputmode: "numeric", value: p.priority, size: 4 });
      const on = el("input", { type: "checkbox", class: "enabled", checked: p.enabled ? "checked" : false });
      const health = typeof p.health === "number" ? `${Math.round(p.health * 100)}%` : "";
      return el("tr", { dataset: { provider: p.name } }, el("td", {}, el("strong", {}, p.name)),
        el("td", { class: "wide-only" }, (p.tenders || []).join(", ")),
        el("td", {}, el("span", { class: `badge ${p.state === "closed" ? "ok" : p.state === "open" ? "bad" : "warn"}` }, p.state || ""), " ", health,
          p.last_error ? el("div", { class: "muted" }, p.last_error) : null),
        el("td", {}, el("label", { class: "check" }, on, t("admin.enabled"))), el("td", {}, prio),
        el("td", { class: "actions" }, button(t("admin.save"), async () => {
          const tenders = (p.tenders || []).filter((x) => ["wallet_scan", "wallet_qr", "card"].includes(x));
          if (await guarded(() => api("POST", `/api/payments/providers/${encodeURIComponent(p.name)}`, { tenders, priority: intOrText(prio.value), enabled: on.checked }), t("admin.saved"))) renderPayments(pane);
        })));
    });
    const declined = (await guarded(() => api("GET", "/api/payments/offline?status=declined"))) || [];
    pane.replaceChildren(panel(t("admin.providers"), rows.length ? table(["", [t("admin.tenders"), { class: "wide-only" }], t("admin.health"), "", t("admin.priority"), ""], rows)
      : el("p", { class: "muted", id: "no-providers" }, t("admin.no_providers"))),
    declinedPanel(declined), reconcilePanel());
  }

  const when = (ms) => (ms ? new Date(ms).toLocaleString() : "");

  // Wallet payments taken while the internet was down are forwarded later; the provider may
  // then decline them. The manager has to chase those orders: list them plainly.
  function declinedPanel(list) {
    return panel(t("admin.offline_declined"), el("div", { id: "declined" }, list.length
      ? table([t("admin.when"), t("admin.order"), t("admin.tenders"), t("admin.amount"), t("admin.health")], list.map((p) =>
        el("tr", { dataset: { payment: p.id } }, el("td", {}, when(p.created_at_ms)), el("td", {}, (p.order_id || "").slice(-8)),
          el("td", {}, `${p.tender}${p.provider ? " · " + p.provider : ""}`), el("td", { class: "price" }, yuan(p.amount)),
          el("td", {}, el("span", { class: "badge bad" }, t("admin.declined")), p.message_zh || p.message_en
            ? el("div", { class: "muted" }, Hearth.lang === "zh" ? p.message_zh || p.message_en : p.message_en || p.message_zh) : null))))
      : el("p", { class: "muted", id: "no-declined" }, t("admin.none_declined"))));
  }

  // Compare our payments with each provider's statement since the chosen day; every difference
  // is shown, with what we have and what the provider has.
  function reconcilePanel() {
    const today = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    const from = input("rc-from", { type: "date", value: `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}` });
    const out = el("div", { id: "reconcile-result" });
    const run = async () => {
      const since = from.value ? new Date(`${from.value}T00:00:00`).getTime() : Date.now() - 86400000;
      const r = await guarded(() => api("POST", "/api/payments/reconcile", { since_ms: since, until_ms: Date.now() + 60000 }));
      if (!r) return;
      const diffs = r.providers.flatMap((p) => p.differences.map((d) => ({ ...d, provider: p.provider })));
      const errors = r.providers.filter((p) => p.error);
      out.replaceChildren(
        ...errors.map((p) => el("p", { class: "badge warn provider-error" }, `${p.provider}: ${p.error}`)),
        el("p", { id: "reconcile-summary", dataset: { differences: String(r.differences) } },
          r.differences ? `${t("admin.differences")}: ${r.differences}` : t("admin.reconcile_ok"),
          r.providers.length ? ` · ${r.providers.map((p) => `${p.provider} ${p.payments ?? 0}/${p.statement_entries ?? 0}`).join(" · ")}` : ""),
        diffs.length ? table([t("admin.payments_provider"), t("admin.payment"), t("admin.order"), t("admin.diff_kind"), t("admin.ours"), t("admin.theirs"), t("admin.health")],
          diffs.map((d) => el("tr", { dataset: { payment: d.payment_id, kind: d.kind } }, el("td", {}, d.provider), el("td", {}, d.payment_id.slice(-8)),
            el("td", {}, (d.order_id || "").slice(-8)), el("td", {}, el("span", { class: "badge warn" }, t(`admin.diff.${d.kind}`))),
            el("td", { class: "price" }, yuan(d.ours)), el("td", { class: "price" }, yuan(d.theirs)), el("td", {}, d.status || ""))), "diff-table") : "");
    };
    return panel(t("admin.reconcile_title"), el("div", { class: "grid inline" }, field(t("admin.reconcile_from"), from),
      button(t("admin.reconcile"), run, "primary reconcile")), out);
  }

  // -- delivery platforms' item mapping (delivery channel's API) --------------------------------
  // A platform order names its own SKUs; each one must stand for one of our items (with its
  // variant and options), checked by the server by pricing it as a line.
  const PLATFORMS = ["meituan", "douyin"];

  async function renderDelivery(pane) {
    await loadMenu();
    const maps = (await guarded(() => api("GET", "/api/delivery/mappings"))) || [];
    const items = Object.fromEntries(menu.items.map((i) => [i.id, i]));
    const options = Object.fromEntries(menu.modifier_groups.flatMap((g) => g.options.map((o) => [o.id, o])));
    const describe = (m) => {
      const it = items[m.item_id];
      const spec = it && m.spec_id ? (it.specs.find((s) => s.id === m.spec_id) || null) : null;
      const mods = (m.modifier_option_ids || []).map((id) => nm(options[id]) || id);
      return [it ? nm(it) : m.item_id, spec ? `(${nm(spec)})` : "", mods.length ? `+ ${mods.join(", ")}` : ""].filter(Boolean).join(" ");
    };
    const rows = maps.map((m) => el("tr", { dataset: { platform: m.platform, sku: m.sku } },
      el("td", {}, t(`admin.platform.${m.platform}`)), el("td", {}, el("code", {}, m.sku)), el("td", {}, m.name || ""),
      el("td", {}, describe(m)),
      el("td", { class: "actions" },
        button(t("admin.edit"), () => fillMapping(m), "edit-mapping"),
        button(t("admin.delete"), async () => {
          if (!confirm(`${t("admin.delete")} ${m.platform} ${m.sku}?`)) return;
          if (await guarded(() => api("DELETE", `/api/delivery/mappings/${m.platform}/${encodeURIComponent(m.sku)}`), t("admin.saved"))) renderDelivery(pane);
        }, "remove-mapping"))));
    const specBox = el("span", { id: "mp-spec-box" });
    const modBox = el("div", { id: "mp-mods", class: "full" });
    const itemSel = select("mp-item", menu.items.filter((i) => i.kind !== "combo").map((i) => [i.id, nm(i)]));
    const redraw = (chosen = {}) => {
      const it = items[itemSel.value];
      specBox.replaceChildren(it && it.specs.length ? field(t("admin.specs"), select("mp-spec", it.specs.map((s) => [s.id, `${nm(s)} ${yuan(s.price)}`]), chosen.spec_id)) : "");
      const groups = it ? it.modifier_group_ids.map((g) => menu.modifier_groups.find((x) => x.id === g)).filter(Boolean) : [];
      modBox.replaceChildren(...groups.map((g) => el("div", {}, el("strong", {}, `${nm(g)} (${g.min_choices}–${g.max_choices})`), " ",
        ...g.options.map((o) => el("label", { class: "check" }, el("input", { type: "checkbox", value: o.id,
          checked: (chosen.modifier_option_ids || []).includes(o.id) ? "checked" : false }), nm(o))))));
    };
    itemSel.addEventListener("change", () => redraw());
    const form = el("form", { class: "grid", id: "mapping-form" },
      field(t("admin.platform"), select("mp-platform", PLATFORMS.map((p) => [p, t(`admin.platform.${p}`)]), "meituan")),
      field(t("admin.sku"), input("mp-sku", { required: true })),
      field(t("admin.platform_name"), input("mp-name")),
      field(t("admin.item"), itemSel), specBox, modBox,
      el("div", { class: "full" }, el("button", { class: "primary", type: "submit", id: "mapping-save" }, t("admin.save"))));
    function fillMapping(m) {
      document.getElementById("mp-platform").value = m.platform;
      document.getElementById("mp-sku").value = m.sku;
      document.getElementById("mp-name").value = m.name || "";
      itemSel.value = m.item_id;
      redraw(m);
      form.scrollIntoView({ block: "start" });
    }
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const spec = document.getElementById("mp-spec");
      const body = { item_id: itemSel.value, spec_id: spec ? spec.value : null, name: val("mp-name").trim(),
        modifier_option_ids: [...modBox.querySelectorAll("input:checked")].map((c) => c.value) };
      const sku = val("mp-sku").trim();
      if (await guarded(() => api("PUT", `/api/delivery/mappings/${val("mp-platform")}/${encodeURIComponent(sku)}`, body), t("admin.saved"))) renderDelivery(pane);
    });
    pane.replaceChildren(panel(t("admin.mappings"), el("p", { class: "muted" }, t("admin.mappings_help")),
      table([t("admin.platform"), t("admin.sku"), t("admin.platform_name"), t("admin.item"), ""], rows, "mappings-table"), form));
    redraw();
  }

  // -- store settings (store module) -----------------------------------------------------------
  async function renderSettings(pane) {
    const s = await guarded(() => api("GET", "/api/store/settings"));
    if (!s) return;
    const langs = el("div", { id: "s-langs" }, ["zh", "en"].map((l) => el("label", { class: "check" },
      el("input", { type: "checkbox", value: l, checked: s.languages.includes(l) ? "checked" : false }), l === "zh" ? "中文" : "English")));
    const form = el("form", { class: "grid", id: "settings-form" },
      field(t("admin.store_name_zh"), input("s-name-zh", { value: s.name_zh })),
      field(t("admin.store_name_en"), input("s-name-en", { value: s.name_en })),
      el("label", { class: "full" }, t("admin.address"), input("s-address", { value: s.address })),
      field(t("admin.phone"), input("s-phone", { value: s.phone, inputmode: "tel" })),
      field(t("admin.service_charge"), input("s-service", { inputmode: "decimal", value: s.service_charge_bp / 100 })),
      field(t("admin.rounding"), select("s-rounding", ["none", "jiao", "half_yuan", "yuan"].map((r) => [r, t("admin.round." + r)]), s.cash_rounding)),
      el("label", { class: "full" }, t("admin.footer_zh"), input("s-footer-zh", { value: s.receipt_footer_zh })),
      el("label", { class: "full" }, t("admin.footer_en"), input("s-footer-en", { value: s.receipt_footer_en })),
      el("div", {}, el("span", { class: "muted" }, t("admin.languages")), langs),
      field(t("admin.default_language"), select("s-default-lang", [["zh", "中文"], ["en", "English"]], s.default_language)),
      // QR table ordering: what one phone may do (channels/qr/domain.py).
      el("label", { class: "full check" }, el("input", { type: "checkbox", id: "s-qr-self-seat",
        checked: s.qr_self_seating ? "checked" : false }), t("admin.qr_self_seating")),
      field(t("admin.qr_max_per_line"), input("s-qr-line", { inputmode: "numeric", value: s.qr_max_per_line })),
      field(t("admin.qr_max_per_order"), input("s-qr-order", { inputmode: "numeric", value: s.qr_max_per_order })),
      field(t("admin.qr_changes_per_minute"), input("s-qr-rate", { inputmode: "numeric", value: s.qr_changes_per_minute })),
      field(t("admin.qr_confirm_above"), input("s-qr-confirm", { inputmode: "decimal", value: s.qr_confirm_above / 100 })),
      el("div", { class: "full" }, el("button", { class: "primary", type: "submit", id: "settings-save" }, t("admin.save"))));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = { name_zh: val("s-name-zh"), name_en: val("s-name-en"), address: val("s-address"), phone: val("s-phone"),
        service_charge_bp: fen(val("s-service")),
        receipt_footer_zh: val("s-footer-zh"), receipt_footer_en: val("s-footer-en"), cash_rounding: val("s-rounding"),
        languages: [...langs.querySelectorAll("input:checked")].map((c) => c.value), default_language: val("s-default-lang"),
        qr_self_seating: document.getElementById("s-qr-self-seat").checked,
        qr_max_per_line: Number(val("s-qr-line")), qr_max_per_order: Number(val("s-qr-order")),
        qr_changes_per_minute: Number(val("s-qr-rate")),
        qr_confirm_above: fen(val("s-qr-confirm")),
        version: s.version };
      if (await guarded(() => api("PUT", "/api/store/settings", body), t("admin.saved"))) renderSettings(pane);
    });
    pane.replaceChildren(panel(t("admin.tab.settings"), form));
  }

  if (token) start(); else signOut();
})();
