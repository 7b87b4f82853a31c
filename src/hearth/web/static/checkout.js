// The POS checkout sheet: the bill from the payments API (total, paid, due), a tender at a time
// (cash with quick amounts and change, stored value, the customer's wallet code, our wallet QR,
// card), split tender by paying part of what is due, a tip, the provider's plain-words message
// and its suggested fallback when a provider fails, the receipt, and the cash shift.
"use strict";

const PosCheckout = (() => {
  const { api, t, yuan, el, showError, toast } = Hearth;
  const $ = (id) => document.getElementById(id);
  const st = { order: null, bill: null, tender: "cash", poll: null, onChange: null, key: null };

  const fen = (v) => Math.round(Number(v || 0) * 100);
  const toYuan = (f) => (f / 100).toFixed(2);
  const msg = (p) => (Hearth.lang === "zh" ? p.message_zh : p.message_en) || "";

  async function open(order, onChange) {
    st.order = order;
    st.onChange = onChange;
    $("pay-order").textContent = `#${order.number}`;
    $("pay-result").classList.add("hidden");
    $("pay-qr-box").classList.add("hidden");
    $("pay-tendered").value = "";
    $("pay-tip").value = "0";
    $("pay-auth").value = "";
    showCodeWallet();
    pick("cash");
    $("pay-dialog").showModal();
    await refresh();
  }

  async function refresh() {
    try {
      st.bill = await api("GET", `/api/orders/${st.order.id}/payments`);
    } catch (err) {
      if (err.status === 404 && err.code !== "order-not-found") toast(t("pay.unavailable"), "error");
      else showError(err);
      return;
    }
    const b = st.bill;
    $("pay-total").textContent = yuan(b.total);
    $("pay-paid").textContent = yuan(b.paid);
    $("pay-due").textContent = yuan(b.due);
    $("pay-due").dataset.fen = String(b.due);
    $("pay-amount").value = toYuan(b.due);
    $("pay-list").replaceChildren(...b.payments.map((p) => el("li", {
      class: `pay-row ps-${p.status}`, dataset: { id: p.id, tender: p.tender, status: p.status } },
      el("span", {}, t(`pay.${p.tender}`), p.provider ? ` · ${p.provider}` : ""),
      el("span", { class: "price" }, yuan(p.amount)),
      p.tip ? el("small", { class: "muted" }, `+${yuan(p.tip)}`) : null,
      p.change_due ? el("small", {}, `${t("pay.change")} ${yuan(p.change_due)}`) : null,
      el("span", { class: "pst" }, t(`pay.st.${p.status}`)))));
    const done = b.due === 0 && b.total > 0 || ["paid", "closed"].includes(b.status);
    $("pay-entry").classList.toggle("hidden", done);
    $("pay-done").classList.toggle("hidden", !done);
    $("pay-receipt").classList.toggle("hidden", !b.payments.some((p) => p.status === "succeeded"));
    $("pay-dialog").dataset.state = done ? "paid" : "due";
    quickCash();
    showChange();
    if (done) stopPolling();
  }

  // -- tenders ------------------------------------------------------------------------------
  function pick(tender) {
    st.tender = tender;
    st.key = null;
    for (const b of $("tenders").querySelectorAll("button")) {
      b.classList.toggle("on", b.dataset.tender === tender);
    }
    for (const p of document.querySelectorAll(".tender-pane")) {
      p.classList.toggle("hidden", p.dataset.pane !== tender);
    }
    if (tender === "wallet_scan") setTimeout(() => $("pay-auth").focus(), 0);
  }
  $("tenders").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-tender]");
    if (b) pick(b.dataset.tender);
  });

  function quickCash() {
    const due = fen($("pay-amount").value);
    const options = [due];
    for (const step of [1000, 5000, 10000]) {
      const up = Math.ceil(due / step) * step;
      if (up > due && !options.includes(up)) options.push(up);
    }
    $("quick-cash").replaceChildren(...options.slice(0, 4).map((v, i) => el("button", {
      type: "button", class: "quick-btn", dataset: { fen: String(v) },
      onclick: () => { $("pay-tendered").value = toYuan(v); showChange(); } },
      i === 0 ? `${t("pay.exact")} ${yuan(v)}` : yuan(v))));
  }

  function showChange() {
    const handed = fen($("pay-tendered").value);
    const owed = fen($("pay-amount").value) + fen($("pay-tip").value);
    $("pay-change").textContent = yuan(Math.max(0, handed - owed));
  }
  for (const id of ["pay-tendered", "pay-amount", "pay-tip"]) {
    $(id).addEventListener("input", () => { st.key = null; showChange(); });
  }
  $("pay-amount").addEventListener("change", quickCash);
  $("pay-auth").addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); take(); }  // scanners type the code + Enter
  });

  // Whose payment code it is, as the server decides it (payments/domain.py wallet_of_code):
  // Alipay 16-24 digits starting 25-30, WeChat Pay 18 digits starting 10-15.
  function walletOf(code) {
    if (!/^[0-9]+$/.test(code)) return null;
    const head = Number(code.slice(0, 2));
    if (code.length >= 16 && code.length <= 24 && head >= 25 && head <= 30) return "alipay";
    if (code.length === 18 && head >= 10 && head <= 15) return "wechat";
    return null;
  }
  function showCodeWallet() {
    const code = $("pay-auth").value.trim();
    const wallet = code ? walletOf(code) : "";
    const hint = $("pay-auth-wallet");
    hint.dataset.wallet = wallet === null ? "none" : wallet;
    hint.textContent = !code ? t("pay.code_says") :
      wallet ? t(`pay.code_${wallet}`) : t("pay.code_unknown");
  }
  $("pay-auth").addEventListener("input", showCodeWallet);

  function body() {
    const b = { tender: st.tender, amount: fen($("pay-amount").value), tip: fen($("pay-tip").value) };
    if (st.tender === "cash" && $("pay-tendered").value) b.tendered = fen($("pay-tendered").value);
    if (st.tender === "wallet_scan") b.auth_code = $("pay-auth").value.trim();  // it says whose
    if (st.tender === "wallet_qr") b.wallet = document.querySelector("input[name=wallet-qr]:checked").value;
    if (st.tender === "stored_value") b.account_id = $("pay-account").value.trim();
    return b;
  }

  async function take() {
    const b = body();
    // One key per attempt: a double tap or a retry after a lost answer charges once.
    st.key = st.key || Hearth.newKey();
    $("pay-go").disabled = true;
    try {
      const p = await api("POST", `/api/orders/${st.order.id}/payments`, b, { key: st.key });
      st.key = null;
      result(p);
      if (p.status === "pending" || p.status === "unknown") startPolling(p);
      await refresh();
      if (st.onChange) st.onChange();
    } catch (err) {
      st.key = null;
      // Refused with another way to pay (the wallet's provider is down): offer it.
      const fb = err.problem && err.problem.fallback;
      if (fb) result({ status: "failed", fallback: fb });
      else showError(err);
    } finally {
      $("pay-go").disabled = false;
    }
  }
  $("pay-go").addEventListener("click", take);

  function result(p) {
    const box = $("pay-result");
    box.classList.remove("hidden");
    box.dataset.status = p.status;
    const parts = [el("p", { class: `ps-${p.status}` }, msg(p) || t(`pay.st.${p.status}`))];
    if (p.change_due) {
      parts.push(el("p", { class: "change-big" }, `${t("pay.change")} `,
        el("strong", { id: "change-due", class: "price" }, yuan(p.change_due))));
    }
    if (p.fallback) {
      const f = p.fallback;
      parts.push(el("p", { class: "fallback" },
        Hearth.lang === "zh" ? f.reason_zh : f.reason_en, " ",
        el("button", { type: "button", class: "primary", id: "use-fallback",
          onclick: () => { useFallback(f); box.classList.add("hidden"); } },
          `${t("pay.use_fallback")} ${t(`pay.${f.tender}`)}${f.provider ? ` (${f.provider})` : ""}`)));
    }
    box.replaceChildren(...parts);
    const qr = p.status === "pending" && p.qr_content;
    $("pay-qr-box").classList.toggle("hidden", !qr);
    if (qr) $("pay-qr").src = `/pos/qr.svg?data=${encodeURIComponent(p.qr_content)}`;
  }

  // The suggested backup: its tender, and for our QR the backup wallet ticked as well.
  function useFallback(f) {
    pick(f.tender);
    const radio = document.querySelector(`input[name=wallet-qr][value="${f.provider}"]`);
    if (radio) radio.checked = true;
  }

  function startPolling(p) {
    stopPolling();
    let rounds = 0;
    st.poll = setInterval(async () => {
      if (++rounds > 200) return stopPolling();
      try {
        const now = await api("GET", `/api/payments/${p.id}`, undefined, { retries: 1 });
        if (now.status === "pending" || now.status === "unknown") return;
        stopPolling();
        result(now);
        await refresh();
        if (st.onChange) st.onChange();
      } catch (err) { /* offline banner; keep trying */ }
    }, 1500);
  }
  function stopPolling() {
    if (st.poll) clearInterval(st.poll);
    st.poll = null;
  }

  // Enter in an amount field must not close the sheet (a <form method=dialog> would).
  $("pay-form").addEventListener("submit", (e) => {
    if (e.submitter !== $("pay-close")) e.preventDefault();
  });

  $("pay-dialog").addEventListener("close", () => {
    stopPolling();
    if (st.onChange) st.onChange(true);
  });

  $("pay-receipt").addEventListener("click", async () => {
    try {
      await api("POST", "/api/printers/receipts", { order_id: st.order.id });
      toast(t("pay.receipt_ok"), "ok");
    } catch (err) { showError(err); }
  });

  // -- the cash shift: open with a float, close with the counted cash --------------------------
  $("shift-btn").addEventListener("click", async () => {
    let shift = null;
    try {
      shift = await api("GET", "/api/shifts/current", undefined, { retries: 1 });
    } catch (err) {
      if (err.code !== "shift-not-open") { showError(err); return; }
    }
    $("shift-info").textContent = shift ?
      `${t("pay.shift_expected")} ${yuan(shift.expected_cash ?? shift.expected ?? 0)}` :
      t("pay.no_shift");
    $("shift-label").textContent = shift ? t("pay.shift_close") : t("pay.shift_open");
    $("shift-amount").value = "";
    const dialog = $("shift-dialog");
    dialog.returnValue = "";
    dialog.onclose = async () => {
      if (dialog.returnValue !== "ok") return;
      const amount = fen($("shift-amount").value);
      try {
        if (shift) await api("POST", `/api/shifts/${shift.id}/close`, { counted: amount });
        else await api("POST", "/api/shifts/open", { float: amount });
        toast(t("pay.shift"), "ok");
      } catch (err) { showError(err); }
    };
    dialog.showModal();
  });

  return { open };
})();
