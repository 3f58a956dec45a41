// The account page's session timer: counts down the time the SSO session has left
// (idle and absolute, from GET /account/session, which does not itself extend it),
// warns before it ends, and "Stay signed in" extends the idle timeout without leaving
// the page. Without this script the numbers are still shown and the button still works.
(function () {
  "use strict";
  var box = document.getElementById("session-time");
  if (!box) { return; }
  var form = document.getElementById("stay-signed-in");
  var idleText = document.getElementById("idle-left");
  var absoluteText = document.getElementById("absolute-left");
  var warning = document.getElementById("session-warning");
  var ended = document.getElementById("session-ended");
  var warnBefore = parseInt(box.getAttribute("data-warn-before"), 10) || 300;
  var idleEnds = 0;
  var absoluteEnds = 0;

  function set(state) {
    var now = Date.now() / 1000;
    idleEnds = now + state.idle_seconds_left;
    absoluteEnds = now + state.absolute_seconds_left;
    render();
  }
  function words(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    if (hours > 0) { return hours + " h " + minutes + " min"; }
    if (minutes > 0) { return minutes + " min " + rest + " s"; }
    return rest + " s";
  }
  function render() {
    var now = Date.now() / 1000;
    var idle = idleEnds - now;
    var absolute = absoluteEnds - now;
    idleText.textContent = words(idle);
    absoluteText.textContent = words(absolute);
    box.setAttribute("data-idle-left", String(Math.max(0, Math.round(idle))));
    var over = idle <= 0 || absolute <= 0;
    ended.hidden = !over;
    warning.hidden = over || idle > warnBefore;
    if (form) { form.hidden = over; }
  }
  function refresh() {
    fetch("/account/session", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) { set({ idle_seconds_left: 0, absolute_seconds_left: 0 }); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (state) { if (state) { set(state); } })
      .catch(function () { /* offline: keep counting */ });
  }
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
        body: new URLSearchParams(new FormData(form)),
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) { if (state) { set(state); } else { refresh(); } })
        .catch(function () { form.submit(); });
    });
  }
  set({
    idle_seconds_left: parseInt(box.getAttribute("data-idle-left"), 10) || 0,
    absolute_seconds_left: parseInt(box.getAttribute("data-absolute-left"), 10) || 0,
  });
  window.setInterval(render, 1000);
  window.setInterval(refresh, 60000);
  // Back to this tab (another tab may have used or ended the session): ask again.
  window.addEventListener("focus", refresh);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refresh(); }
  });
})();
