// The POS checkout sheet: the bill from the payments API (total, paid, due), a tender at a time
// (cash with quick amounts, the store's cash rounding and change, stored value found by the
// member's phone, the customer's wallet code, our wallet QR with a cancel, card), split tender
// by paying part of what is due, a tip, the provider's plain-words message and its suggested
// fallback when a provider fails, refunds with a manager's PIN, the receipt, and the cash
// shift (open, pay in, pay out, close with the count and the difference).
"use strict";

const PosCheckout = (() => {
  const { api, t, yuan, el, showError, toast } = Hearth;
  const $ = (id) => document.getElementById(id);
  const st = { order: null, bill: null, tender: "cash", poll: null, onChange: null, key: null,
               qr: null, account: null, refund: null, refundKey: null, shift: null };

  // An empty field is nothing; a typo is NaN, which reaches the server as null and comes back
  // as its problem for that field (Hearth.parseFen never guesses through floats).
  const fen = (v) => (String(v ?? "").trim() === "" ? 0 : Hearth.parseFen(v) ?? NaN);
  const toYuan = Hearth.fenText;
  const msg = (p) => (Hearth.lang === "zh" ? p.message_zh : p.message_en) || "";
  const problemText = (err) => {
    const p = err.problem || {};
    return p.title && p.detail && p.detail !== p.title ? `${p.title}: ${p.detail}` :
      (p.title || err.message);
  };
  const changed = () => { if (st.onChange) st.onChange(); };

  async function open(order, onChange) {
    st.order = order;
    st.onChange = onChange;
    $("pay-order").textContent = `#${order.number}`;
    $("pay-result").classList.add("hidden");
    showQr(null);
    $("pay-tendered").value = "";
    $("pay-tip").value = "0";
    $("pay-auth").value = "";
    showCodeWallet();
    $("sv-query").value = "";
    $("sv-results").replaceChildren();
    chooseAccount(null);
    pick("cash");
    if (typeof PosMember !== "undefined") PosMember.open(order, { chooseAccount, pick, refresh, changed });
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
    $("pay-list").replaceChildren(...b.payments.map(payRow));
    const done = b.due === 0 && b.total > 0 || ["paid", "closed"].includes(b.status);
    $("pay-entry").classList.toggle("hidden", done);
    $("pay-done").classList.toggle("hidden", !done);
    $("pay-receipt").classList.toggle("hidden", !b.payments.some((p) => p.status === "succeeded"));
    $("pay-dialog").dataset.state = done ? "paid" : "due";
    quickCash();
    showChange();
    showAccount();
    if (done) stopPolling();
  }

  // What can still be given back on a payment (a refund in flight is already spoken for).
  function refundable(p) {
    if (!["succeeded", "refunded"].includes(p.status)) return 0;
    if (p.offline && p.forward_state === "queued") return 0;  // not sent to the provider yet
    return Math.max(0, p.amount + p.tip - p.refunded - (p.refund_pending || 0));
  }

  function payRow(p) {
    const left = refundable(p);
    const flagged = ["declined_later", "needs_attention"].includes(p.status);
    return el("li", {
      class: `pay-row ps-${p.status}`, dataset: { id: p.id, tender: p.tender, status: p.status } },
      el("span", {}, t(`pay.${p.tender}`), p.provider ? ` · ${p.provider}` : ""),
      el("span", { class: "price" }, yuan(p.amount)),
      p.tip ? el("small", { class: "muted" }, `+${yuan(p.tip)}`) : null,
      p.change_due ? el("small", {}, `${t("pay.change")} ${yuan(p.change_due)}`) : null,
      p.refunded ? el("small", { class: "refunded" },
        `${t("pay.st.refunded")} ${yuan(p.refunded)}`) : null,
      el("span", { class: "pst" }, t(`pay.st.${p.status}`)),
      left > 0 ? el("button", { type: "button", class: "refund-btn cashier-only",
        dataset: { id: p.id }, onclick: () => openRefund(p) }, t("pay.refund")) : null,
      flagged ? el("small", { class: "pay-note" }, msg(p)) : null);
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
    if (tender === "stored_value" && !st.account) setTimeout(() => $("sv-query").focus(), 0);
  }
  $("tenders").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-tender]");
    if (b) pick(b.dataset.tender);
  });

  // Cash is rounded to the store's smallest coin exactly as the server does
  // (payments/domain.py take_cash): only the payment that settles the bill, halves up.
  function roundingOf(amount, unit) {
    if (!unit || unit <= 1) return 0;
    const q = Math.floor(amount / unit);
    const r = amount - q * unit;
    return (r * 2 >= unit ? q + 1 : q) * unit - amount;
  }
  function cashToCollect() {
    const amount = fen($("pay-amount").value);
    const tip = fen($("pay-tip").value);
    const settles = !!st.bill && amount === st.bill.due;
    const rounding = settles ? roundingOf(amount + tip, st.bill.cash_rounding_unit || 1) : 0;
    return { collect: amount + tip + rounding, rounding };
  }

  function quickCash() {
    const { collect } = cashToCollect();
    const options = [collect];
    for (const step of [1000, 5000, 10000]) {
      const up = Math.ceil(collect / step) * step;
      if (up > collect && !options.includes(up)) options.push(up);
    }
    $("quick-cash").replaceChildren(...options.slice(0, 4).map((v, i) => el("button", {
      type: "button", class: "quick-btn", dataset: { fen: String(v) },
      onclick: () => { $("pay-tendered").value = toYuan(v); showChange(); } },
      i === 0 ? `${t("pay.exact")} ${yuan(v)}` : yuan(v))));
  }

  function showChange() {
    const { collect, rounding } = cashToCollect();
    const handed = fen($("pay-tendered").value);
    $("pay-change").textContent = yuan(Math.max(0, handed - collect));
    $("pay-collect").classList.toggle("hidden", rounding === 0);
    $("pay-collect-amount").textContent = yuan(collect);
    $("pay-rounding").textContent = rounding ?
      `(${t("pay.rounding")} ${rounding > 0 ? "+" : ""}${yuan(rounding)})` : "";
  }
  for (const id of ["pay-tendered", "pay-amount", "pay-tip"]) {
    $(id).addEventListener("input", () => { st.key = null; showChange(); showAccount(); });
  }
  for (const id of ["pay-amount", "pay-tip"]) $(id).addEventListener("change", quickCash);
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

  // -- stored value: the member's account found by phone or account number ------------------
  const maskPhone = (phone) => (phone && /^\d{11}$/.test(phone) ?
    `${phone.slice(0, 3)}****${phone.slice(7)}` : (phone || ""));
  const accountLabel = (a) =>
    `${a.name} · ${maskPhone(a.phone)} · ${t("pay.sv_no")} ${a.number}`;

  async function findAccount() {
    const q = $("sv-query").value.trim();
    if (!q) { $("sv-query").focus(); return; }
    try {
      const found = await api("GET", `/api/payments/accounts?q=${encodeURIComponent(q)}`);
      if (found.length === 1) { chooseAccount(found[0]); return; }
      chooseAccount(null);
      $("sv-results").replaceChildren(...(found.length ? found.map((a) => el("li", {},
        el("button", { type: "button", class: "sv-pick", dataset: { id: a.id },
          onclick: () => chooseAccount(a) },
          el("span", {}, accountLabel(a)), el("strong", { class: "price" }, yuan(a.balance)))))
        : [el("li", { class: "muted", id: "sv-none" }, t("pay.sv_none"))]));
    } catch (err) { showError(err); }
  }
  $("sv-go").addEventListener("click", findAccount);
  $("sv-query").addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); findAccount(); }
  });

  function chooseAccount(a) {
    st.account = a;
    st.key = null;
    $("pay-account").value = a ? a.id : "";
    if (a) $("sv-results").replaceChildren();
    showAccount();
  }
  // The balance before paying, and whether it covers this payment.
  function showAccount() {
    const box = $("sv-account");
    const a = st.account;
    box.classList.toggle("hidden", !a);
    box.dataset.id = a ? a.id : "";
    box.dataset.balance = a ? String(a.balance) : "";
    if (!a) { box.replaceChildren(); return; }
    const short = a.balance < fen($("pay-amount").value) + fen($("pay-tip").value);
    box.dataset.short = String(short);
    box.replaceChildren(el("span", {}, `${accountLabel(a)} · ${t("pay.sv_balance")} `),
      el("strong", { class: "price", id: "sv-balance" }, yuan(a.balance)),
      ...(short ? [el("span", { class: "short" }, ` — ${t("pay.sv_short")}`)] : []));
  }
  async function reloadAccount() {
    if (!st.account) return;
    try {
      st.account = await api("GET", `/api/payments/accounts/${st.account.id}`, undefined,
        { retries: 1 });
      showAccount();
    } catch (err) { /* the next lookup shows it */ }
  }

  // -- taking a payment -----------------------------------------------------------------------
  function body() {
    const b = { tender: st.tender, amount: fen($("pay-amount").value), tip: fen($("pay-tip").value) };
    if (st.tender === "cash" && $("pay-tendered").value) b.tendered = fen($("pay-tendered").value);
    if (st.tender === "wallet_scan") b.auth_code = $("pay-auth").value.trim();  // it says whose
    if (st.tender === "wallet_qr") b.wallet = document.querySelector("input[name=wallet-qr]:checked").value;
    if (st.tender === "stored_value") b.account_id = $("pay-account").value;
    return b;
  }

  async function take() {
    if (st.tender === "stored_value" && !$("pay-account").value) {
      toast(t("pay.sv_pick"), "error");
      $("sv-query").focus();
      return;
    }
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
      if (b.tender === "stored_value") await reloadAccount();
      changed();
    } catch (err) {
      if (err.status !== 0) st.key = null;  // offline: the retry must be the same payment
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
    showQr(p.status === "pending" && p.qr_content ? p : null);
  }

  // Our QR on the screen while the customer scans it; Cancel closes it at the provider.
  function showQr(p) {
    st.qr = p ? p.id : null;
    $("pay-qr-box").classList.toggle("hidden", !p);
    $("pay-qr-box").dataset.id = p ? p.id : "";
    if (p) $("pay-qr").src = `/pos/qr.svg?data=${encodeURIComponent(p.qr_content)}`;
  }
  $("pay-qr-cancel").addEventListener("click", async () => {
    if (!st.qr) return;
    const button = $("pay-qr-cancel");
    button.disabled = true;
    try {
      const p = await api("POST", `/api/payments/${st.qr}/cancel`, {});
      stopPolling();
      result(p);
    } catch (err) {
      const flagged = err.problem && err.problem.payment;
      if (flagged) { stopPolling(); result(flagged); }  // refused: flagged for a manager
      else showError(err);
    } finally {
      button.disabled = false;
      await refresh();
      changed();
    }
  });

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
        changed();
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

  // -- refunds: to the original tender, full or part, with a reason and a manager's PIN -------
  function openRefund(p) {
    st.refund = p;
    st.refundKey = null;
    const left = refundable(p);
    $("refund-what").textContent = `${t(`pay.${p.tender}`)} ${yuan(p.amount + p.tip)}`;
    $("refund-left").textContent = yuan(left);
    $("refund-amount").value = toYuan(left);
    $("refund-amount").max = toYuan(left);
    for (const id of ["refund-reason", "refund-manager", "refund-pin"]) $(id).value = "";
    $("refund-error").classList.add("hidden");
    $("refund-error").textContent = "";
    $("refund-dialog").returnValue = "";
    $("refund-dialog").showModal();
    setTimeout(() => $("refund-reason").focus(), 0);
  }
  for (const id of ["refund-amount", "refund-reason", "refund-manager", "refund-pin"]) {
    $(id).addEventListener("input", () => { st.refundKey = null; });
  }

  $("refund-form").addEventListener("submit", async (e) => {
    if (e.submitter && e.submitter.value === "cancel") return;  // closes the dialog
    e.preventDefault();
    const error = $("refund-error");
    const amount = fen($("refund-amount").value);
    const request = { amount, reason: $("refund-reason").value.trim(),
      approval: { staff_code: $("refund-manager").value.trim(), pin: $("refund-pin").value } };
    st.refundKey = st.refundKey || Hearth.newKey();
    $("refund-ok").disabled = true;
    try {
      const r = await api("POST", `/api/payments/${st.refund.id}/refund`, request,
        { key: st.refundKey });
      st.refundKey = null;
      $("refund-dialog").close("done");
      const words = Hearth.lang === "zh" ? r.refund.message_zh : r.refund.message_en;
      const box = $("pay-result");
      box.classList.remove("hidden");
      box.dataset.status = `refund-${r.refund.status}`;
      box.replaceChildren(el("p", { class: r.refund.status === "failed" ? "ps-failed" :
        "ps-refunded", id: "refund-said" }, words));
      toast(words, r.refund.status === "failed" ? "error" : "ok");
      await refresh();
      changed();
    } catch (err) {
      if (err.status !== 0) st.refundKey = null;  // refused: corrected, it is a new request
      error.textContent = problemText(err);  // the refusal, in the dialog where it happened
      error.classList.remove("hidden");
      $("refund-pin").value = "";
    } finally {
      $("refund-ok").disabled = false;
    }
  });

  // -- the cash shift: open with a float, pay in and out, close with the counted cash ---------
  function showShift() {
    const shift = st.shift;
    $("shift-info").textContent = shift ?
      `${t("pay.shift_expected")} ${yuan(shift.expected)}` : t("pay.no_shift");
    $("shift-info").dataset.expected = shift ? String(shift.expected) : "";
    $("shift-label").textContent = shift ? t("pay.shift_close") : t("pay.shift_open");
    $("shift-moves").classList.toggle("hidden", !shift);
    $("shift-dialog").dataset.state = shift ? "open" : "none";
  }

  $("shift-btn").addEventListener("click", async () => {
    let shift = null;
    try {
      shift = await api("GET", "/api/shifts/current", undefined, { retries: 1 });
    } catch (err) {
      if (err.code !== "shift-not-open") { showError(err); return; }
    }
    st.shift = shift;
    for (const id of ["shift-amount", "move-amount", "move-reason"]) $(id).value = "";
    $("move-note").textContent = "";
    $("shift-main").classList.remove("hidden");
    $("shift-result").classList.add("hidden");
    showShift();
    $("shift-dialog").showModal();
  });

  async function shiftOk() {
    if ($("shift-amount").value === "") {
      toast(t("pay.amount_needed"), "error");
      $("shift-amount").focus();
      return;
    }
    const amount = fen($("shift-amount").value);
    $("shift-ok").disabled = true;
    try {
      if (st.shift) {
        const closed = await api("POST", `/api/shifts/${st.shift.id}/close`, { counted: amount });
        st.shift = null;
        showClosed(closed);
      } else {
        st.shift = await api("POST", "/api/shifts/open", { float: amount });
        $("shift-amount").value = "";
        showShift();
        toast(t("pay.shift_opened"), "ok");
      }
    } catch (err) {
      showError(err);
    } finally {
      $("shift-ok").disabled = false;
    }
  }
  $("shift-ok").addEventListener("click", shiftOk);

  // The close's result stays on screen: expected, counted, and over or short by how much.
  function showClosed(c) {
    $("shift-main").classList.add("hidden");
    $("shift-moves").classList.add("hidden");
    $("shift-info").textContent = "";
    $("shift-expected").textContent = yuan(c.expected);
    $("shift-counted").textContent = yuan(c.counted);
    const diff = c.difference;
    $("shift-difference").textContent = `${diff > 0 ? "+" : ""}${yuan(diff)}`;
    $("shift-difference").dataset.fen = String(diff);
    const verdict = diff > 0 ? "over" : diff < 0 ? "short" : "even";
    $("shift-result").dataset.verdict = verdict;
    $("shift-verdict").textContent = t(`pay.shift_${verdict}`);
    $("shift-result").classList.remove("hidden");
    $("shift-dialog").dataset.state = "closed";
  }

  async function moveCash(kind) {
    const amount = fen($("move-amount").value);
    const reason = $("move-reason").value.trim();
    if (amount <= 0) { toast(t("pay.amount_needed"), "error"); $("move-amount").focus(); return; }
    if (!reason) { toast(t("pay.reason_needed"), "error"); $("move-reason").focus(); return; }
    const buttons = [$("pay-in"), $("pay-out")];
    for (const b of buttons) b.disabled = true;  // a double tap must not move the cash twice
    try {
      st.shift = await api("POST", `/api/shifts/${st.shift.id}/${kind}`, { amount, reason });
      $("move-note").textContent =
        `${t(kind === "pay-in" ? "pay.moved_in" : "pay.moved_out")} ${yuan(amount)} · ${reason}`;
      $("move-amount").value = "";
      $("move-reason").value = "";
      showShift();
    } catch (err) {
      showError(err);
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  }
  $("pay-in").addEventListener("click", () => moveCash("pay-in"));
  $("pay-out").addEventListener("click", () => moveCash("pay-out"));

  // Enter in a field does the field's action instead of closing the dialog.
  $("shift-amount").addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); shiftOk(); }
  });
  for (const id of ["move-amount", "move-reason"]) {
    $(id).addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
  }

  return { open };
})();
