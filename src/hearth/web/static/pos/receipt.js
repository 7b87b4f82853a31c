// The POS's on-screen receipt (static/pos.js loads this module).
const { api, t, el, yuan, showError } = Hearth;
const $ = (id) => document.getElementById(id);

// -- the on-screen receipt: what the guest paid for and how, for when the printer is out of
//    paper or the guest just wants to see it. Its own dialog, so checkout can call it too:
//    window.hearthShowReceipt(orderId). ------------------------------------------------------
export async function showReceipt(orderId) {
  let order, bill;
  try {
    [order, bill] = await Promise.all([api("GET", `/api/orders/${orderId}`),
      api("GET", `/api/orders/${orderId}/payments`)]);
  } catch (err) { showError(err); return; }
  const row = (label, amount, cls = "") => [el("dt", { class: cls }, label),
    el("dd", { class: `price ${cls}` }, yuan(amount))];
  const lines = order.lines.filter((ln) => ln.state !== "voided");
  const tot = order.totals;
  const taken = bill.payments.filter((p) => ["succeeded", "refunded"].includes(p.status));
  const change = taken.reduce((sum, p) => sum + (p.change_due || 0), 0);
  const rounding = taken.reduce((sum, p) => sum + (p.rounding || 0), 0);
  const tender = (p) => [t(`pay.${p.tender}`), p.provider && p.provider !== p.tender ?
    `(${t(`provider.${p.provider}`)})` : "", p.offline ? `· ${t("rc.offline")}` : "",
    p.status === "refunded" ? `· ${t("rc.refunded")}` : ""].filter(Boolean).join(" ");
  $("receipt-body").replaceChildren(
    el("h3", {}, `${t("rc.title")} #${order.number}`),
    el("ul", { class: "rc-lines" }, ...lines.map((ln) => el("li", { dataset: { id: ln.id } },
      el("span", {}, `${ln.quantity}× ${Hearth.lang === "zh" ? ln.name_zh : ln.name_en}`),
      el("span", { class: "price" }, yuan(ln.line_total))))),
    el("dl", { class: "totals" },
      ...row(t("pos.subtotal"), tot.subtotal),
      ...(tot.line_discounts + tot.order_discount ?
        row(t("pos.discounts"), -(tot.line_discounts + tot.order_discount)) : []),
      ...(tot.service_charge ? row(t("pos.service"), tot.service_charge) : []),
      ...(rounding ? row(t("rc.rounding"), -rounding) : []),
      ...row(t("pos.total"), tot.total, "grand")),
    el("h4", {}, t("rc.paid_by")),
    el("ul", { class: "rc-tenders" }, ...taken.map((p) => el("li", {
      dataset: { tender: p.tender } },
      el("span", {}, tender(p), p.tip ? ` (${t("rc.tip")} ${yuan(p.tip)})` : "",
        p.tendered ? ` · ${t("rc.tendered")} ${yuan(p.tendered)}` : ""),
      el("span", { class: "price" }, yuan(p.amount + (p.tip || 0)))))),
    el("dl", { class: "totals" },
      ...row(t("rc.paid_total"), bill.paid + bill.tips),
      ...row(t("rc.change"), change, "rc-change")));
  $("receipt-body").dataset.order = order.id;
  const dialog = $("receipt-dialog");
  if (!dialog.open) dialog.showModal();
}
