// Admin page: the menu tab (items, categories, option groups, set meals).

import { t, el, yuan, toast, showError, $, state, api, nm, fen, yuanInput, intOrText, orNull, guarded, field, input, select, button, table, panel, val, signOut } from "./common.js";

// -- menu ------------------------------------------------------------------------------------
export async function loadMenu() {
  const m = await guarded(() => api("GET", "/api/menu"));
  if (m) state.menu = m;
  if (state.stations === null) {
    state.stations = (await Hearth.api("GET", "/api/kitchen/stations", undefined, { token: state.token, retries: 1 }).catch(() => [])) || [];
  }
}

export async function renderMenu(pane) {
  await loadMenu();
  pane.replaceChildren(itemsPanel(), categoriesPanel(), groupsPanel(), combosPanel());
}

function itemsPanel() {
  const cats = Object.fromEntries(state.menu.categories.map((c) => [c.id, c]));
  const rows = state.menu.items.filter((i) => i.kind !== "combo").concat(state.menu.items.filter((i) => i.kind === "combo")).map((it) => {
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
  const groups = el("div", { id: "groups" }, state.menu.modifier_groups.map((g) =>
    el("label", { class: "check" }, el("input", { type: "checkbox", value: g.id,
      checked: item && item.modifier_group_ids.includes(g.id) ? "checked" : false }), nm(g))));
  const form = el("form", { class: "grid panel", id: "item-form" },
    el("h3", { class: "full" }, item ? `${t("admin.edit_item")}: ${nm(item)}` : t("admin.new_item")),
    field(t("admin.category"), select("i-category", state.menu.categories.map((c) => [c.id, nm(c)]), item?.category_id)),
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
    "Authorization": `Bearer ${state.token}`, "Idempotency-Key": Hearth.newKey(),
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
  const rows = state.menu.categories.map((c) => {
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
    field(t("admin.sort"), input("c-sort", { inputmode: "numeric", value: state.menu.categories.length + 1 })),
    el("button", { class: "primary", type: "submit" }, t("admin.add")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const ok = await guarded(() => api("POST", "/api/menu/categories", { name_zh: val("c-zh").trim(), name_en: val("c-en").trim(), sort: intOrText(val("c-sort")) }), t("admin.saved"));
    if (ok) renderMenu($("#pane-menu"));
  });
  return panel(t("admin.categories"), table([t("admin.name_zh"), t("admin.name_en"), t("admin.sort"), ""], rows, "cats-table"), form);
}

function groupsPanel() {
  const rows = state.menu.modifier_groups.map((g) => el("tr", { dataset: { group: g.id, name: g.name_en } }, el("td", {}, nm(g)),
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
  const byId = Object.fromEntries(state.menu.items.map((i) => [i.id, i]));
  const combos = state.menu.items.filter((i) => i.kind === "combo");
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
  const dishes = state.menu.items.filter((i) => i.kind !== "combo");
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
  const sets = state.menu.categories.find((c) => /set/i.test(c.name_en));
  const form = el("form", { class: "grid panel", id: "combo-form" },
    el("h3", { class: "full" }, combo ? `${t("admin.edit_combo")}: ${nm(combo)}` : t("admin.new_combo")),
    field(t("admin.category"), select("cb-category", state.menu.categories.map((c) => [c.id, nm(c)]), combo ? combo.category_id : sets?.id)),
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
