// Polls an upload's progress.json while it is queued or running; reloads the page once it has finished.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = box.querySelector("[data-role=bar]");
  var text = box.querySelector("[data-role=text]");
  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        // Logged out or no longer allowed: the page itself says so (or sends to the login page).
        if (!response.ok) { window.location.reload(); return null; }
        return response.json();
      })
      .then(function (data) {
        if (data === null) { return; }
        if (data.finished) { window.location.reload(); return; }
        if (data.percent === null) {
          text.textContent = data.status_label + "，已检查 " + data.rows_done + " 行……";
        } else {
          bar.classList.remove("progress-bar-animated");
          bar.style.width = data.percent + "%";
          text.textContent = data.status_label + "，" + data.rows_done + " / " + data.rows_total + " 行（" + data.percent + "%）";
        }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
