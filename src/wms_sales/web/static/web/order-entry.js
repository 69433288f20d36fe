// Order entry: add and remove line rows, and prefill a row's unit price with the chosen
// product's list price. No amount is computed here: every change re-prices the lines on the
// server (htmx, see #order-lines) with the arithmetic the order is saved with.
(() => {
  const lines = () => document.getElementById("order-lines");

  document.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add-line]");
    if (add) {
      // The formset numbers rows by TOTAL_FORMS; removed rows leave gaps the server skips.
      const total = document.getElementById("id_lines-TOTAL_FORMS");
      const index = Number(total.value);
      const html = document.getElementById("line-template").innerHTML
        .replaceAll("__prefix__", String(index));
      const body = lines().querySelector("tbody");
      body.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const row = body.querySelector(`[name="lines-${index}-product"]`).closest("tr");
      htmx.process(row);
      row.querySelector("input[type=search]").focus();
      htmx.trigger(lines(), "lines-changed");
      return;
    }
    const remove = event.target.closest("[data-remove-line]");
    if (remove) {
      const row = remove.closest("tr");
      if (row.nextElementSibling?.classList.contains("line-errors")) row.nextElementSibling.remove();
      row.remove();
      htmx.trigger(lines(), "lines-changed");
    }
  });

  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-product]");
    if (!select) return;
    const option = select.selectedOptions[0];
    const price = select.closest("tr").querySelector("input[data-price]");
    if (price && option && option.dataset.price !== undefined) price.value = option.dataset.price;
  });
})();
