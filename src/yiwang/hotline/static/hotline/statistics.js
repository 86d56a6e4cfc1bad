/* 热线统计: the 12-month trend (tickets and two rates on two axes), the map of tickets by community
   (outlines fetched from data-geo, GeoJSON with properties.code/name; counts in the json_script named by
   data-source) and the period form (a month or a range of days: choosing one clears the other). The
   top-categories bar is yiwang/charts.js's. Nothing inline (CSP). */
(function () {
  "use strict";

  var FONT = '"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif';
  var COLORS = ["#1451b0", "#177a3b", "#e39a00"];
  var MAP_NAME = "hotline-statistics";

  function readData(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (ch) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch];
    });
  }

  function narrow(node) {
    return (node.clientWidth || 600) < 480;
  }

  function trendOption(data, node) {
    var series = [
      {
        name: data.tickets.name,
        type: "bar",
        yAxisIndex: 0,
        data: data.tickets.values,
        barMaxWidth: 28,
        itemStyle: { color: "#9ec2f7", borderRadius: [3, 3, 0, 0] },
      },
    ];
    data.rates.forEach(function (rate, i) {
      series.push({
        name: rate.name,
        type: "line",
        yAxisIndex: 1,
        data: rate.values,
        connectNulls: false,
        symbolSize: 6,
        lineStyle: { width: 2 },
        itemStyle: { color: COLORS[i + 1] },
      });
    });
    return {
      textStyle: { fontFamily: FONT },
      legend: { top: 0, itemWidth: 14, itemHeight: 10 },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis",
        confine: true,
        formatter: function (params) {
          var list = [].concat(params);
          if (!list.length) return "";
          var lines = ["<strong>" + escapeHtml(data.titles[list[0].dataIndex]) + "</strong>"];
          list.forEach(function (item) {
            var value = item.value === null || item.value === undefined ? "—" : item.value;
            var unit = item.seriesIndex === 0 ? " 件" : value === "—" ? "" : "%";
            lines.push(item.marker + escapeHtml(item.seriesName) + "：" + escapeHtml(value) + unit);
          });
          return lines.join("<br>");
        },
      },
      xAxis: {
        type: "category",
        data: data.labels,
        axisLabel: { interval: narrow(node) ? 2 : 0, lineHeight: 16, color: "#4e5969" },
      },
      yAxis: [
        { type: "value", name: "件", minInterval: 1, axisLabel: { color: "#4e5969" }, splitLine: { lineStyle: { type: "dashed", color: "#e5e6eb" } } },
        { type: "value", name: "%", min: 0, max: 100, axisLabel: { color: "#4e5969" }, splitLine: { show: false } },
      ],
      series: series,
    };
  }

  function mapOption(data, node) {
    var labels = {};
    data.areas.forEach(function (area) {
      labels[area.name] = area.label;
    });
    return {
      textStyle: { fontFamily: FONT },
      tooltip: {
        trigger: "item",
        confine: true,
        formatter: function (item) {
          var name = labels[item.name] || (item.data && item.data.label) || item.name;
          var value = item.value === undefined || isNaN(item.value) ? 0 : item.value;
          return escapeHtml(name) + "：" + escapeHtml(value) + " 件";
        },
      },
      visualMap: {
        min: 0,
        max: Math.max(1, data.max),
        left: 0,
        bottom: 0,
        itemHeight: 90,
        calculable: false,
        text: ["多", "少"],
        inRange: { color: ["#e6effc", "#5b9bf0", "#0a2f6b"] },
      },
      series: [
        {
          name: data.name,
          type: "map",
          map: MAP_NAME,
          nameProperty: "code",
          roam: !narrow(node), /* on a phone a finger on the map scrolls the page */
          scaleLimit: { min: 0.8, max: 8 },
          emphasis: { label: { show: false }, itemStyle: { areaColor: "#e39a00" } },
          select: { disabled: true },
          itemStyle: { borderColor: "#fff", borderWidth: 0.5, areaColor: "#f2f4f7" },
          data: data.areas.map(function (area) {
            return { name: area.name, value: area.value, label: area.label };
          }),
        },
      ],
    };
  }

  var charts = [];

  function init(node, option) {
    var chart = window.echarts.init(node, null, { renderer: "canvas" });
    chart.setOption(option);
    node.setAttribute("data-rendered", "true");
    charts.push(chart);
    return chart;
  }

  function renderTrend(node) {
    var data = readData(node.getAttribute("data-source"));
    if (!data || !data.labels || !data.labels.length) return;
    init(node, trendOption(data, node));
  }

  function renderMap(node) {
    var data = readData(node.getAttribute("data-source"));
    var url = node.getAttribute("data-geo");
    if (!data || !url || !window.fetch) return;
    window
      .fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (geo) {
        if (!geo.features || !geo.features.length) {
          node.setAttribute("data-empty", "true");
          node.textContent = "没有社区边界数据，无法绘制地图（见下方列表）。";
          return;
        }
        window.echarts.registerMap(MAP_NAME, geo);
        init(node, mapOption(data, node));
      })
      .catch(function () {
        node.setAttribute("data-empty", "true");
        node.textContent = "地图边界加载失败，请刷新页面重试。";
      });
  }

  /* A month or a range of days: choosing one clears the other, so the form says what it will count. */
  function periodForm(form) {
    var month = form.querySelector("[name=month]");
    var days = form.querySelectorAll("[name=from],[name=to]");
    if (!month) return;
    month.addEventListener("change", function () {
      if (month.value) Array.prototype.forEach.call(days, function (input) { input.value = ""; });
    });
    Array.prototype.forEach.call(days, function (input) {
      input.addEventListener("change", function () {
        if (input.value) month.value = "";
      });
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-period-form]"), periodForm);
    if (typeof window.echarts === "undefined") return;
    Array.prototype.forEach.call(document.querySelectorAll("[data-stat-chart=trend]"), renderTrend);
    Array.prototype.forEach.call(document.querySelectorAll("[data-stat-chart=map]"), renderMap);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
