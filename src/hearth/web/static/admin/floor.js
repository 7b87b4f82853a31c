// Admin page: the floor tab (areas, tables and their QR codes).

import { t, el, yuan, toast, showError, $, state, api, nm, fen, yuanInput, intOrText, orNull, guarded, field, input, select, button, table, panel, val, signOut } from "./common.js";

// -- floor and QR codes ----------------------------------------------------------------------
export async function renderFloor(pane) {
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
