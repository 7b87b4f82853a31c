// Staff sign-in, one copy for the POS, the KDS and the delivery board: the device's terminal key
// (typed once, or taken from a ?key=… link), then a staff code and PIN on a keypad. The markup is
// templates/_signin.html. A page hands over its own show(view) and what to do once signed in.
"use strict";

const SignIn = (() => {
  const { api, el, showError } = Hearth;
  const $ = (id) => document.getElementById(id);
  const KEY = "hearth_terminal_key";
  const TOKEN = "hearth_token";
  const WHO = "hearth_staff_name";

  // A link with ?key=… registers the device, and the key leaves the address bar at once so it
  // is not bookmarked or shown over a shoulder.
  function takeKeyFromLink() {
    const params = new URLSearchParams(location.search);
    if (!params.get("key")) return;
    localStorage.setItem(KEY, params.get("key"));
    params.delete("key");
    const rest = params.toString();
    history.replaceState(null, "", `${location.pathname}${rest ? `?${rest}` : ""}`);
  }

  function signOut() {
    localStorage.removeItem(TOKEN);
    location.reload();
  }

  // ``show(view)`` shows "register", "login" or one of the page's own views; ``onSignedIn`` runs
  // after a good PIN. Returns ``ensure()``: true when this device holds a live staff session,
  // otherwise it shows the register or PIN form and answers false.
  function mount({ show, onSignedIn }) {
    function showLogin() {
      show("login");
      const pad = $("keypad");
      if (!pad.childElementCount) {
        for (const k of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "C"]) {
          pad.appendChild(el("button", { type: "button", onclick: () => {
            const pin = $("pin");
            if (k === "⌫") pin.value = pin.value.slice(0, -1);
            else if (k === "C") pin.value = "";
            else pin.value += k;
          } }, k));
        }
      }
      $("staff-code").focus();
    }

    $("register-form").addEventListener("submit", (e) => {
      e.preventDefault();
      localStorage.setItem(KEY, $("terminal-key").value.trim());
      showLogin();
    });

    $("login-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const res = await api("POST", "/api/auth/pin",
          { staff_code: $("staff-code").value.trim(), pin: $("pin").value },
          { token: null, headers: { "X-Terminal-Key": localStorage.getItem(KEY) || "" } });
        localStorage.setItem(TOKEN, res.access_token);
        localStorage.setItem(WHO, `${res.staff.name} · ${res.staff.role}`);
        $("pin").value = "";
        onSignedIn();
      } catch (err) {
        $("pin").value = "";
        if (err.code === "terminal-not-registered") localStorage.removeItem(KEY);
        showError(err);
      }
    });

    const out = $("sign-out");
    if (out) out.addEventListener("click", signOut);

    async function ensure() {
      takeKeyFromLink();
      if (!localStorage.getItem(KEY)) { show("register"); return false; }
      if (!localStorage.getItem(TOKEN)) { showLogin(); return false; }
      try {
        await api("GET", "/api/auth/me");
      } catch (err) {
        localStorage.removeItem(TOKEN);
        showLogin();
        return false;
      }
      const who = $("who");
      if (who) who.textContent = localStorage.getItem(WHO) || "";
      return true;
    }

    // A page whose session ran out mid-shift (a 401) goes back to the PIN form.
    function expired() {
      localStorage.removeItem(TOKEN);
      showLogin();
    }

    return { ensure, expired, showLogin };
  }

  return { mount, signOut };
})();
