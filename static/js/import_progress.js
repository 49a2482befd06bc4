// Polls an upload's progress.json while it is queued or running; reloads the page once it has finished.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = box.querySelector("[data-role=bar]");
  var text = box.querySelector("[data-role=text]");
  // The wording comes from the page (the catalogue); {name} is replaced by the progress field of that name.
  function fill(template, data) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return name === "status" ? data.status_label : name === "done" ? data.rows_done : name === "total" ? data.rows_total : data.percent;
    });
  }
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
          text.textContent = fill(box.dataset.checkingText, data);
        } else {
          bar.classList.remove("progress-bar-animated");
          bar.style.width = data.percent + "%";
          text.textContent = fill(box.dataset.countingText, data);
        }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
