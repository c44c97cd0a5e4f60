// Draws the report charts from the same figures as the tables under them, fetched from the JSON
// route named in #report-data (the CSP allows no inline script, not even a data block). The
// tables hold every number, so the page says everything without JavaScript.
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source || typeof window.Chart === "undefined" || !window.fetch) { return; }
  fetch(source.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (report) { if (report) { drawAll(report); } });

  function drawAll(report) {
    var OURS = "#1f6f50", OTHER = "#8aa1b4", FAIL = "#b3261e";

    function percent(value) { return value === null ? null : Math.round(parseFloat(value) * 1000) / 10; }
    function percentAxis() {
      return { beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + "%"; } } };
    }
    function draw(name, config) {
      var canvas = document.querySelector('canvas[data-chart="' + name + '"]');
      if (!canvas) { return; }
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false,
        datasets: { bar: { maxBarThickness: 48 } },
        plugins: { legend: { display: config.data.datasets.length > 1 } } }, config.options || {});
      new window.Chart(canvas, config);
    }
    function shareBars(name, rows, key, label) {
      draw(name, {
        type: "bar",
        data: { labels: rows.map(function (r) { return r[key]; }),
                datasets: [{ label: label, data: rows.map(function (r) { return percent(r.house_first_share); }),
                             backgroundColor: OURS }] },
        options: { scales: { y: percentAxis() } }
      });
    }

    var overTime = report.house.over_time;
    draw("house-over-time", {
      type: "line",
      data: { labels: overTime.map(function (r) { return r.period; }),
              datasets: [{ label: "Our offer first (%)", data: overTime.map(function (r) { return percent(r.house_first_share); }),
                           borderColor: OURS, backgroundColor: OURS, yAxisID: "y" },
                         { label: "Recommendations", type: "bar", data: overTime.map(function (r) { return r.recommendations; }),
                           backgroundColor: OTHER, yAxisID: "count" }] },
      options: { scales: { y: percentAxis(), count: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } } }
    });
    shareBars("house-by-channel", report.house.by_channel, "channel", "Our offer first (%)");
    shareBars("house-by-region", report.segments.by_region, "region", "Our offer first (%)");
    shareBars("house-by-age-band", report.segments.by_age_band, "age_band", "Our offer first (%)");
    draw("house-rank", {
      type: "bar",
      data: { labels: report.house.house_rank.map(function (r) { return r.rank; }),
              datasets: [{ label: "Recommendations", data: report.house.house_rank.map(function (r) { return r.recommendations; }),
                           backgroundColor: OURS }] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    draw("override-rate", {
      type: "bar",
      data: { labels: report.overrides.by_advisor.map(function (r) { return r.advisor; }),
              datasets: [{ label: "Override rate (%)", data: report.overrides.by_advisor.map(function (r) { return percent(r.override_rate); }),
                           backgroundColor: OTHER }] },
      options: { indexAxis: "y", scales: { x: percentAxis() } }
    });
    draw("providers", {
      type: "bar",
      data: { labels: report.providers.map(function (r) { return r.name; }),
              datasets: [{ label: "Failure rate (%)", data: report.providers.map(function (r) { return percent(r.failure_rate); }),
                           backgroundColor: FAIL, xAxisID: "x" },
                         { label: "Median latency (ms)", data: report.providers.map(function (r) { return r.p50_ms; }),
                           backgroundColor: OTHER, xAxisID: "ms" }] },
      options: { indexAxis: "y", scales: { x: percentAxis(), ms: { beginAtZero: true, position: "top", grid: { drawOnChartArea: false } } } }
    });
  }
})();
