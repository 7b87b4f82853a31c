// Admin page: what every tab shares (state, the API call, form helpers). Every rule is checked by
// the server; a refusal is shown in the problem's own words. Money is fen on the wire, yuan on screen.

export const { t, el, yuan, toast, showError } = Hearth;
export const TOKEN_KEY = "hearth_admin_token";
export const $ = (sel) => document.querySelector(sel);

// What the tabs share: the manager's token, the menu last loaded, the kitchen's stations
// (null: the kitchen module's API is not there, or not asked yet).
export const state = { token: sessionStorage.getItem(TOKEN_KEY), menu: { categories: [], modifier_groups: [], items: [] }, stations: null };

export const api = (method, path, body, opts = {}) => Hearth.api(method, path, body, { token: state.token, ...opts });
export const nm = (o) => (o ? Hearth.name(o) : "");

// "38" or "38.5" yuan -> 3850 fen (Hearth.parseFen; a percentage to basis points the same
// way). Anything else is sent as typed, so the server's problem (not a guess made here) tells
// the manager what is wrong.
export const fen = (text) => Hearth.parseFen(text) ?? String(text).trim();
export const yuanInput = (f) => (f === null || f === undefined ? "" : Hearth.fenText(f));
export const intOrText = (v) => (/^-?\d+$/.test(String(v).trim()) ? Number(v) : String(v).trim());
export const orNull = (v) => (String(v).trim() === "" ? null : v);

export async function guarded(fn, okText) {
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

export function field(label, input) { return el("label", {}, label, input); }
export function input(id, attrs = {}) { return el("input", { id, ...attrs }); }
export function select(id, options, value) {
  const s = el("select", { id });
  for (const [v, text] of options) {
    const o = el("option", { value: v }, text);
    if (String(v) === String(value ?? "")) o.selected = true;
    s.appendChild(o);
  }
  return s;
}
export function button(text, onclick, cls = "") { return el("button", { type: "button", class: cls, onclick }, text); }
export function table(headers, rows, cls = "") {
  return el("div", { class: "scroll" }, el("table", { class: `list ${cls}` },
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", typeof h === "string" ? {} : h[1], typeof h === "string" ? h : h[0])))),
    el("tbody", {}, rows)));
}
export const panel = (title, ...children) => el("div", { class: "panel" }, el("h3", {}, title), ...children);
export const val = (id) => document.getElementById(id).value;

// -- sign in ---------------------------------------------------------------------------------
export function signOut() {
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $("#app").classList.add("hidden");
  $("#sign-out").classList.add("hidden");
  $("#who").textContent = "";
  $("#login").classList.remove("hidden");
}
