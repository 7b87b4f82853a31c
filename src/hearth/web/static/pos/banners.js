// The POS's banners (static/pos.js loads this module): payment providers down, delivery
// pacing and orders waiting, waiter calls. Each redraws when the till's live feed says so.
const { api, t, el } = Hearth;
const $ = (id) => document.getElementById(id);

// -- the standing status banner: which payment provider is unreachable and what still works.
//    Cash and stored value live on the store node, so they always work. ----------------------
const LOCAL_TENDERS = ["status.cash", "status.stored_value"];

function listOf(words) {
  if (Hearth.lang === "zh") return words.join("、");
  return words.length < 2 ? words.join("") :
    `${words.slice(0, -1).join(", ")}${t("status.and")}${words[words.length - 1]}`;
}

function capital(text) { return text ? text[0].toUpperCase() + text.slice(1) : text; }

// A provider counts as down while its breaker is not closed, or while its latest calls
// failed (its health falls below 0.85 after one failure and climbs back with successes).
function providerDown(p) { return p.state !== "closed" || p.health < 0.85; }

export async function refreshStatus() {
  if (!localStorage.getItem("hearth_token")) return;
  const banner = $("status-banner");
  let providers;
  try {
    providers = (await api("GET", "/api/payments/providers", undefined, { retries: 1 }))
      .filter((p) => p.enabled);
  } catch (err) { return; }  // the offline banner already says the store node is unreachable
  const down = providers.filter(providerDown);
  const up = providers.filter((p) => !providerDown(p));
  banner.classList.toggle("hidden", !down.length);
  banner.dataset.down = down.map((p) => p.name).join(",");
  if (!down.length) return;
  const label = (p) => t(`provider.${p.name}`);
  const ok = listOf([...up.map(label), ...LOCAL_TENDERS.map(t)]);
  const key = !up.length ? "status.all_down" :
    (down.length === 1 ? "status.down_one" : "status.down_many");
  banner.dataset.kind = up.length ? "some" : "all";
  banner.textContent = capital(t(key).replace("{down}", listOf(down.map(label)))
    .replace("{ok}", ok));
}

// -- the delivery banner: pacing (slowed, paused), and platform orders waiting for a person
//    (held after an outage, or waiting to be accepted by hand), with a link to deal with them.
//    Shown only where the delivery module serves it ------------------------------------------
let pacingOn = true;
export async function refreshPacing() {
  if (!pacingOn || !localStorage.getItem("hearth_token")) return;
  const banner = $("pacing-banner");
  try {
    const p = await api("GET", "/api/delivery/pacing", undefined, { retries: 1 });
    const pending = p.auto_accept ? 0 : (await api("GET", "/api/delivery/orders?state=pending",
      undefined, { retries: 1 })).length;
    const held = p.held_orders || 0;
    const parts = [];
    if (p.state !== "normal") {
      const text = Hearth.lang === "zh" ? p.message_zh : p.message_en;
      parts.push(`${t("pacing.title")}: ${text || p.state}` +
        (p.quoted_minutes ? ` · ${p.quoted_minutes} ${t("pos.minutes")}` : ""));
    }
    if (held) parts.push(t("pacing.held").replace("{n}", held));
    if (pending) parts.push(t("pacing.pending").replace("{n}", pending));
    banner.classList.toggle("hidden", !parts.length);
    banner.dataset.state = p.state;
    banner.dataset.held = String(held);
    banner.dataset.pending = String(pending);
    banner.replaceChildren(el("span", {}, parts.join(" · ")), " ",
      held || pending ? el("a", { href: "/delivery", id: "pacing-link" }, t("pacing.open")) :
        null);
  } catch (err) {
    if (err.status === 404 || err.status === 403) pacingOn = false;  // not in this store
    banner.classList.add("hidden");
  }
}

// A tap on the calls banner marks those calls seen on this till; a newer call shows it again.
$("calls").addEventListener("click", () => {
  localStorage.setItem("hearth_calls_seen", $("calls").dataset.seq || "0");
  $("calls").classList.add("hidden");
});

export async function refreshCalls() {
  if (!localStorage.getItem("hearth_token")) return;
  try {
    const seen = Number(localStorage.getItem("hearth_calls_seen") || 0);
    const calls = (await api("GET", "/api/waiter-calls", undefined, { retries: 1 }))
      .filter((c) => c.seq > seen);
    const b = $("calls");
    b.classList.toggle("hidden", !calls.length);
    b.dataset.seq = String(Math.max(seen, ...calls.map((c) => c.seq)));
    b.textContent = `${t("pos.waiter_calls")}: ` +
      `${[...new Set(calls.map((c) => c.code))].join(", ")} · ${t("pos.calls_ack")}`;
  } catch (err) { /* the banner says we are offline */ }
}

// -- the alerts banner (ops module): the worst open alert's cause and its fix, and how many
//    more there are. Made here under the pacing banner; reads /api/ops/alerts/banner every 5 s
//    and stops asking where the ops module does not answer --------------------------------------
let alertsOn = true;
export async function refreshAlerts() {
  if (!alertsOn || !localStorage.getItem("hearth_token")) return;
  let banner = $("alerts-banner");
  if (!banner) {
    banner = el("div", { id: "alerts-banner", class: "banner alerts hidden", role: "status" });
    $("pacing-banner").after(banner);
  }
  try {
    const open = await api("GET", "/api/ops/alerts/banner", undefined, { retries: 1 });
    banner.classList.toggle("hidden", !open.length);
    banner.dataset.keys = open.map((a) => a.key).join(",");
    if (!open.length) return;
    const zh = Hearth.lang === "zh";
    const a = open[0];
    banner.dataset.severity = a.severity;
    banner.style.background = a.severity === "fail" ? "" : "var(--warn)";
    banner.replaceChildren(el("span", {}, zh ? a.cause_zh : a.cause_en), " · ",
      el("span", { class: "alert-fix" }, `${t("alerts.banner_fix")}: ${zh ? a.fix_zh : a.fix_en}`),
      open.length > 1 ? ` · ${t("alerts.banner_more").replace("{n}", open.length - 1)}` : "");
  } catch (err) {
    if (err.status === 404 || err.status === 403) alertsOn = false;
    banner.classList.add("hidden");
  }
}
refreshAlerts();
setInterval(refreshAlerts, 3000);
