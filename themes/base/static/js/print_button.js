// Buttons marked data-print print the page (CSP forbids the inline onclick they had).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () {
    window.print();
  });
});
