/* Small ECharts helpers. A chart is a <div class="chart" data-chart="bar" data-source="ID"> whose data
   sits in <script type="application/json" id="ID"> written by Django's json_script filter:
   {"labels": ["受理", ...], "values": [3, ...], "name": "待办数"}. Nothing here is inline.
   Kinds: "bar" (horizontal bars, categories down the side, each bar labelled with its value), "pie"
   (a donut whose slices are labelled "名称 数量"; on a narrow chart a legend below says the same),
   and "column" (vertical columns, e.g. months along the bottom) which also reads optional "titles"
   (tooltip heading per category, e.g. "2026年2月" when the axis says "2月"), "unit" (e.g. "件") and
   "series" ([{"name", "values"}] for several columns per category instead of "name"/"values"). */
(function () {
  "use strict";

  var PALETTE = ["#1451b0", "#2f7be5", "#5b9bf0", "#177a3b", "#e39a00", "#c8161d", "#86909c", "#722ed1", "#0e8a8a"];
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

  var LABEL_SIZE = 12; /* ECharts' default label font size */
  var LABEL_DISTANCE = 5; /* and its default gap between a bar and its label */
  var measuring = null;

  /* The width in pixels of a label's text, to leave room for it outside the plot. */
  function textWidth(text) {
    if (measuring === null) measuring = document.createElement("canvas").getContext("2d") || false;
    if (!measuring) return String(text).length * LABEL_SIZE;
    measuring.font = LABEL_SIZE + "px " + FONT;
    return Math.ceil(measuring.measureText(String(text)).width);
  }

  function barOption(data, node) {
    /* containLabel keeps the axis labels inside the chart, not the value labels at the bars' ends: the
       right margin holds the widest of them ("694", not "69"). Long category names are cut to 40 % of
       the width (the tooltip names them in full). */
    var widest = data.values.reduce(function (most, value) {
      return Math.max(most, textWidth(value));
    }, 0);
    var width = (node && node.clientWidth) || 300;
    return {
      color: PALETTE,
      textStyle: { fontFamily: FONT },
      grid: { left: 8, right: widest + LABEL_DISTANCE + 12, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      xAxis: { type: "value", minInterval: 1, splitNumber: width < 480 ? 3 : 5, axisLabel: { hideOverlap: true } },
      yAxis: {
        type: "category",
        data: data.labels,
        inverse: true,
        axisTick: { show: false },
        axisLabel: { width: Math.max(72, Math.round(width * 0.4)), overflow: "truncate" },
      },
      series: [
        {
          name: data.name || "",
          type: "bar",
          data: data.values,
          barMaxWidth: 22,
          itemStyle: { borderRadius: [0, 4, 4, 0] },
          label: { show: true, position: "right", distance: LABEL_DISTANCE, fontSize: LABEL_SIZE },
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

  /* Slices are labelled "名称 数量"; a chart narrower than 420 px has no room for labels around the
     donut and shows a legend below it with the same text instead (ECharts' media queries follow
     resizes). */
  function pieOption(data) {
    var unit = data.unit || "";
    var counts = {};
    data.labels.forEach(function (label, i) {
      counts[label] = data.values[i];
    });
    return {
      baseOption: {
        color: PALETTE,
        textStyle: { fontFamily: FONT },
        tooltip: {
          trigger: "item",
          confine: true,
          formatter: function (item) {
            return (
              item.marker + escapeHtml(item.name) + "：" + escapeHtml(item.value) + (unit ? " " + escapeHtml(unit) : "") +
              "（" + item.percent + "%）"
            );
          },
        },
        legend: {
          show: false,
          bottom: 0,
          itemGap: 8,
          itemWidth: 12,
          itemHeight: 10,
          formatter: function (name) {
            return name + " " + counts[name];
          },
        },
        series: [
          {
            name: data.name || "",
            type: "pie",
            radius: ["45%", "70%"],
            label: { show: true, formatter: "{b} {c}" },
            labelLine: { show: true },
            data: data.labels.map(function (label, i) {
              return { name: label, value: data.values[i] };
            }),
          },
        ],
      },
      media: [
        {
          query: { maxWidth: 419 },
          option: {
            legend: { show: true },
            series: [{ center: ["50%", "34%"], radius: ["28%", "48%"], label: { show: false }, labelLine: { show: false } }],
          },
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
