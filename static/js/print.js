// Buttons marked data-print open the browser's print dialog (the page's print stylesheet does the rest).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () {
    window.print();
  });
});
