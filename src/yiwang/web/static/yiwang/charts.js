/* Small ECharts helpers. A chart is a <div class="chart" data-chart="bar" data-source="ID"> whose data
   sits in <script type="application/json" id="ID"> written by Django's json_script filter:
   {"labels": ["受理", ...], "values": [3, ...], "name": "待办数"}. Nothing here is inline.
   Kinds: "bar" (horizontal bars, categories down the side, each bar labelled with its value), "pie"
   (a donut whose slices are labelled "名称 数量"; on a narrow chart a legend below says the same),
   and "column" (vertical columns, e.g. months along the bottom) which also reads optional "titles"
   (tooltip heading per category, e.g. "2026年2月" when the axis says "2月"), "unit" (e.g. "件") and
   "series" ([{"name", "values"}] for several columns per category instead of "name"/"values"); its
   category labels are thinned to what the width holds (see categoryLabelPlan).
   data-renderer="svg" on the element draws with ECharts' SVG renderer instead of a canvas. A chart
   whose width changes is laid out again for the new width. */
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

  function chartWidth(node) {
    return (node && node.clientWidth) || 300;
  }

  function barOption(data, node) {
    /* containLabel keeps the axis labels inside the chart, not the value labels at the bars' ends: the
       right margin holds the widest of them ("694", not "69"). Long category names are cut to 40 % of
       the width (the tooltip names them in full). */
    var widest = data.values.reduce(function (most, value) {
      return Math.max(most, textWidth(value));
    }, 0);
    var width = chartWidth(node);
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

  /* The widest line of a label ("11月\n2025年" → the width of "2025年"). */
  function labelWidth(label) {
    return String(label)
      .split("\n")
      .reduce(function (most, line) {
        return Math.max(most, textWidth(line));
      }, 0);
  }

  var LABEL_GAP = 6; /* the least room between two neighbouring labels */
  var STEPS = [1, 2, 3, 4, 6, 12]; /* every month, every second, … : the same months each year */

  /* Which category labels show, and their text, for a plot `slot` px a category: every label when there
     is room, else every n-th one (n dividing 12, so a year reads 1月 4月 7月 10月). Labels carrying a
     second line (the year under "1月", where the year changes) come first, as many as have room (on a
     narrow chart of several years, every other year), and their neighbours give way. The first label
     carries its year too: when that has no room beside the next January, the January keeps its year
     and the first label drops its own (the tooltip names each month in full). */
  function categoryLabelPlan(labels, slot) {
    var plan = labels.map(function (label) {
      return { text: String(label), show: false, width: labelWidth(label) };
    });
    function fits(index, width) {
      return plan.every(function (other, j) {
        return !other.show || Math.abs(index - j) * slot >= (width + other.width) / 2 + LABEL_GAP;
      });
    }
    function keep(index) {
      if (fits(index, plan[index].width)) plan[index].show = true;
    }
    var marked = [];
    plan.forEach(function (entry, index) {
      if (entry.text.indexOf("\n") >= 0) marked.push(index);
    });
    function firstLine(index) {
      return plan[index].text.split("\n")[0];
    }
    /* A period starting in January: its first label is a January like the others, taken in turn. */
    var startsLikeTheOthers = marked[0] === 0 && marked.length > 1 && firstLine(0) === firstLine(marked[1]);
    marked.forEach(function (index) {
      if (index > 0 || startsLikeTheOthers) keep(index);
    });
    if (marked[0] === 0 && !plan[0].show) {
      keep(0);
      if (!plan[0].show) {
        plan[0].text = plan[0].text.split("\n")[0];
        plan[0].width = labelWidth(plan[0].text);
      }
    }
    /* The step leaves room between two plain labels, and between a year label and the plain ones
       beside it (the step counts from a January), so that none of them has to give way. */
    var widest = 0;
    var widestYear = 0;
    plan.forEach(function (entry, index) {
      if (marked.indexOf(index) < 0) widest = Math.max(widest, entry.width);
      else if (entry.show) widestYear = Math.max(widestYear, entry.width);
    });
    var room = Math.max(widest, (widest + widestYear) / 2) + LABEL_GAP;
    var step = STEPS.filter(function (one) {
      return one * slot >= room;
    })[0];
    if (!step) step = Math.ceil(room / Math.max(1, slot));
    var januaries = marked.filter(function (index) {
      return index > 0;
    });
    var anchor = januaries.length > 0 ? januaries[0] : 0;
    plan.forEach(function (entry, index) {
      if (!entry.show && (((index - anchor) % step) + step) % step === 0) keep(index);
    });
    /* ECharts sizes the room below the axis from the first label and, past 40 labels, every n-th one
       after it: a first label of one line gets an empty second one, so that a year line further on
       is not cut off. */
    var twoLines = plan.some(function (entry) {
      return entry.show && entry.text.indexOf("\n") >= 0;
    });
    if (twoLines && plan[0].text.indexOf("\n") < 0) plan[0].text += "\n";
    return plan;
  }

  function columnOption(data, node) {
    var titles = data.titles || data.labels;
    var unit = data.unit || "";
    var series = data.series || [{ name: data.name || "", values: data.values }];
    var many = series.length > 1;
    var width = chartWidth(node);
    var values = [].concat.apply(
      [],
      series.map(function (one) {
        return one.values;
      })
    );
    var widestValue = values.reduce(function (most, value) {
      return Math.max(most, textWidth(value));
    }, 0);
    var largest = Math.max.apply(null, values.concat([0]));
    /* The plot's width: the chart less the grid's margins and the value axis' labels (the axis ends at
       a round number above the largest count, at most half as much again) with ECharts' 8 px between
       them and the axis. */
    var plot = width - 8 - 16 - (textWidth(Math.ceil(largest * 1.5)) + 8);
    var slot = Math.max(1, plot / data.labels.length);
    var plan = categoryLabelPlan(data.labels, slot);
    /* ECharts' bars: 20 % of a category's width between categories, 30 % of a bar's width between the
       bars of one category, at most 36 px wide. The counts above the bars show when each fits over
       its bar without touching its neighbour's; else none do (the tooltip and the chart's
       description give them). */
    var bar = Math.min(36, (slot * 0.8) / (series.length + 0.3 * (series.length - 1)));
    var showValues = data.labels.length <= 24 && widestValue + 2 <= (many ? bar * 1.3 : slot);
    return {
      color: PALETTE,
      textStyle: { fontFamily: FONT },
      legend: { show: many, top: 0, itemWidth: 14, itemHeight: 10 },
      grid: { left: 8, right: 16, top: many ? 44 : 28, bottom: 8, containLabel: true },
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
        axisLabel: {
          interval: function (index) {
            return Boolean(plan[index] && plan[index].show);
          },
          formatter: function (value, index) {
            return plan[index] ? plan[index].text : value;
          },
          margin: 10, /* clear of the value axis' "0" when the first label reaches under it */
          lineHeight: 16,
          color: "#4e5969",
        },
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
          label: { show: showValues, position: "top", color: "#4e5969" },
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
            series: [{ center: ["50%", "40%"], radius: ["34%", "58%"], label: { show: false }, labelLine: { show: false } }],
          },
        },
      ],
    };
  }

  var BUILDERS = { bar: barOption, pie: pieOption, column: columnOption };
  /* The kinds whose option depends on the chart's width (the pie follows it through media queries). */
  var WIDTH_DEPENDENT = { bar: true, column: true };
  /* ECharts' own texts (e.g. the accessible description) follow the page's language. */
  var LOCALE = /^en\b/i.test(document.documentElement.lang || "") ? "EN" : "ZH";

  /* The chart's data, or null when there is nothing to draw. */
  function chartData(node) {
    var data = readData(node.getAttribute("data-source"));
    if (!data || !BUILDERS[node.getAttribute("data-chart")] || !data.labels || data.labels.length === 0) return null;
    return data;
  }

  /* Draws a chart for its current width (anew, or `merge`d into what it shows: no growing bars again).
     data-width says which width its layout was chosen for; data-settled-width the same once drawn and
     still (ECharts' "finished": its animations over), e.g. for a test to measure what it shows. */
  function draw(node, chart, data, merge) {
    node.removeAttribute("data-settled-width");
    node.setAttribute("data-width", String(node.clientWidth));
    chart.setOption(BUILDERS[node.getAttribute("data-chart")](data, node), !merge);
  }

  /* On a change of width (window resized, phone turned, a grid cell reflowed) the charts take the new
     size, and those laid out for a width (label intervals, value labels, axis ticks) are laid out
     again. ECharts measures the container first (its own drawing set aside), then the width is read. */
  function relayout(node) {
    var chart = window.echarts.getInstanceByDom(node);
    if (!chart) return;
    chart.resize();
    var width = String(node.clientWidth);
    if (width === node.getAttribute("data-width")) return;
    var data = WIDTH_DEPENDENT[node.getAttribute("data-chart")] ? chartData(node) : null;
    if (data) {
      draw(node, chart, data, true);
    } else {
      node.removeAttribute("data-settled-width");
      node.setAttribute("data-width", width);
    }
  }

  var observer =
    typeof window.ResizeObserver === "function"
      ? new window.ResizeObserver(function (entries) {
          entries.forEach(function (entry) {
            relayout(entry.target);
          });
        })
      : null;

  function render(root) {
    if (typeof window.echarts === "undefined") return;
    var nodes = (root || document).querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(nodes, function (node) {
      var data = chartData(node);
      if (!data) return;
      /* data-renderer="svg" draws the chart as SVG (sharp at any zoom, its texts in the page). */
      var renderer = node.getAttribute("data-renderer") === "svg" ? "svg" : "canvas";
      var chart = window.echarts.getInstanceByDom(node);
      if (!chart) {
        chart = window.echarts.init(node, null, { renderer: renderer, locale: LOCALE });
        chart.on("finished", function () {
          node.setAttribute("data-settled-width", node.getAttribute("data-width") || "");
        });
      }
      draw(node, chart, data);
      node.setAttribute("data-rendered", "true");
      if (observer) observer.observe(node);
    });
  }

  function resizeAll() {
    if (typeof window.echarts === "undefined") return;
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), relayout);
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
  /* The window's resize as well: a chart's drawing can hold its grid cell at the old width, so that the
     cell (and the observer) sees no change until ECharts measures the container again. */
  window.addEventListener("resize", resizeAll);
})();
