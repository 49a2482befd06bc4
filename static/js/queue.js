// The queue's 批量设置状态: 全选本页, the count of ticked rows, and only the fields the chosen status needs.
// Without JavaScript the form works all the same (every field shown; the server checks the rules).
(function () {
  "use strict";
  var form = document.getElementById("entry-bulk");
  if (!form) { return; }
  var boxes = function () { return document.querySelectorAll("input[name=ids][form=entry-bulk]"); };
  var counter = form.querySelector("[data-ticked-count]");
  var update = function () {
    var ticked = 0;
    boxes().forEach(function (box) { if (box.checked) { ticked += 1; } });
    if (counter) { counter.textContent = String(ticked); }
  };
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("input[data-select-all]")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches("input[data-select-all], input[name=ids][form=entry-bulk]")) {
      update();
      var ticked = form.querySelector("#bulk-scope-ticked");
      if (ticked) { ticked.checked = true; }
    }
  });
  var status = form.querySelector("select[name=status]");
  var showFields = function () {
    form.querySelectorAll("[data-bulk-for]").forEach(function (element) {
      element.hidden = element.getAttribute("data-bulk-for") !== status.value;
    });
  };
  if (status) { status.addEventListener("change", showFields); showFields(); }
  update();
})();
