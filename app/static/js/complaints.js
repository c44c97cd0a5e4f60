// Draws the complaints report's charts from the same figures as its tables, fetched from the JSON
// route named in #report-data (the CSP allows no inline script). Without JavaScript the tables say it all.
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source || typeof window.Chart === "undefined" || !window.fetch) { return; }
  fetch(source.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (report) { if (report) { drawAll(report); } });

  function rate(value) { return value === null ? null : parseFloat(value); }
  function draw(name, config) {
    var canvas = document.querySelector('canvas[data-chart="' + name + '"]');
    if (!canvas) { return; }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    new window.Chart(canvas, config);
  }
  function drawAll(report) {
    var RATE = "#8c1d18", COUNT = "#8aa1b4";
    draw("complaints-trend", {
      type: "line",
      data: { labels: report.trend.map(function (r) { return r.month; }),
              datasets: [{ label: "Complaints per 1,000 comparisons", data: report.trend.map(function (r) { return rate(r.per_1000); }),
                           borderColor: RATE, backgroundColor: RATE, yAxisID: "y" },
                         { label: "Complaints", type: "bar", data: report.trend.map(function (r) { return r.complaints; }),
                           backgroundColor: COUNT, yAxisID: "count" }] },
      options: { scales: { y: { beginAtZero: true }, count: { beginAtZero: true, position: "right", ticks: { precision: 0 },
                                                            grid: { drawOnChartArea: false } } } }
    });
    draw("complaints-by-category", {
      type: "bar",
      data: { labels: report.by_category.map(function (r) { return r.category; }),
              datasets: [{ label: "Per 1,000 comparisons", data: report.by_category.map(function (r) { return rate(r.per_1000); }),
                           backgroundColor: RATE }] },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } }
    });
  }
})();
