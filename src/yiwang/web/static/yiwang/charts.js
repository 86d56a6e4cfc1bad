/* Small ECharts helpers. A chart is a <div class="chart" data-chart="bar" data-source="ID"> whose data
   sits in <script type="application/json" id="ID"> written by Django's json_script filter:
   {"labels": ["受理", ...], "values": [3, ...], "name": "待办数"}. Nothing here is inline. */
(function () {
  "use strict";

  var PALETTE = ["#1451b0", "#2f7be5", "#5b9bf0", "#177a3b", "#e39a00", "#c8161d", "#86909c"];
  var FONT = '"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif';

  function readData(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function barOption(data) {
    return {
      color: PALETTE,
      textStyle: { fontFamily: FONT },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.labels, inverse: true, axisTick: { show: false } },
      series: [
        {
          name: data.name || "",
          type: "bar",
          data: data.values,
          barMaxWidth: 22,
          itemStyle: { borderRadius: [0, 4, 4, 0] },
          label: { show: true, position: "right" },
        },
      ],
    };
  }

  function pieOption(data) {
    return {
      color: PALETTE,
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "item" },
      series: [
        {
          name: data.name || "",
          type: "pie",
          radius: ["45%", "70%"],
          data: data.labels.map(function (label, i) {
            return { name: label, value: data.values[i] };
          }),
        },
      ],
    };
  }

  var BUILDERS = { bar: barOption, pie: pieOption };

  function render(root) {
    if (typeof window.echarts === "undefined") return;
    var nodes = (root || document).querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(nodes, function (node) {
      var data = readData(node.getAttribute("data-source"));
      var build = BUILDERS[node.getAttribute("data-chart")];
      if (!data || !build || !data.labels || data.labels.length === 0) return;
      var chart = window.echarts.getInstanceByDom(node) || window.echarts.init(node, null, { renderer: "canvas" });
      chart.setOption(build(data), true);
      node.setAttribute("data-rendered", "true");
    });
  }

  function resizeAll() {
    if (typeof window.echarts === "undefined") return;
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (node) {
      var chart = window.echarts.getInstanceByDom(node);
      if (chart) chart.resize();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      render(document);
    });
  } else {
    render(document);
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    render(event.target);
  });
  window.addEventListener("resize", resizeAll);
})();
