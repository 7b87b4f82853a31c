// Admin page: a thin client over the store node's API. Every rule is checked by the server; a
// refusal is shown in the problem's own words. Money is fen on the wire and yuan on screen.
// This file is the entry: sign-in and the tabs; each tab is its own module under admin/.

import { t, $, state, api, guarded, val, signOut, TOKEN_KEY } from "./admin/common.js";
import { renderMenu } from "./admin/menu.js";
import { renderFloor } from "./admin/floor.js";
import { renderStaff } from "./admin/staff.js";
import { renderKitchen } from "./admin/kitchen.js";
import { renderPrinters } from "./admin/printers.js";
import { renderPayments } from "./admin/payments.js";
import { renderDelivery } from "./admin/delivery.js";
import { renderSettings } from "./admin/settings.js";
import { renderStock } from "./admin/stock.js";
import { renderMembers } from "./admin/members.js";
import { renderAlerts } from "./admin/alerts.js";
import { renderDrills } from "./admin/drills.js";

$("#login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const r = await guarded(() => api("POST", "/api/auth/password",
    { staff_code: val("a-code").trim(), password: val("a-password") }, { token: null, retries: 1 }));
  if (!r) return;
  state.token = r.access_token;
  sessionStorage.setItem(TOKEN_KEY, state.token);
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
    probe("payments", "/api/payments/providers"), probe("delivery", "/api/delivery/mappings"),
    probe("stock", "/api/inventory/ingredients"), probe("members", "/api/members"),
    probe("alerts", "/api/ops/alerts"), probe("drills", "/api/ops/drills")]);
  show(location.hash.slice(1) || "menu");
}

async function probe(tab, path) {
  try { await api("GET", path, undefined, { retries: 1 }); }
  catch (err) { if (err.status === 404 || err.status === 405) $(`#tab-${tab}`).classList.add("hidden"); }
}

const RENDER = { menu: renderMenu, floor: renderFloor, staff: renderStaff, kitchen: renderKitchen,
  printers: renderPrinters, payments: renderPayments, delivery: renderDelivery, settings: renderSettings,
  stock: renderStock, members: renderMembers, alerts: renderAlerts, drills: renderDrills,
  hq: (pane) => HearthSync.adminPane(pane), health: (pane) => HearthHealth.adminPane(pane) };

function show(tab) {
  if (!RENDER[tab]) tab = "menu";
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("on", b.dataset.tab === tab));
  document.querySelectorAll(".pane").forEach((p) => p.classList.toggle("hidden", p.id !== `pane-${tab}`));
  history.replaceState(null, "", `#${tab}`);
  RENDER[tab]($(`#pane-${tab}`));
}
document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => show(b.dataset.tab)));

if (state.token) start(); else signOut();
