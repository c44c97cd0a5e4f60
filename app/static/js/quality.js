// Draws the QA report's chart (review outcomes by advisor) from the JSON route in #report-data;
// the table under it holds every number, so the page says everything without JavaScript.
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source || typeof window.Chart === "undefined" || !window.fetch) { return; }
  fetch(source.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (report) {
      var canvas = document.querySelector('canvas[data-chart="qa-outcomes"]');
      if (!report || !canvas) { return; }
      var rows = report.by_advisor;
      function series(label, key, colour) {
        return { label: label, data: rows.map(function (r) { return r[key]; }), backgroundColor: colour };
      }
      new window.Chart(canvas, {
        type: "bar",
        data: { labels: rows.map(function (r) { return r.advisor; }),
                datasets: [series("Pass", "pass", "#1f6f50"), series("Needs coaching", "needs_coaching", "#b07d00"),
                           series("Fail", "fail", "#8c1d18"), series("Awaiting", "awaiting", "#8aa1b4")] },
        options: { responsive: true, maintainAspectRatio: false, animation: false, indexAxis: "y",
                   scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } }
      });
    });
})();
