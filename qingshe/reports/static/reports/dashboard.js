/* Dashboard charts (ECharts, served locally). The figures come from the page's json_script
   element; each chart's numbers are also in the table beside it, which is what prints. */
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("dash-data");
    if (!holder || !window.echarts) { return; }
    var data = JSON.parse(holder.textContent);
    var colours = ["#c0392b", "#2a6f97", "#e0a100", "#2e8b57", "#7b5ea7"];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = data[el.getAttribute("data-chart")];
      if (!spec) { return; }
      var kind = el.getAttribute("data-kind");
      var horizontal = kind === "hbar";
      if (horizontal) {
        // One band per label, so that long lists (majors, organisations) stay readable.
        var bands = spec.labels.length * spec.series.length;
        el.style.height = Math.max(300, 80 + bands * 18) + "px";
      }
      var twoAxes = spec.series.some(function (s) { return s.axis === 1; });
      var category = { type: "category", data: spec.labels, axisLabel: { interval: 0, rotate: horizontal ? 0 : (spec.labels.length > 6 ? 40 : 0) } };
      var values = twoAxes ? [{ type: "value" }, { type: "value" }] : { type: "value" };
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        color: colours,
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0, type: "scroll" },
        grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
        xAxis: horizontal ? { type: "value" } : category,
        yAxis: horizontal ? Object.assign({}, category, { inverse: true }) : values,
        series: spec.series.map(function (s) {
          return {
            name: s.name,
            type: kind === "line" ? "line" : "bar",
            data: s.data,
            yAxisIndex: twoAxes && s.axis === 1 ? 1 : 0
          };
        })
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
