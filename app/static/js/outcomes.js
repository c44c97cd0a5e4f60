// Draws the outcomes charts from the same figures as the tables under them, fetched from the JSON
// route named in #outcomes-data (the CSP allows no inline script). Each chart shows every group's
// figure and, beside it, its 95% interval as a floating bar; groups that differ from the rest
// after Holm's adjustment are drawn in the warning colour, and the table says so in words.
(function () {
  "use strict";
  var source = document.getElementById("outcomes-data");
  if (!source || typeof window.Chart === "undefined" || !window.fetch) { return; }
  fetch(source.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (report) { if (report) { drawAll(report); } });

  var FIGURE = "#1f6f50", DIFFERS = "#b3261e", INTERVAL = "rgba(138, 161, 180, 0.55)";

  function number(value, share) {
    if (value === null) { return null; }
    var parsed = parseFloat(value);
    return share ? Math.round(parsed * 1000) / 10 : parsed;
  }

  function draw(canvas, rows) {
    var share = rows.length && rows[0].unit === "share";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.group; }),
        datasets: [
          { label: share ? "Share (%)" : "Mean", data: rows.map(function (r) { return number(r.value, share); }),
            backgroundColor: rows.map(function (r) { return r.differs ? DIFFERS : FIGURE; }) },
          { label: "95% interval", data: rows.map(function (r) {
              return r.ci_low === null ? null : [number(r.ci_low, share), number(r.ci_high, share)]; }),
            backgroundColor: INTERVAL }
        ]
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 datasets: { bar: { maxBarThickness: 40 } },
                 scales: { y: share ? { beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + "%"; } } }
                                    : { beginAtZero: true } } }
    });
  }

  function drawAll(report) {
    var canvases = document.querySelectorAll("canvas[data-outcome-chart]");
    Array.prototype.forEach.call(canvases, function (canvas) {
      var measure = canvas.getAttribute("data-outcome-chart"), dimension = canvas.getAttribute("data-dimension"),
          product = canvas.getAttribute("data-product");
      var rows = report.rows.filter(function (r) {
        return r.measure === measure && r.dimension === dimension && (!product || r.product === product);
      });
      if (rows.length) { draw(canvas, rows); }
    });
  }
})();
