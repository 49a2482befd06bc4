// 查看完整信息 in the queue: the row's form is posted in the background and the row shows the full ID and phone.
// Without JavaScript the same form opens the entry's page with them. Every reveal is on record on the server.
// The failure wording comes from the form (data-failed-text, from the catalogue).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-reveal]")) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    if (button) { button.disabled = true; }
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      body: new FormData(form)
    })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        var row = form.closest("tr") || document;
        var key = row.querySelector("[data-field=key]");
        var phone = row.querySelector("[data-field=phone]");
        if (key) { key.textContent = data.key; }
        if (phone) { phone.textContent = data.phone || "—"; }
        form.remove();
      })
      .catch(function () {
        if (button) { button.disabled = false; button.textContent = form.dataset.failedText; }
      });
  });
})();
