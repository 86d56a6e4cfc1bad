/* Small ECharts helpers. A chart is a <div class="chart" data-chart="bar" data-source="ID"> whose data
   sits in <script type="application/json" id="ID"> written by Django's json_script filter:
   {"labels": ["受理", ...], "values": [3, ...], "name": "待办数"}. Nothing here is inline.
   Kinds: "bar" (horizontal bars, categories down the side), "pie", and "column" (vertical columns, e.g.
   months along the bottom) which also reads optional "titles" (tooltip heading per category, e.g.
   "2026年2月" when the axis says "2月"), "unit" (e.g. "件") and "series" ([{"name", "values"}] for
   several columns per category instead of "name"/"values"). */
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

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  /* Which category labels fit: all when there is room (about 40 px each), else every n-th one; labels
     carrying a second line (the year under "1月") are always kept and their neighbours give way. */
  function columnLabelInterval(node, labels) {
    var marked = labels.map(function (label) {
      return String(label).indexOf("\n") >= 0;
    });
    return function (index) {
      var width = node.clientWidth || 300;
      var step = Math.ceil(40 / Math.max(1, (width - 48) / labels.length));
      if (step <= 1 || marked[index]) return true;
      if (index % step !== 0) return false;
      for (var i = Math.max(0, index - step + 1); i < Math.min(labels.length, index + step); i++) {
        if (marked[i]) return false;
      }
      return true;
    };
  }

  function columnOption(data, node) {
    var titles = data.titles || data.labels;
    var unit = data.unit || "";
    var series = data.series || [{ name: data.name || "", values: data.values }];
    var many = series.length > 1;
    return {
      color: PALETTE,
      textStyle: { fontFamily: FONT },
      legend: { show: many, top: 0, itemWidth: 14, itemHeight: 10 },
      grid: { left: 8, right: 16, top: many ? 40 : 28, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis",
        confine: true,
        axisPointer: { type: "shadow" },
        formatter: function (params) {
          var list = [].concat(params);
          if (list.length === 0) return "";
          var lines = ["<strong>" + escapeHtml(titles[list[0].dataIndex]) + "</strong>"];
          list.forEach(function (item) {
            lines.push(
              item.marker + escapeHtml(item.seriesName) + "：" + escapeHtml(item.value) + (unit ? " " + escapeHtml(unit) : "")
            );
          });
          return lines.join("<br>");
        },
      },
      xAxis: {
        type: "category",
        data: data.labels,
        axisTick: { alignWithLabel: true },
        axisLabel: { interval: columnLabelInterval(node, data.labels), lineHeight: 16, color: "#4e5969" },
      },
      yAxis: {
        type: "value",
        minInterval: 1,
        name: unit,
        nameTextStyle: { align: "right", color: "#86909c" },
        axisLabel: { color: "#4e5969" },
        splitLine: { lineStyle: { type: "dashed", color: "#e5e6eb" } },
      },
      series: series.map(function (one) {
        return {
          name: one.name || "",
          type: "bar",
          data: one.values,
          barMaxWidth: 36,
          itemStyle: { borderRadius: [4, 4, 0, 0] },
          label: { show: data.labels.length <= 24, position: "top", color: "#4e5969" },
        };
      }),
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

  var BUILDERS = { bar: barOption, pie: pieOption, column: columnOption };
  /* ECharts' own texts (e.g. the accessible description) follow the page's language. */
  var LOCALE = /^en\b/i.test(document.documentElement.lang || "") ? "EN" : "ZH";

  function render(root) {
    if (typeof window.echarts === "undefined") return;
    var nodes = (root || document).querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(nodes, function (node) {
      var data = readData(node.getAttribute("data-source"));
      var build = BUILDERS[node.getAttribute("data-chart")];
      if (!data || !build || !data.labels || data.labels.length === 0) return;
      var chart =
        window.echarts.getInstanceByDom(node) || window.echarts.init(node, null, { renderer: "canvas", locale: LOCALE });
      chart.setOption(build(data, node), true);
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
