/**
 * The page script, part 2: line charts in plain SVG (no library). A chart takes series of
 * `[time ms, value or null]` points; a null breaks the line. The y axis starts at 0 and ends at a
 * round number; the x axis spans the samples held.
 */
export const CLIENT_CHARTS = String.raw`
// Margins in px; the viewBox is sized to the chart's usual width on the page, so text keeps its size.
var CHART = { left: 40, right: 10, top: 10, bottom: 22 };

/** A round step for about four ticks up to max (integers: at least 1). */
function niceStep(max) {
  var raw = max / 4;
  if (raw <= 1) return 1;
  var p = Math.pow(10, Math.floor(Math.log10(raw)));
  var n = raw / p;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * p;
}

function chartBounds(series) {
  var t0 = Infinity;
  var t1 = -Infinity;
  var vmax = 0;
  var count = 0;
  series.forEach(function (se) {
    se.points.forEach(function (p) {
      if (p[1] === null || p[1] === undefined) return;
      count++;
      if (p[0] < t0) t0 = p[0];
      if (p[0] > t1) t1 = p[0];
      if (p[1] > vmax) vmax = p[1];
    });
  });
  if (t1 - t0 < 1000) t0 = t1 - 1000;
  var step = niceStep(vmax);
  return { t0: t0, t1: t1, step: step, vmax: Math.max(step * 4, step * Math.ceil(vmax / step)), count: count };
}

/** Lines of consecutive non-null points. */
function segmentsOf(points) {
  var out = [];
  var current = [];
  points.forEach(function (p) {
    if (p[1] === null || p[1] === undefined) {
      if (current.length) out.push(current);
      current = [];
    } else current.push(p);
  });
  if (current.length) out.push(current);
  return out;
}

function chartGrid(root, C, b, y) {
  var ticks = Math.round(b.vmax / b.step);
  for (var i = 0; i <= ticks; i++) {
    var v = b.step * i;
    var yy = y(v);
    root.appendChild(svg('line', { class: 'grid', x1: C.left, x2: C.width - C.right, y1: yy, y2: yy }));
    root.appendChild(svg('text', { class: 'tick', x: C.left - 6, y: yy + 4, 'text-anchor': 'end' }, fmtShort(v)));
  }
  var base = C.height - 6;
  root.appendChild(svg('text', { class: 'tick', x: C.left, y: base, 'text-anchor': 'start' }, fmtClock(b.t0)));
  root.appendChild(svg('text', { class: 'tick', x: C.width - C.right, y: base, 'text-anchor': 'end' }, fmtClock(b.t1)));
}

function chartSeries(root, se, x, y) {
  segmentsOf(se.points).forEach(function (seg) {
    if (seg.length === 1) {
      root.appendChild(svg('circle', { class: 'dot ' + se.cls, cx: x(seg[0][0]), cy: y(seg[0][1]), r: 2.5 }));
      return;
    }
    var pts = seg.map(function (p) {
      return x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1);
    });
    root.appendChild(svg('polyline', { class: 'line ' + se.cls, points: pts.join(' ') }, svg('title', null, se.name)));
  });
}

function chartLegend(series) {
  return h(
    'div',
    { class: 'legend' },
    series.map(function (se) {
      var last = null;
      for (var i = se.points.length - 1; i >= 0 && last === null; i--) last = se.points[i][1];
      return h('span', { class: 'key' }, [
        h('span', { class: 'swatch ' + se.cls }),
        se.name + ' ',
        h('b', null, last === null || last === undefined ? '\u2013' : fmtNum(last))
      ]);
    })
  );
}

/** A line chart: opts.label (for screen readers), opts.width and opts.height, opts.series [{ name, cls, points }]. */
function lineChart(opts) {
  var C = { width: opts.width || 560, height: opts.height || 140, left: CHART.left, right: CHART.right, top: CHART.top, bottom: CHART.bottom };
  var root = svg('svg', {
    class: 'chart',
    viewBox: '0 0 ' + C.width + ' ' + C.height,
    role: 'img',
    'aria-label': opts.label
  });
  var b = chartBounds(opts.series);
  if (b.count === 0) {
    root.appendChild(svg('text', { class: 'empty', x: C.width / 2, y: C.height / 2, 'text-anchor': 'middle' }, 'collecting samples\u2026'));
    return h('figure', { class: 'chart-wrap' }, [root]);
  }
  var x = function (t) {
    return C.left + ((t - b.t0) / (b.t1 - b.t0)) * (C.width - C.left - C.right);
  };
  var y = function (v) {
    return C.top + (1 - v / b.vmax) * (C.height - C.top - C.bottom);
  };
  chartGrid(root, C, b, y);
  opts.series.forEach(function (se) {
    chartSeries(root, se, x, y);
  });
  return h('figure', { class: 'chart-wrap', 'data-samples': b.count }, [root, chartLegend(opts.series)]);
}
`;
