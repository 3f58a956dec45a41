// Front-Channel Logout 1.0 §4: once every application's logout page has loaded (or
// after a few seconds, whichever comes first), continue to the application.
(function () {
  "use strict";
  var next = document.getElementById("continue");
  var frames = document.querySelectorAll("iframe.logout-frame");
  var pending = frames.length;
  var done = false;
  function go() {
    if (!done) {
      done = true;
      window.location.assign(next.href);
    }
  }
  frames.forEach(function (frame) {
    frame.addEventListener("load", function () {
      pending -= 1;
      if (pending <= 0) { go(); }
    });
  });
  if (pending === 0) { go(); }
  window.setTimeout(go, 5000);
})();
