// The member at checkout: find by phone (start or last digits) or member code, see tier,
// points and the stored value the till may take (HQ's figure less spends not yet acknowledged,
// and offline the allowance left), earn the order's points once it is paid, redeem points for
// money off, and hand the member's account to the stored-value tender.
"use strict";

const PosMember = (() => {
  const { api, t, yuan, el, showError, toast } = Hearth;
  const st = { order: null, member: null, hooks: null };
  let box = null;

  function mount() {
    if (box) return box;
    box = el("section", { id: "member-box", class: "member-box" },
      el("div", { class: "sv-find" },
        el("input", { id: "mb-query", autocomplete: "off", inputmode: "tel", maxlength: 40, placeholder: t("mem.pos_find") }),
        el("button", { type: "button", id: "mb-go", onclick: find }, t("mem.search"))),
      el("ul", { id: "mb-results", class: "sv-results" }),
      el("div", { id: "mb-member", class: "hidden" }));
    box.querySelector("#mb-query").addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); find(); }
    });
    document.getElementById("pay-list").after(box);
    return box;
  }

  function open(order, hooks) {
    st.order = order;
    st.hooks = hooks;
    mount();
    box.querySelector("#mb-query").value = "";
    box.querySelector("#mb-results").replaceChildren();
    choose(null);
  }

  async function find() {
    const q = box.querySelector("#mb-query").value.trim();
    if (!q) return;
    try {
      const found = (await api("GET", `/api/members?q=${encodeURIComponent(q)}`)).members;
      if (found.length === 1) { await choose(found[0].id); return; }
      box.querySelector("#mb-results").replaceChildren(...(found.length ? found.map((m) =>
        el("li", {}, el("button", { type: "button", class: "mb-pick", onclick: () => choose(m.id) },
          `${m.name} · ${m.phone || m.code}`))) : [el("li", { class: "muted", id: "mb-none" }, t("mem.pos_none"))]));
    } catch (err) { showError(err); }
  }

  async function choose(id) {
    const card = box.querySelector("#mb-member");
    st.member = null;
    card.classList.toggle("hidden", !id);
    if (!id) { card.replaceChildren(); return; }
    try { st.member = await api("GET", `/api/members/${id}`); } catch (err) { showError(err); return; }
    box.querySelector("#mb-results").replaceChildren();
    draw();
  }

  function draw() {
    const m = st.member;
    const points = el("input", { id: "mb-points", type: "number", min: 1, step: 1, inputmode: "numeric", placeholder: t("mem.points") });
    box.querySelector("#mb-member").replaceChildren(
      el("p", {}, el("strong", { id: "mb-name" }, m.name), ` · ${m.phone || ""} · ${m.tier || ""} · `,
        `${t("mem.points")} `, el("strong", { id: "mb-balance-points" }, String(m.points)), ` · ${t("mem.stored_value")} `,
        el("strong", { id: "mb-sv", class: "price" }, yuan(m.stored_value)),
        ...(m.offline ? [el("span", { class: "short" }, ` · ${t("mem.offline")} ${yuan(m.spend_limit)}`)] : [])),
      el("div", { class: "row" },
        el("button", { type: "button", id: "mb-earn", onclick: earn }, t("mem.pos_earn")),
        points, el("button", { type: "button", id: "mb-redeem", onclick: () => redeem(points.value) }, t("mem.pos_redeem")),
        el("button", { type: "button", id: "mb-use-sv", onclick: useStoredValue }, t("mem.pos_use_sv"))));
  }

  async function earn() {
    try {
      const r = await api("POST", "/api/members/earn", { order_id: st.order.id, member_ids: [st.member.id] });
      toast(`${t("mem.pos_earned")} ${r.earned}`, "ok");
      await choose(st.member.id);
    } catch (err) { showError(err); }
  }

  async function redeem(points) {
    try {
      await api("POST", `/api/members/${st.member.id}/redeem`, { order_id: st.order.id, points: Number(points) });
      await choose(st.member.id);
      if (st.hooks) { await st.hooks.refresh(); st.hooks.changed(); }
    } catch (err) { showError(err); }
  }

  function useStoredValue() {
    const m = st.member;
    if (!st.hooks) return;
    st.hooks.pick("stored_value");
    st.hooks.chooseAccount({ id: m.id, name: m.name, phone: m.phone, number: m.code, balance: m.spend_limit });
  }

  return { open };
})();
