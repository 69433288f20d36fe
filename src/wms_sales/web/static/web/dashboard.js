/* wms-sales statistics: draws the dashboard's charts with the vendored Chart.js from the
   JSON the page carries (#dashboard-charts), and again after htmx swaps the dashboard. */
(function () {
  "use strict";

  var REDUCED_MOTION = window.matchMedia("(prefers-reduced-motion: reduce)");
  var PALETTE = ["#1f6feb", "#2ca02c", "#d62728", "#ff7f0e", "#9467bd", "#17a2b8",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];

  function numberFormat(options) {
    var format = new Intl.NumberFormat(document.documentElement.lang || undefined, options);
    return function (value) { return value === null || value === undefined ? "—" : format.format(value); };
  }

  function axis(title, format) {
    return {
      title: { display: Boolean(title), text: title || "" },
      ticks: format ? { callback: function (value) { return format(value); } } : {},
      beginAtZero: true
    };
  }

  function config(spec) {
    var percent = Boolean(spec.percent);
    var format = percent ? function (v) { return numberFormat({ maximumFractionDigits: 1 })(v) + "%"; }
                         : numberFormat({ maximumFractionDigits: 2 });
    var datasets = spec.datasets.map(function (set, index) {
      var color = PALETTE[index % PALETTE.length];
      var dataset = { label: set.label, data: set.data };
      if (spec.type === "doughnut") {
        dataset.backgroundColor = spec.colors || PALETTE;
      } else if (spec.type === "line") {
        Object.assign(dataset, { borderColor: color, backgroundColor: color, tension: 0.25,
                                 pointRadius: spec.labels.length > 45 ? 0 : 3, spanGaps: true });
      } else {
        Object.assign(dataset, { backgroundColor: color, borderRadius: 3, maxBarThickness: 26 });
      }
      return dataset;
    });
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: REDUCED_MOTION.matches ? false : { duration: 300 },
      plugins: {
        legend: { display: spec.type === "doughnut" || datasets.length > 1, position: "bottom" },
        tooltip: { callbacks: { label: function (item) {
          var value = spec.type === "doughnut" ? item.raw : item.parsed[spec.horizontal ? "x" : "y"];
          return (item.dataset.label && spec.type !== "doughnut" ? item.dataset.label + ": " : item.label + ": ") + format(value);
        } } }
      }
    };
    if (spec.type !== "doughnut") {
      var values = axis(spec.horizontal ? spec.x_title : spec.y_title, format);
      var categories = axis(spec.horizontal ? spec.y_title : spec.x_title);
      if (spec.stacked) { values.stacked = true; categories.stacked = true; }
      options.indexAxis = spec.horizontal ? "y" : "x";
      options.scales = spec.horizontal ? { x: values, y: categories } : { x: categories, y: values };
    }
    return { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function draw(root) {
    var source = document.getElementById("dashboard-charts");
    if (!source || typeof Chart === "undefined") { return; }
    var specs = JSON.parse(source.textContent);
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = specs[canvas.dataset.chart];
      var existing = Chart.getChart(canvas);
      if (existing) { existing.destroy(); }
      if (!spec) { return; }
      if (spec.horizontal) {  // room for every bar, however many there are
        canvas.parentElement.style.height = (70 + 30 * spec.labels.length) + "px";
      }
      new Chart(canvas, config(spec));
    });
  }

  // A choice in a select applies at once; dates wait for "Apply" (typing one fires change
  // on every digit). requestSubmit goes through htmx when it is there, else a plain GET.
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form.report-filters");
    // (isConnected: a form already swapped out would submit as a plain page load.)
    if (form && form.isConnected && event.target.tagName === "SELECT") { form.requestSubmit(); }
  });

  // Enter in a typed field applies what was typed: left to the browser, it would press the
  // form's first button, a quick range that throws the typed dates away.
  document.addEventListener("keydown", function (event) {
    var form = event.target.closest && event.target.closest("form.report-filters");
    if (!form || event.key !== "Enter" || event.target.tagName !== "INPUT") { return; }
    event.preventDefault();
    form.requestSubmit(form.querySelector("button.apply"));
  });

  document.addEventListener("htmx:load", function (event) { draw(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  } else {
    draw(document);
  }
}());
