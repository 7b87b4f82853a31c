// Admin page: the staff and terminals tab.

import { t, el, yuan, toast, showError, $, state, api, nm, fen, yuanInput, intOrText, orNull, guarded, field, input, select, button, table, panel, val, signOut } from "./common.js";

// -- staff and terminals ---------------------------------------------------------------------
const ROLES = ["owner", "manager", "cashier", "waiter", "kitchen"];

export async function renderStaff(pane) {
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
