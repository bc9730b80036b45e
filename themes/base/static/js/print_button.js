// Buttons marked data-print print the page: the one home for print buttons, since CSP
// forbids inline onclick handlers. Buttons hidden until scripts run are shown here.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
