// What the diner page and the kiosk share: a dish's picture, its lowest price, and the chooser
// dialog (sizes, modifier groups, set-meal courses, quantity, note). Required groups are enforced
// here so a guest never meets a server refusal for a choice they could not see; the server
// checks again anyway.
"use strict";

const Guest = (() => {
  const { t, name, yuan, el, toast } = Hearth;

  function picture(item) {
    if (item.image_url) return el("img", { class: "pic", src: item.image_url, alt: "" });
    // A placeholder in the dish's own first character: recognisable without a photo.
    return el("div", { class: "pic placeholder", "aria-hidden": "true" },
      (item.name_zh || item.name_en || "?").slice(0, 1));
  }

  function fromPrice(item) {
    if (item.specs && item.specs.length) return Math.min(...item.specs.map((s) => s.price));
    return item.price;
  }

  // The chooser. ``ctx`` = { dialog, form, groups: id -> group, items: id -> item,
  //  onAdd(line, guidePrice, label) }.
  // -- the chooser: specs, modifier groups and set-meal courses; required groups are enforced
  //    here so a diner never meets a server refusal for a choice they could not see ----------
  function choose(item, ctx) {
    const picked = { spec: item.specs.length === 1 ? item.specs[0].id : null,
                     options: new Set(), combo: {}, qty: 1 };
    const groups = item.modifier_group_ids.map((g) => ctx.groups[g]).filter(Boolean);
    const form = ctx.form;
    const missingBox = el("p", { class: "missing", id: "missing" });
    const qtyOut = el("strong", { id: "dlg-qty" }, "1");
    const addBtn = el("button", { class: "primary", value: "ok", id: "dlg-add" }, t("diner.add"));
    const note = el("input", { id: "dlg-note", maxlength: 100, placeholder: t("diner.note") });

    function missing() {
      const out = [];
      if (item.specs.length && !picked.spec) out.push(t("diner.spec"));
      for (const g of groups) {
        const n = g.options.filter((o) => picked.options.has(o.id)).length;
        if (n < g.min_choices) out.push(name(g));
      }
      for (const s of item.combo_slots) if (!picked.combo[s.id]) out.push(name(s));
      return out;
    }
    function unitPrice() {
      let p = item.price;
      if (picked.spec) p = item.specs.find((s) => s.id === picked.spec).price;
      for (const g of groups) for (const o of g.options) if (picked.options.has(o.id)) p += o.price_delta;
      for (const s of item.combo_slots) {
        const c = s.choices.find((x) => x.item_id === picked.combo[s.id]);
        if (c) p += c.upcharge;
      }
      return p;
    }
    function refresh() {
      const m = missing();
      missingBox.textContent = m.length ? `${t("diner.choose_first")}${m.join(", ")}` : "";
      addBtn.disabled = m.length > 0;
      addBtn.textContent = `${t("diner.add")} · ${yuan(unitPrice() * picked.qty)}`;
      qtyOut.textContent = String(picked.qty);
      form.querySelectorAll(".chip").forEach((c) => c.dispatchEvent(new Event("paint")));
    }
    function chip(label, isOn, toggle, disabled) {
      const c = el("button", { type: "button", class: "chip", disabled: disabled || false },
        label);
      c.addEventListener("click", () => { toggle(); refresh(); });
      c.addEventListener("paint", () => c.classList.toggle("on", isOn()));
      return c;
    }
    const tag = (req) => el("small", { class: req ? "req" : "muted" },
      ` ${req ? t("diner.required") : t("diner.optional")}`);

    const body = [el("div", { class: "dlg-head" }, picture(item),
      el("div", {}, el("h3", {}, name(item)), el("span", { class: "price" }, yuan(fromPrice(item)))))];
    if (item.specs.length) {
      body.push(el("h4", {}, t("diner.spec"), tag(true)));
      body.push(el("div", { class: "choice" }, ...item.specs.map((s) => chip(
        `${name(s)} ${yuan(s.price)}`, () => picked.spec === s.id, () => { picked.spec = s.id; }))));
    }
    for (const g of groups) {
      const range = g.max_choices > 1 ? ` (≤ ${g.max_choices})` : "";
      body.push(el("h4", { dataset: { group: g.name_en } }, name(g), tag(g.min_choices > 0), range));
      body.push(el("div", { class: "choice" }, ...g.options.map((o) => chip(
        `${name(o)}${o.price_delta ? ` +${yuan(o.price_delta)}` : ""}`,
        () => picked.options.has(o.id),
        () => {
          if (picked.options.has(o.id)) { picked.options.delete(o.id); return; }
          const mine = g.options.filter((x) => picked.options.has(x.id));
          if (g.max_choices === 1) mine.forEach((x) => picked.options.delete(x.id));
          else if (mine.length >= g.max_choices) { toast(`${name(g)} ≤ ${g.max_choices}`); return; }
          picked.options.add(o.id);
        }))));
    }
    for (const slot of item.combo_slots) {
      body.push(el("h4", {}, name(slot), tag(true)));
      body.push(el("div", { class: "choice" }, ...slot.choices.map((c) => {
        const it = ctx.items[c.item_id];
        return chip(`${it ? name(it) : "—"}${c.upcharge ? ` +${yuan(c.upcharge)}` : ""}`,
          () => picked.combo[slot.id] === c.item_id, () => { picked.combo[slot.id] = c.item_id; },
          !it);  // a sold-out choice stays visible but cannot be picked
      })));
    }
    body.push(note);
    body.push(el("div", { class: "qty-row" },
      el("button", { type: "button", class: "round", id: "dlg-minus",
        onclick: () => { picked.qty = Math.max(1, picked.qty - 1); refresh(); } }, "−"),
      qtyOut,
      el("button", { type: "button", class: "round", id: "dlg-plus",
        onclick: () => { picked.qty = Math.min(50, picked.qty + 1); refresh(); } }, "+")));
    body.push(missingBox);
    body.push(el("div", { class: "row" },
      el("button", { value: "cancel", formnovalidate: true }, t("diner.cancel")), addBtn));
    form.replaceChildren(...body);
    refresh();
    const dialog = ctx.dialog;
    dialog.returnValue = "";
    dialog.onclose = () => {
      if (dialog.returnValue !== "ok" || missing().length) return;
      const line = { item_id: item.id, quantity: picked.qty,
                     modifier_option_ids: [...picked.options], note: note.value.trim() };
      if (picked.spec) line.spec_id = picked.spec;
      if (item.combo_slots.length) line.combo_choices = { ...picked.combo };
      ctx.onAdd(line, unitPrice(), describe(item, picked, ctx));
    };
    dialog.showModal();
  }

  function describe(item, picked, ctx) {
    const bits = [];
    if (picked.spec) bits.push(item.specs.find((s) => s.id === picked.spec));
    for (const g of item.modifier_group_ids.map((id) => ctx.groups[id]).filter(Boolean)) {
      for (const o of g.options) if (picked.options.has(o.id)) bits.push(o);
    }
    for (const s of item.combo_slots) if (ctx.items[picked.combo[s.id]]) {
      bits.push(ctx.items[picked.combo[s.id]]);
    }
    return { zh: [item.name_zh, ...bits.map((b) => b.name_zh)],
             en: [item.name_en, ...bits.map((b) => b.name_en)] };
  }

  function label(parts) {
    const p = parts[Hearth.lang] || parts.en;
    return p.length > 1 ? `${p[0]} (${p.slice(1).join(", ")})` : p[0];
  }

  return { picture, fromPrice, choose, label };
})();
