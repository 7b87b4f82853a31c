// Hearth pages' shared helpers: API calls with idempotency keys, problem details shown in plain
// words, money in fen, two languages. No framework and nothing from the internet.
"use strict";

const Hearth = (() => {
  const T = window.HEARTH_TEXTS || {};
  const lang = document.documentElement.lang.startsWith("zh") ? "zh" : "en";

  function t(key) { return (T[key] && (T[key][lang] || T[key].en)) || key; }
  function name(obj) { return lang === "zh" ? obj.name_zh : obj.name_en; }
  // Money a person typed ("12", "12.5", "12.50", ".5" yuan) -> integer fen, by string
  // arithmetic: 0.1 + 0.2 in floating point is not 0.3, and a till must not be a fen out.
  // More than two decimals, a sign, spaces inside or any other text is refused: null.
  // The same rule reads percentages into basis points ("6.5" % -> 650).
  function parseFen(text) {
    const m = /^(\d*)(?:\.(\d{0,2}))?$/.exec(String(text ?? "").trim());
    if (!m || (m[1] === "" && !m[2])) return null;
    const fen = Number(m[1] || "0") * 100 + Number((m[2] || "").padEnd(2, "0"));
    return Number.isSafeInteger(fen) ? fen : null;
  }
  // Fen -> the plain text a money field holds ("12.50"), the inverse of parseFen.
  function fenText(fen) {
    const abs = Math.abs(fen);
    return `${fen < 0 ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
  }
  function yuan(fen) { return `${fen < 0 ? "-" : ""}¥${fenText(Math.abs(fen))}`; }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  }

  class ApiError extends Error {
    constructor(problem) {
      super(problem.detail || problem.title || "error");
      this.problem = problem;
      this.status = problem.status;
      this.code = problem.code;
    }
  }

  // Every change carries an Idempotency-Key; a retry after a network error reuses the same key,
  // so a flaky Wi-Fi can never place an order twice.
  async function api(method, path, body, opts = {}) {
    const headers = { "Accept": "application/json" };
    const token = opts.token !== undefined ? opts.token : localStorage.getItem("hearth_token");
    if (token) headers["Authorization"] = `Bearer ${token}`;
    if (opts.headers) Object.assign(headers, opts.headers);
    if (method !== "GET") headers["Idempotency-Key"] = opts.key || newKey();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let lastError;
    for (let attempt = 0; attempt < (opts.retries ?? 3); attempt++) {
      try {
        const res = await fetch(path, { method, headers,
          body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await res.text();
        const data = text ? JSON.parse(text) : null;
        if (!res.ok) throw new ApiError(data || { status: res.status, title: res.statusText });
        online(true);
        return data;
      } catch (err) {
        if (err instanceof ApiError) throw err;
        lastError = err;
        online(false);
        await new Promise((r) => setTimeout(r, 400 * (attempt + 1)));
      }
    }
    throw new ApiError({ status: 0, code: "offline", title: t("offline"), detail: t("offline") });
  }

  function online(ok) {
    const banner = document.getElementById("offline-banner");
    if (!banner) return;
    banner.textContent = t("offline");
    banner.classList.toggle("hidden", ok);
  }

  function toast(message, kind = "info") {
    let box = document.getElementById("toasts");
    if (!box) {
      box = document.createElement("div");
      box.id = "toasts";
      document.body.appendChild(box);
    }
    const el = document.createElement("div");
    el.className = `toast ${kind}`;
    el.setAttribute("role", kind === "error" ? "alert" : "status");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(() => el.remove(), kind === "error" ? 6000 : 3000);
  }

  // A problem's title in the page's language (title_zh from the module's error catalogue).
  function problemTitle(p) { return (lang === "zh" && p.title_zh) || p.title; }

  function showError(err) {
    const p = err.problem || {};
    const title = problemTitle(p);
    const msg = title && p.detail && p.detail !== p.title ? `${title}: ${p.detail}` :
      (title || err.message);
    toast(msg, "error");
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (v !== false && v !== null && v !== undefined) node.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "string" || typeof c === "number" ?
        document.createTextNode(String(c)) : c);
    }
    return node;
  }

  return { api, ApiError, t, name, yuan, parseFen, fenText, newKey, toast, showError, problemTitle, el, lang,
    online };
})();
