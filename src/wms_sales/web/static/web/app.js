// Every page: after a refused form, show the first error and put the cursor in its field;
// a form refused at an action's URL (/orders/7/reject/) shows the document's own URL.
(() => {
  function showFirstError(root) {
    const field = root.querySelector("[aria-invalid=true]");
    const error = field || root.querySelector(".error, .errorlist, .form-errors");
    if (!error) return;
    error.scrollIntoView({ block: "center" });
    if (field && typeof field.focus === "function") field.focus({ preventScroll: true });
  }

  // "Return all" and the like: fill each input of a table with the value it offers.
  document.addEventListener("click", (event) => {
    const button = event.target.closest?.("[data-fill-all]");
    if (!button) return;
    document.querySelectorAll(`${button.dataset.fillAll} input[data-fill]`).forEach((input) => {
      input.value = input.dataset.fill;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });

  // A form that asks first (data-confirm): no inline handler, the policy allows none.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset?.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  }, true);

  function start() {
    const shown = document.querySelector("meta[name=page-url]");
    if (shown && shown.content !== location.pathname) history.replaceState(null, "", shown.content);
    showFirstError(document);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
