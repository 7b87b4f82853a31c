// The one item chooser, for the POS, the diner's phone and the kiosk: size, modifier groups,
// set-meal courses, quantity and note, and on the POS the seat, course and hold as well.
// Every group's minimum and maximum is enforced here, the same everywhere: Add stays disabled
// until each minimum is met and says what is missing, and a group at its maximum shows its
// count and greys out the rest, so nobody meets a server refusal for a choice they could not
// see. The server checks again anyway (menu/domain.py).
"use strict";

const Chooser = (() => {
  const { t, name, yuan, el } = Hearth;

  // A group's rule in one line: "required", "optional", "choose 2", "up to 3", "2–3".
  function ruleText(g) {
    const lo = g.min_choices;
    const hi = g.max_choices;
    if (hi <= 1) return lo ? t("chooser.required") : t("chooser.optional");
    if (lo === hi) return t("chooser.exactly").replace("{n}", hi);
    if (!lo) return t("chooser.up_to").replace("{n}", hi);
    return t("chooser.between").replace("{lo}", lo).replace("{hi}", hi);
  }

  // Pure state, so the page's tests and the dialog agree on one rule.
  function picker(item, groups, { presetSpec }) {
    const picked = {
      spec: item.specs.length === 1 || (presetSpec && item.specs.length) ? item.specs[0].id : null,
      options: new Set(), combo: {}, qty: 1 };
    const inGroup = (g) => g.options.filter((o) => picked.options.has(o.id)).length;
    return {
      picked,
      count: inGroup,
      full: (g) => inGroup(g) >= g.max_choices,
      // Tapping an option: off if on; in a one-choice group it replaces the other; in a group
      // at its maximum it is refused (its chip is disabled, so this is the belt to the braces).
      toggle(g, o) {
        if (picked.options.has(o.id)) { picked.options.delete(o.id); return; }
        if (g.max_choices === 1) g.options.forEach((x) => picked.options.delete(x.id));
        else if (inGroup(g) >= g.max_choices) return;
        picked.options.add(o.id);
      },
      missing() {
        const out = [];
        if (item.specs.length && !picked.spec) out.push(t("chooser.spec"));
        for (const g of groups) if (inGroup(g) < g.min_choices) out.push(name(g));
        for (const s of item.combo_slots) if (!picked.combo[s.id]) out.push(name(s));
        return out;
      },
      unitPrice(items) {
        let p = item.price;
        if (picked.spec) p = item.specs.find((s) => s.id === picked.spec).price;
        for (const g of groups) for (const o of g.options) if (picked.options.has(o.id)) p += o.price_delta;
        for (const s of item.combo_slots) {
          const c = s.choices.find((x) => x.item_id === picked.combo[s.id]);
          if (c && items[c.item_id]) p += c.upcharge;
        }
        return p;
      },
    };
  }

  // ``ctx`` = { dialog, form, groups: id -> group, items: id -> item,
  //   onAdd(line, unitPrice, label), addText, noteText, head: element shown above the choices,
  //   staff: true for the POS (size preset, typed quantity, seat, course, hold) }.
  function open(item, ctx) {
    const staff = Boolean(ctx.staff);
    const groups = item.modifier_group_ids.map((g) => ctx.groups[g]).filter(Boolean);
    const p = picker(item, groups, { presetSpec: staff });
    const { picked } = p;
    const form = ctx.form;
    const addText = ctx.addText || t("chooser.add");
    const missingBox = el("p", { class: "missing", id: "missing", "aria-live": "polite" });
    const addBtn = el("button", { class: "primary", value: "ok", id: staff ? "add-ok" : "dlg-add" },
      addText);
    const note = el("input", { id: staff ? "note" : "dlg-note", class: "chooser-note",
      maxlength: staff ? 200 : 100, placeholder: ctx.noteText || t("chooser.note") });
    const counts = [];

    // -- quantity: a stepper for guests, a typed number for staff (twelve cokes is one tap) --
    const qtyOut = el("strong", { id: "dlg-qty" }, "1");
    const qtyIn = el("input", { type: "number", min: 1, max: 999, value: 1, id: "qty" });
    const qty = () => (staff ? Math.min(999, Math.max(1, Math.floor(Number(qtyIn.value)) || 1)) :
      picked.qty);
    qtyIn.addEventListener("input", () => refresh());

    function refresh() {
      const m = p.missing();
      missingBox.textContent = m.length ? `${t("chooser.choose_first")}${m.join(", ")}` : "";
      addBtn.disabled = m.length > 0;
      addBtn.textContent = `${addText} · ${yuan(p.unitPrice(ctx.items) * qty())}`;
      qtyOut.textContent = String(picked.qty);
      counts.forEach((f) => f());
      form.querySelectorAll(".chip").forEach((c) => c.dispatchEvent(new Event("paint")));
    }
    function chip(label, isOn, toggle, isDisabled) {
      const c = el("button", { type: "button", class: "chip" }, label);
      c.addEventListener("click", () => { toggle(); refresh(); });
      c.addEventListener("paint", () => {
        c.classList.toggle("on", isOn());
        c.disabled = !isOn() && isDisabled();
      });
      return c;
    }
    const never = () => false;
    const tag = (text, req) => el("small", { class: req ? "req" : "muted" }, ` ${text}`);

    const body = [];
    body.push(ctx.head ? el("div", { class: "dlg-head" }, ctx.head,
      el("div", {}, el("h3", {}, name(item)), el("span", { class: "price" },
        yuan(item.specs.length ? Math.min(...item.specs.map((s) => s.price)) : item.price)))) :
      el("h3", {}, name(item)));
    if (item.specs.length) {
      body.push(el("h4", {}, t("chooser.spec"), tag(t("chooser.required"), true)));
      body.push(el("div", { class: "choice" }, ...item.specs.map((s) => chip(
        `${name(s)} ${yuan(s.price)}`, () => picked.spec === s.id, () => { picked.spec = s.id; },
        never))));
    }
    for (const g of groups) {
      const count = el("small", { class: "count", dataset: { max: String(g.max_choices) } });
      if (g.max_choices > 1) {
        counts.push(() => {
          count.textContent = ` ${p.count(g)}/${g.max_choices}`;
          count.classList.toggle("full", p.full(g));
        });
      }
      body.push(el("h4", { dataset: { group: g.name_en } }, name(g),
        tag(ruleText(g), g.min_choices > 0), count));
      body.push(el("div", { class: "choice", dataset: { group: g.name_en } },
        ...g.options.map((o) => chip(
          `${name(o)}${o.price_delta ? ` +${yuan(o.price_delta)}` : ""}`,
          () => picked.options.has(o.id), () => p.toggle(g, o),
          // At the maximum the other options wait greyed out; a one-choice group swaps instead.
          () => g.max_choices > 1 && p.full(g)))));
    }
    for (const slot of item.combo_slots) {
      body.push(el("h4", {}, name(slot), tag(t("chooser.required"), true)));
      body.push(el("div", { class: "choice" }, ...slot.choices.map((c) => {
        const it = ctx.items[c.item_id];
        // A sold-out (or withdrawn) choice stays visible but cannot be picked.
        return chip(`${it ? name(it) : "—"}${c.upcharge ? ` +${yuan(c.upcharge)}` : ""}`,
          () => picked.combo[slot.id] === c.item_id, () => { picked.combo[slot.id] = c.item_id; },
          () => !it || it.sold_out);
      })));
    }
    let seat = null;
    let course = null;
    let hold = null;
    if (staff) {
      seat = el("input", { type: "number", min: 1, max: 100, id: "seat", placeholder: "–" });
      course = el("select", { id: "course" }, ...[1, 2, 3, 4].map((c) =>
        el("option", { value: c }, String(c))));
      hold = el("input", { type: "checkbox", id: "hold" });
      body.push(el("div", { class: "grid4" },
        el("label", {}, t("chooser.qty"), qtyIn), el("label", {}, t("chooser.seat"), seat),
        el("label", {}, t("chooser.course"), course), el("label", {}, hold, t("chooser.hold"))),
      note);
    } else {
      body.push(note);
      body.push(el("div", { class: "qty-row" },
        el("button", { type: "button", class: "round", id: "dlg-minus", "aria-label": "−",
          onclick: () => { picked.qty = Math.max(1, picked.qty - 1); refresh(); } }, "−"),
        qtyOut,
        el("button", { type: "button", class: "round", id: "dlg-plus", "aria-label": "+",
          onclick: () => { picked.qty = Math.min(50, picked.qty + 1); refresh(); } }, "+")));
    }
    body.push(missingBox);
    body.push(el("div", { class: "row" },
      el("button", { value: "cancel", formnovalidate: true }, t("chooser.cancel")), addBtn));
    form.replaceChildren(...body);
    refresh();
    const dialog = ctx.dialog;
    dialog.returnValue = "";
    dialog.onclose = () => {
      if (dialog.returnValue !== "ok" || p.missing().length) return;
      const line = { item_id: item.id, quantity: qty(), modifier_option_ids: [...picked.options],
                     note: note.value.trim() };
      if (picked.spec) line.spec_id = picked.spec;
      if (item.combo_slots.length) line.combo_choices = { ...picked.combo };
      if (staff) {
        line.course = Number(course.value);
        line.held = hold.checked;
        if (seat.value) line.seat = Number(seat.value);
      }
      ctx.onAdd(line, p.unitPrice(ctx.items), describe(item, picked, groups, ctx.items));
    };
    dialog.showModal();
  }

  // The line's words in both languages, for a cart that must not wait for the server.
  function describe(item, picked, groups, items) {
    const bits = [];
    if (picked.spec) bits.push(item.specs.find((s) => s.id === picked.spec));
    for (const g of groups) for (const o of g.options) if (picked.options.has(o.id)) bits.push(o);
    for (const s of item.combo_slots) if (items[picked.combo[s.id]]) bits.push(items[picked.combo[s.id]]);
    return { zh: [item.name_zh, ...bits.map((b) => b.name_zh)],
             en: [item.name_en, ...bits.map((b) => b.name_en)] };
  }

  function label(parts) {
    const words = parts[Hearth.lang] || parts.en;
    return words.length > 1 ? `${words[0]} (${words.slice(1).join(", ")})` : words[0];
  }

  return { open, label, ruleText };
})();
