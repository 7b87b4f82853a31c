// Admin tab "members": the list and search, a member's profile with the ledger and coupons,
// points rules, tiers and top-up bonuses, coupon templates, and the CSV/XLSX import.
import { t, el, yuan, toast, showError, state, api, fen, guarded, field, input, select, button, table, panel, val } from "./common.js";

const KINDS = ["per_yuan", "per_visit", "per_item", "double_day", "birthday"];
const COUPON_KINDS = ["money_off", "percent_off", "free_item", "member_price"];

export async function renderMembers(pane) {
  const [list, rules, templates] = await Promise.all([
    guarded(() => api("GET", "/api/members")),
    guarded(() => api("GET", "/api/members/rules")),
    guarded(() => api("GET", "/api/members/coupon-templates")),
  ]);
  const profile = el("div", { id: "member-profile" });
  const rowsBox = el("tbody", { id: "member-rows" });
  const fill = (members) => rowsBox.replaceChildren(...members.map((m) => el("tr", { dataset: { member: m.id } },
    el("td", {}, m.code), el("td", {}, m.name), el("td", {}, m.phone || ""), el("td", {}, m.tier || ""),
    el("td", { class: "num" }, String(m.points ?? 0)), el("td", { class: "num" }, yuan(m.stored_value ?? 0)),
    el("td", { class: "actions" }, button(t("mem.open"), () => showMember(profile, m.id, templates || []), "open-member")))));
  fill(list ? list.members : []);
  const search = el("form", { class: "grid", id: "member-search" },
    field(t("mem.find"), input("mem-q", { placeholder: t("mem.find_hint"), autocomplete: "off" })),
    el("button", { class: "primary", type: "submit" }, t("mem.search")));
  search.addEventListener("submit", async (e) => {
    e.preventDefault();
    const q = val("mem-q").trim();
    const found = await guarded(() => api("GET", q ? `/api/members?q=${encodeURIComponent(q)}` : "/api/members"));
    if (found) fill(found.members);
  });
  const join = el("form", { class: "grid", id: "member-join" },
    field(t("mem.phone"), input("mj-phone", { required: true, inputmode: "tel" })),
    field(t("mem.name"), input("mj-name", { required: true })),
    field(t("mem.birthday"), input("mj-bday", { placeholder: "MM-DD" })),
    el("button", { class: "primary", type: "submit" }, t("mem.join")));
  join.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { phone: val("mj-phone"), name: val("mj-name").trim() };
    if (val("mj-bday").trim()) body.birthday = val("mj-bday").trim();
    if (await guarded(() => api("POST", "/api/members", body), t("mem.joined"))) renderMembers(pane);
  });
  pane.replaceChildren(
    panel(t("mem.list"), search, el("div", { class: "scroll" }, el("table", { class: "list members-table" },
      el("thead", {}, el("tr", {}, [t("mem.code"), t("mem.name"), t("mem.phone"), t("mem.tier"), t("mem.points"), t("mem.stored_value"), ""].map((h) => el("th", {}, h)))),
      rowsBox)), join),
    profile,
    rulesPanel(pane, rules),
    templatesPanel(pane, templates || []),
    importPanel(pane));
}

async function showMember(box, id, templates) {
  const [m, ledger, coupons] = await Promise.all([
    guarded(() => api("GET", `/api/members/${id}`)),
    guarded(() => api("GET", `/api/members/${id}/ledger`)),
    guarded(() => api("GET", `/api/members/${id}/coupons`)),
  ]);
  if (!m) return;
  const phone = el("span", { id: "mp-phone" }, m.phone || "");
  const facts = el("dl", { class: "facts" },
    el("dt", {}, t("mem.code")), el("dd", {}, m.code),
    el("dt", {}, t("mem.phone")), el("dd", {}, phone, " ", button(t("mem.unmask"), async () => {
      const r = await guarded(() => api("POST", `/api/members/${id}/unmask`, { reason: "admin" }));
      if (r) phone.textContent = r.phone;
    }, "unmask")),
    el("dt", {}, t("mem.tier")), el("dd", {}, m.tier || "—"),
    el("dt", {}, t("mem.points")), el("dd", { id: "mp-points" }, String(m.points)),
    el("dt", {}, t("mem.paid")), el("dd", {}, yuan(m.paid)),
    el("dt", {}, t("mem.bonus")), el("dd", {}, yuan(m.bonus)),
    el("dt", {}, t("mem.stored_value")), el("dd", { id: "mp-sv" }, yuan(m.stored_value)),
    el("dt", {}, t("mem.allowance")), el("dd", {}, `${yuan(m.allowance_left)} / ${yuan(m.allowance)}${m.offline ? " · " + t("mem.offline") : ""}`));
  const topUp = el("form", { class: "grid", id: "mp-topup" },
    field(t("mem.top_up"), input("mp-amount", { inputmode: "decimal", required: true })),
    el("button", { class: "primary", type: "submit" }, t("mem.top_up")));
  topUp.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await guarded(() => api("POST", `/api/members/${id}/top-up`, { amount: fen(val("mp-amount")) }), t("admin.saved"))) showMember(box, id, templates);
  });
  const issue = el("form", { class: "grid", id: "mp-issue" },
    field(t("mem.template"), select("mp-template", templates.map((x) => [x.id, Hearth.name(x)]))),
    el("button", { type: "submit" }, t("mem.issue")));
  issue.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await guarded(() => api("POST", `/api/members/${id}/coupons`, { template_id: val("mp-template"), reason: "admin" }), t("admin.saved"))) showMember(box, id, templates);
  });
  const exportBtn = button(t("mem.export"), async () => {
    const data = await guarded(() => api("POST", `/api/members/${id}/export`, {}));
    if (!data) return;
    const a = el("a", { href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" })), download: `member-${m.code}.json` });
    a.click();
  });
  const eraseBtn = button(t("mem.erase"), async () => {
    if (!confirm(t("mem.erase_confirm"))) return;
    if (await guarded(() => api("POST", `/api/members/${id}/erase`, { reason: "request" }), t("admin.saved"))) showMember(box, id, templates);
  }, "danger");
  box.replaceChildren(panel(`${m.name} · ${m.code}`, facts, topUp, issue, el("div", { class: "actions" }, exportBtn, eraseBtn),
    el("h4", {}, t("mem.ledger")),
    table([t("mem.account"), t("mem.delta"), t("mem.kind"), t("mem.ref")], (ledger || []).map((e) => el("tr", {},
      el("td", {}, t(`mem.acc.${e.account}`)), el("td", { class: "num" }, e.account === "points" ? String(e.delta) : yuan(e.delta)),
      el("td", {}, e.kind), el("td", {}, e.ref))), "ledger-table"),
    el("h4", {}, t("mem.coupons")),
    table([t("mem.template"), t("mem.status"), ""], (coupons || []).map((c) => el("tr", {},
      el("td", {}, Hearth.name(c)), el("td", {}, c.status),
      el("td", { class: "actions" }, c.status === "issued" ? button(t("mem.void"), async () => {
        if (await guarded(() => api("POST", `/api/members/coupons/${c.id}/void`, {}), t("admin.saved"))) showMember(box, id, templates);
      }) : ""))), "coupons-table")));
}

function rulesPanel(pane, rules) {
  rules = rules || { points: [], tiers: [], top_up: [] };
  const setRule = async (kind, id, body) => {
    if (await guarded(() => api("POST", "/api/members/rules", { kind, id, body }), t("admin.saved"))) renderMembers(pane);
  };
  const pForm = el("form", { class: "grid", id: "points-rule-form" },
    field(t("mem.rule_id"), input("pr-id", { required: true, placeholder: "yuan" })),
    field(t("mem.rule_kind"), select("pr-kind", KINDS.map((k) => [k, t(`mem.kind.${k}`)]))),
    field(t("mem.points"), input("pr-points", { inputmode: "numeric", value: "1" })),
    field(t("mem.item_id"), input("pr-item")),
    field(t("mem.weekdays"), input("pr-days", { placeholder: "1,3" })),
    el("button", { class: "primary", type: "submit" }, t("admin.add")));
  pForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = { kind: val("pr-kind"), points: Number(val("pr-points")) };
    if (val("pr-item").trim()) body.item_id = val("pr-item").trim();
    if (val("pr-days").trim()) body.weekdays = val("pr-days").split(",").map((d) => Number(d.trim()) - 1);
    setRule("points", val("pr-id").trim(), body);
  });
  const tForm = el("form", { class: "grid", id: "tier-form" },
    field(t("mem.rule_id"), input("tr-key", { required: true, placeholder: "gold" })),
    field(t("admin.name_zh"), input("tr-zh", { required: true })), field(t("admin.name_en"), input("tr-en", { required: true })),
    field(t("mem.threshold"), input("tr-th", { inputmode: "numeric", value: "0" })),
    field(t("mem.multiplier"), input("tr-mult", { inputmode: "numeric", value: "100" })),
    el("button", { class: "primary", type: "submit" }, t("admin.add")));
  tForm.addEventListener("submit", (e) => {
    e.preventDefault();
    setRule("tier", val("tr-key").trim(), { name_zh: val("tr-zh"), name_en: val("tr-en"), threshold: Number(val("tr-th")), multiplier_pct: Number(val("tr-mult")) });
  });
  const uForm = el("form", { class: "grid", id: "topup-form" },
    field(t("mem.pay"), input("tu-pay", { inputmode: "decimal", required: true })),
    field(t("mem.bonus"), input("tu-bonus", { inputmode: "decimal", required: true })),
    el("button", { class: "primary", type: "submit" }, t("admin.add")));
  uForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const pay = fen(val("tu-pay"));
    setRule("top_up", `t${pay}`, { pay, bonus: fen(val("tu-bonus")) });
  });
  const remove = (kind, id) => button(t("admin.delete"), () => setRule(kind, id, null));
  return panel(t("mem.rules"),
    table([t("mem.rule_id"), t("mem.rule_kind"), t("mem.points"), ""], rules.points.map((r) => el("tr", {},
      el("td", {}, r.id), el("td", {}, t(`mem.kind.${r.kind}`)), el("td", {}, String(r.points)), el("td", {}, remove("points", r.id)))), "points-rules"),
    pForm,
    el("h4", {}, t("mem.tiers")),
    table([t("mem.rule_id"), t("mem.name"), t("mem.threshold"), t("mem.multiplier"), ""], rules.tiers.map((x) => el("tr", {},
      el("td", {}, x.key), el("td", {}, Hearth.name(x)), el("td", {}, String(x.threshold)), el("td", {}, `${x.multiplier_pct}%`), el("td", {}, remove("tier", x.key)))), "tiers"),
    tForm,
    el("h4", {}, t("mem.top_up_tiers")),
    table([t("mem.pay"), t("mem.bonus"), ""], rules.top_up.map((x) => el("tr", {},
      el("td", {}, yuan(x.pay)), el("td", {}, yuan(x.bonus)), el("td", {}, remove("top_up", `t${x.pay}`)))), "topup-tiers"),
    uForm);
}

function templatesPanel(pane, templates) {
  const form = el("form", { class: "grid", id: "template-form" },
    field(t("mem.rule_kind"), select("ct-kind", COUPON_KINDS.map((k) => [k, t(`mem.coupon.${k}`)]))),
    field(t("admin.name_zh"), input("ct-zh", { required: true })), field(t("admin.name_en"), input("ct-en", { required: true })),
    field(t("mem.value"), input("ct-value", { required: true })),
    field(t("mem.threshold_money"), input("ct-th", { value: "0" })),
    field(t("mem.item_id"), input("ct-item")),
    field(t("mem.valid_days"), input("ct-days", { value: "30" })),
    el("button", { class: "primary", type: "submit" }, t("admin.add")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const kind = val("ct-kind");
    const body = { kind, name_zh: val("ct-zh"), name_en: val("ct-en"),
      value: kind === "percent_off" ? Number(val("ct-value")) : fen(val("ct-value")),
      threshold: fen(val("ct-th")), valid_days: Number(val("ct-days")) };
    if (val("ct-item").trim()) body.item_id = val("ct-item").trim();
    if (await guarded(() => api("POST", "/api/members/coupon-templates", body), t("admin.saved"))) renderMembers(pane);
  });
  return panel(t("mem.coupon_templates"),
    table([t("mem.name"), t("mem.rule_kind"), t("mem.value"), t("mem.threshold_money")], templates.map((x) => el("tr", {},
      el("td", {}, Hearth.name(x)), el("td", {}, t(`mem.coupon.${x.kind}`)),
      el("td", {}, x.kind === "percent_off" ? `${x.value}%` : yuan(x.value)), el("td", {}, yuan(x.threshold)))), "templates"),
    form);
}

function importPanel(pane) {
  const file = el("input", { type: "file", id: "mi-file", accept: ".csv,.xlsx" });
  const out = el("div", { id: "mi-report" });
  const go = button(t("mem.import"), async () => {
    const f = file.files[0];
    if (!f) return;
    const kind = f.name.toLowerCase().endsWith(".xlsx") ? "xlsx" : "csv";
    const res = await fetch(`/api/members/import?kind=${kind}`, { method: "POST", body: await f.arrayBuffer(),
      headers: { Authorization: `Bearer ${state.token}`, "Idempotency-Key": crypto.randomUUID(), "Content-Type": kind === "csv" ? "text/csv" : "application/octet-stream" } });
    const data = await res.json();
    if (res.ok) {
      toast(`${t("mem.imported")} ${data.imported}`, "ok");
      out.replaceChildren();
      renderMembers(pane);
      return;
    }
    showError({ status: res.status, ...data });
    out.replaceChildren(el("p", {}, data.detail || ""), table([t("mem.row"), t("mem.field"), t("mem.problem")], (data.report || []).map((p) => el("tr", {},
      el("td", {}, String(p.row)), el("td", {}, p.field), el("td", {}, p.message))), "import-report"));
  }, "primary");
  return panel(t("mem.import_title"), el("p", { class: "hint" }, t("mem.import_hint")), file, go, out);
}
