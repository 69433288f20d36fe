// Order entry without a mouse: each line has one search-and-pick control (type a SKU or a
// name, Enter picks the exact SKU or the highlighted product and moves to the quantity;
// Enter in the line's other fields moves to the next line, adding one at the end).
// No amount is computed here: every change re-prices the lines on the server (htmx, see
// #order-lines) with the arithmetic the order is saved with.
(() => {
  const lines = () => document.getElementById("order-lines");
  const SEARCH_DELAY_MS = 200;

  // --- the product control ---------------------------------------------------------------
  // Each control remembers the search its list shows and the request in flight, so that an
  // Enter typed before the list arrived waits for it instead of picking a stale product.
  const state = new WeakMap();
  const of = (input) => {
    if (!state.has(input)) state.set(input, { shown: null, pending: null, timer: null, active: -1 });
    return state.get(input);
  };
  const listOf = (input) => document.getElementById(input.getAttribute("aria-controls"));
  const options = (input) => [...listOf(input).querySelectorAll("[role=option]")];
  const rowOf = (element) => element.closest("tr.order-line");

  function close(input) {
    listOf(input).hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(input, index) {
    const all = options(input);
    const s = of(input);
    s.active = all.length ? (index + all.length) % all.length : -1;
    all.forEach((option, i) => option.setAttribute("aria-selected", String(i === s.active)));
    const current = all[s.active];
    if (current) {
      input.setAttribute("aria-activedescendant", current.id);
      current.scrollIntoView({ block: "nearest" });
    }
  }

  // A list is for a search in one warehouse: what is available depends on both.
  function warehouseOf(row) {
    return row.querySelector("select[name$='-warehouse']").value
      || document.getElementById("id_warehouse")?.value || "";
  }
  const keyOf = (input) => `${input.value.trim()}|${warehouseOf(rowOf(input))}`;

  function fetchOptions(text, warehouse) {
    const url = new URL(lines().dataset.optionsUrl, location.href);
    url.search = new URLSearchParams({ product_search: text, warehouse }).toString();
    return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : ""));
  }

  function search(input) {
    const s = of(input);
    const key = keyOf(input);
    if (s.pending && s.pending.key === key) return s.pending.done;
    const done = fetchOptions(input.value.trim(), warehouseOf(rowOf(input)))
      .then((html) => {
        if (keyOf(input) !== key) return; // typed on meanwhile: a newer search follows
        const list = listOf(input);
        list.innerHTML = html;
        s.shown = key;
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        highlight(input, 0);
      })
      .finally(() => { if (s.pending?.done === done) s.pending = null; });
    s.pending = { key, done };
    return done;
  }

  function showAvailable(row, option) {
    const available = row.querySelector(".available");
    available.textContent = option ? option.dataset.available : "";
    available.classList.toggle("short", Boolean(option?.hasAttribute("data-short")));
  }

  // Another warehouse for a picked product: say what is available there.
  function refreshAvailable(row) {
    const hidden = row.querySelector("input[data-product]");
    if (!hidden.value) return;
    const sku = row.querySelector("input.product-search").value.split(" · ")[0];
    fetchOptions(sku, warehouseOf(row)).then((html) => {
      const box = document.createElement("ul");
      box.innerHTML = html;
      showAvailable(row, box.querySelector(`[data-value="${hidden.value}"]`));
    });
  }

  document.addEventListener("change", (event) => {
    const select = event.target;
    if (select.matches?.("tr.order-line select[name$='-warehouse']")) {
      refreshAvailable(rowOf(select));
    } else if (select.id === "id_warehouse") {
      document.querySelectorAll("tr.order-line").forEach(refreshAvailable);
    }
  });

  function pick(input, option) {
    const row = rowOf(input);
    const hidden = row.querySelector("input[data-product]");
    input.value = option.dataset.label;
    of(input).shown = null;
    hidden.value = option.dataset.value;
    const price = row.querySelector("input[data-price]");
    if (price) price.value = option.dataset.price;
    const tax = row.querySelector("input[name$='-tax_rate_percent']");
    if (tax && option.dataset.tax !== undefined) tax.value = option.dataset.tax; // the product's default
    showAvailable(row, option);
    close(input);
    const quantity = row.querySelector("input[name$='-quantity']");
    quantity.focus();
    quantity.select();
    hidden.dispatchEvent(new Event("change", { bubbles: true })); // re-price
  }

  async function pickTyped(input) {
    const s = of(input);
    if (s.shown !== keyOf(input)) {
      clearTimeout(s.timer);
      await search(input);
    }
    const all = options(input);
    const chosen = all[s.active] || all[0];
    if (chosen) pick(input, chosen);
  }

  // Typing searches (and drops a pick that no longer matches the text); it is not a change
  // of the order, so it must not reach the re-pricing on #order-lines.
  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!input.matches?.("input.product-search")) return;
    event.stopPropagation();
    const s = of(input);
    const hidden = rowOf(input).querySelector("input[data-product]");
    if (hidden.value) {
      hidden.value = "";
      rowOf(input).querySelector(".available").textContent = "";
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }
    clearTimeout(s.timer);
    s.timer = setTimeout(() => search(input), SEARCH_DELAY_MS);
  }, true);

  document.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!input.closest?.("tr.order-line")) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault(); // Ctrl+Enter saves the order from any line
      input.form.requestSubmit();
      return;
    }
    if (input.matches("input.product-search")) {
      const list = listOf(input);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) { search(input); return; }
        highlight(input, of(input).active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Escape") {
        close(input);
      } else if (event.key === "Enter") {
        event.preventDefault(); // never submits the order
        if (input.value.trim()) pickTyped(input);
      }
      return;
    }
    if (event.key === "Enter" && input.matches("input, select")) {
      event.preventDefault();
      nextLine(rowOf(input));
    }
  });

  document.addEventListener("mousedown", (event) => {
    const option = event.target.closest("[role=option]");
    if (!option) return;
    event.preventDefault(); // keep the focus in the control
    const input = option.closest(".combobox").querySelector("input.product-search");
    pick(input, option);
  });

  document.addEventListener("focusout", (event) => {
    const input = event.target;
    if (input.matches?.("input.product-search")) close(input);
  });

  // A customer chosen before htmx started (a fast hand, a restored form) still gets their
  // addresses. (Not an hx-trigger filter: those need eval, which the policy forbids.)
  // Runs after htmx's own start (its DOMContentLoaded listener was added first).
  document.addEventListener("DOMContentLoaded", () => {
    const customer = document.getElementById("id_customer");
    const address = document.getElementById("id_delivery_address");
    if (customer?.hasAttribute("hx-get") && customer.value && address && !address.value) {
      htmx.trigger(customer, "change");
    }
  });

  // --- rows --------------------------------------------------------------------------------
  function addLine() {
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
    row.querySelector("input.product-search").focus();
    htmx.trigger(lines(), "lines-changed");
  }

  function nextLine(row) {
    let next = row.nextElementSibling;
    while (next && !next.matches("tr.order-line")) next = next.nextElementSibling;
    if (next) next.querySelector("input.product-search").focus();
    else addLine();
  }

  // A line removed while its re-pricing was on the way: its amount in the answer has no row
  // to go to any more (htmx would log oobErrorNoTarget), so it is dropped from the answer.
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target?.id !== "order-totals" || !event.detail.shouldSwap) return;
    const answer = document.createElement("template");
    answer.innerHTML = event.detail.serverResponse;
    const orphans = [...answer.content.querySelectorAll("[hx-swap-oob]")]
      .filter((element) => element.id && !document.getElementById(element.id));
    if (!orphans.length) return;
    orphans.forEach((element) => element.remove());
    event.detail.serverResponse = answer.innerHTML;
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-add-line]")) {
      addLine();
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
})();
