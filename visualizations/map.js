// The behaviour of every map (served as a file: the pages' CSP allows no inline script).
// Data comes from the JSON block #graph-data; every text from data is set with textContent.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var groups = data.groups;
  var shown = {}; groups.forEach(function (g) { shown[g.name] = true; });
  var focusIds = null, minStrength = 0, asOf = null;
  var SVGNS = "http://www.w3.org/2000/svg";
  var FONT = "12px system-ui, sans-serif", FONT_HI = "bold 13px system-ui, sans-serif";

  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function active(o) { if (!asOf) return true; if (o.t0 && o.t0 > asOf) return false; if (o.t1 && o.t1 < asOf) return false; return true; }

  // the data stays here, looked up by id: vis deep-clones every item it hands out, and
  // items carrying their tooltips made that the largest cost of opening a big map
  var rawNode = {}; data.nodes.forEach(function (n) { rawNode[n.i] = n; });
  // each type's look is a vis group (set once), so a node carries only what is its own:
  // merging full per-node style objects cost a third of opening a 2,000-node map
  var visGroups = {};
  groups.forEach(function (g, k) {
    visGroups["g" + k] = { shape: g.shape || "dot", borderWidth: g.dashed ? 2 : 1,
      color: { background: g.color, border: g.dashed ? "#1d2733" : "#ffffff", highlight: { background: g.color, border: "#1d2733" } },
      shapeProperties: { borderDashes: g.dashed ? [4, 3] : false } };
  });
  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    var item = { id: n.i, group: "g" + n.g, size: n.s || 10 };
    if (n.h) { item.borderWidth = 4; item.color = { background: groups[n.g].color, border: "#b3001b" }; }
    if (n.x !== undefined) { item.x = n.x; item.y = n.y; }
    return item;
  }));
  var edges = new vis.DataSet(data.edges.map(function (e, k) {
    return { id: k, from: e.f, to: e.t, width: e.w || 1,
             color: { color: e.h ? "#b3001b" : "#9aa8b6", opacity: e.h ? 1 : 0.6 },
             arrows: data.directed ? "to" : undefined };
  }));
  var nodeView = new vis.DataView(nodes, { filter: function (n) {
    var raw = rawNode[n.id];
    if (!shown[groups[raw.g].name] || !active(raw)) return false;
    return focusIds === null || focusIds[n.id] === true;
  } });
  var edgeView = new vis.DataView(edges, { filter: function (e) {
    var raw = data.edges[e.id], s = raw.s; if (s !== undefined && s < minStrength) return false;
    return active(raw);
  } });

  var container = document.getElementById("network");
  var options = { physics: data.physics ? { solver: "barnesHut", stabilization: { iterations: 150, updateInterval: 25 } } : false,
                  interaction: { hover: true, tooltipDelay: 100, hideEdgesOnDrag: data.nodes.length > 1000, keyboard: { enabled: true, bindToWindow: false } },
                  nodes: { shape: "dot", font: { size: 0 } }, groups: visGroups, edges: { smooth: false }, layout: { improvedLayout: data.nodes.length < 150 } };
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, options);

  // labels: drawn by us, most important first, only where they fit without touching another
  // label at the current zoom (vis draws every label, so dense maps became unreadable)
  var order = data.nodes.slice().sort(function (a, b) { return (b.h ? 1 : 0) - (a.h ? 1 : 0) || (b.s || 0) - (a.s || 0); });
  var widths = {};
  var drawn = [];
  network.on("afterDrawing", function (ctx) {
    var canvas = ctx.canvas, ratio = canvas.width / canvas.clientWidth;
    var vw = canvas.clientWidth, vh = canvas.clientHeight, scale = network.getScale();
    var visible = {}; nodeView.getIds().forEach(function (id) { visible[id] = true; });
    var ids = order.filter(function (n) { return visible[n.i]; });
    var pos = network.getPositions(ids.map(function (n) { return n.i; }));
    var cell = 64, grid = {}, placed = [];
    function cellsOf(r) { var out = []; for (var gx = Math.floor(r.x / cell); gx <= Math.floor((r.x + r.w) / cell); gx++)
      for (var gy = Math.floor(r.y / cell); gy <= Math.floor((r.y + r.h) / cell); gy++) out.push(gx + ":" + gy); return out; }
    function hits(a, b) { return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h; }
    ctx.save(); ctx.setTransform(ratio, 0, 0, ratio, 0, 0); ctx.textBaseline = "top";
    ids.forEach(function (n) {
      var p = pos[n.i]; if (!p) return;
      var d = network.canvasToDOM(p), radius = (n.s || 10) * scale;
      if (d.x < -50 || d.y < -50 || d.x > vw + 50 || d.y > vh + 50) return;
      if (!n.h && radius < 3) return;  // too small at this zoom for its name to mean anything
      var font = n.h ? FONT_HI : FONT; ctx.font = font;
      var key = (n.h ? "b" : "n") + n.l, w = widths[key];
      if (w === undefined) { w = ctx.measureText(n.l).width; widths[key] = w; }
      // below the node, else above, right or left of it: the first place no label holds
      var spots = [[d.x - w / 2 - 2, d.y + radius + 2], [d.x - w / 2 - 2, d.y - radius - 18],
                   [d.x + radius + 2, d.y - 8], [d.x - radius - w - 6, d.y - 8]];
      var r = null, cells = null;
      for (var t = 0; t < spots.length && !r; t++) {
        var cand = { x: spots[t][0], y: spots[t][1], w: w + 4, h: 16, id: n.i, text: n.l, bold: !!n.h };
        var cc = cellsOf(cand), free = true;
        for (var c = 0; c < cc.length && free; c++) { var near = grid[cc[c]] || [];
          for (var k = 0; k < near.length; k++) if (hits(cand, near[k])) { free = false; break; } }
        if (free) { r = cand; cells = cc; }
      }
      if (!r) return;
      cells.forEach(function (c) { (grid[c] = grid[c] || []).push(r); });
      placed.push(r);
      ctx.fillStyle = "rgba(255,255,255,0.8)"; ctx.fillRect(r.x, r.y, r.w, r.h);
      ctx.fillStyle = "#1d2733"; ctx.fillText(n.l, r.x + 2, r.y + 1);
    });
    ctx.restore();
    drawn = placed;
  });

  // legend and type filter: the same fixed colour and shape as on the map
  function swatch(g) {
    var s = document.createElementNS(SVGNS, "svg"); s.setAttribute("width", "14"); s.setAttribute("height", "14");
    s.setAttribute("aria-hidden", "true"); s.appendChild(shapeSvg(g.shape, 7, 7, 6, g.color, g.dashed)); return s;
  }
  var types = document.getElementById("types");
  groups.forEach(function (g) {
    var label = el("label"); var box = el("input"); box.type = "checkbox"; box.checked = true;
    box.setAttribute("data-group", g.name);
    box.addEventListener("change", function () { shown[g.name] = box.checked; refresh(); });
    label.appendChild(box); label.appendChild(swatch(g)); label.appendChild(document.createTextNode(g.name + " (" + g.count + ")"));
    types.appendChild(label);
  });

  function refresh() {
    nodeView.refresh(); edgeView.refresh();
    document.getElementById("status").textContent = nodeView.length + " nodes, " + edgeView.length + " links shown";
  }
  function fit(ids) { network.fit(ids ? { nodes: ids, animation: false } : { animation: false }); }

  // tooltips: built with textContent only, never HTML from data
  var tip = document.getElementById("tip");
  network.on("hoverNode", function (p) {
    var n = rawNode[p.node]; tip.textContent = "";
    tip.appendChild(el("b", n.l));
    tip.appendChild(el("div", groups[n.g].name));
    Object.keys(n.p || {}).forEach(function (k) { tip.appendChild(el("div", k + ": " + n.p[k])); });
    tip.style.left = (p.pointer.DOM.x + 12) + "px"; tip.style.top = (p.pointer.DOM.y + 12) + "px"; tip.className = "on";
  });
  network.on("blurNode", function () { tip.className = ""; });

  // click a node to focus its neighbourhood (and fit it to the view); the background leaves it
  function focusOn(id) {
    focusIds = {}; focusIds[id] = true;
    edges.forEach(function (e) { if (e.from === id) focusIds[e.to] = true; if (e.to === id) focusIds[e.from] = true; });
    refresh(); fit(Object.keys(focusIds));
  }
  network.on("click", function (p) {
    if (p.nodes.length) { focusOn(p.nodes[0]); } else if (focusIds !== null) { focusIds = null; refresh(); fit(); }
  });

  document.getElementById("search").addEventListener("input", function (ev) {
    var q = ev.target.value.trim().toLowerCase(); if (!q) { network.unselectAll(); return; }
    var hit = data.nodes.filter(function (n) { return n.l.toLowerCase().indexOf(q) >= 0; });
    if (hit.length) { var ids = hit.map(function (n) { return n.i; }).slice(0, 50);
      network.selectNodes(ids); fit(ids.slice(0, 10)); }
    document.getElementById("status").textContent = hit.length + " match(es) for \u201c" + ev.target.value + "\u201d";
  });
  var strength = document.getElementById("strength");
  strength.addEventListener("input", function () { minStrength = parseFloat(strength.value);
    document.getElementById("strength-value").textContent = strength.value; refresh(); });

  // the time control: a slider over every date on which something starts or ends, with play
  var dates = {}; data.nodes.concat(data.edges).forEach(function (o) { if (o.t0) dates[o.t0] = 1; if (o.t1) dates[o.t1] = 1; });
  dates = Object.keys(dates).sort();
  var slider = document.getElementById("asof"), asofOut = document.getElementById("asof-value"), play = document.getElementById("play");
  var timer = null;
  if (!dates.length) document.getElementById("time").className = "off";
  slider.max = String(dates.length); slider.value = String(dates.length);
  function setTime(i) {
    slider.value = String(i); asOf = i >= dates.length ? null : dates[i];
    var text = asOf || "all dates"; asofOut.textContent = text; slider.setAttribute("aria-valuetext", text); refresh();
  }
  function stop() { if (timer) { clearInterval(timer); timer = null; } play.textContent = "Play"; play.setAttribute("aria-pressed", "false"); }
  slider.addEventListener("input", function () { stop(); setTime(parseInt(slider.value, 10)); });
  play.addEventListener("click", function () {
    if (timer) { stop(); return; }
    var i = parseInt(slider.value, 10); if (i >= dates.length) i = 0; setTime(i);
    play.textContent = "Pause"; play.setAttribute("aria-pressed", "true");
    var step = Math.max(1, Math.ceil(dates.length / 40));
    timer = setInterval(function () { var next = parseInt(slider.value, 10) + step;
      if (next >= dates.length) { setTime(dates.length); stop(); } else { setTime(next); } }, 400);
  });

  document.getElementById("reset").addEventListener("click", function () {
    stop(); focusIds = null; minStrength = 0; strength.value = 0; document.getElementById("strength-value").textContent = "0";
    groups.forEach(function (g) { shown[g.name] = true; });
    Array.prototype.forEach.call(types.querySelectorAll("input"), function (b) { b.checked = true; });
    setTime(dates.length); fit(); });
  document.getElementById("fit").addEventListener("click", function () { fit(focusIds ? Object.keys(focusIds) : undefined); });

  // exports: the picture as PNG, the drawing (shown nodes, links and labels) as SVG
  function fileName(ext) { return (document.getElementById("title").textContent || "map").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "") + "." + ext; }
  function download(url, name) { var a = el("a"); a.href = url; a.download = name; document.body.appendChild(a); a.click(); a.remove(); }
  document.getElementById("png").addEventListener("click", function () {
    var src = container.querySelector("canvas"), out = document.createElement("canvas");
    out.width = src.width; out.height = src.height; var c = out.getContext("2d");
    c.fillStyle = "#ffffff"; c.fillRect(0, 0, out.width, out.height); c.drawImage(src, 0, 0);
    download(out.toDataURL("image/png"), fileName("png"));
  });
  function shapeSvg(shape, x, y, r, color, dashed) {
    var e;
    if (shape === "square") { e = document.createElementNS(SVGNS, "rect"); e.setAttribute("x", x - r); e.setAttribute("y", y - r); e.setAttribute("width", 2 * r); e.setAttribute("height", 2 * r); }
    else if (shape === "dot") { e = document.createElementNS(SVGNS, "circle"); e.setAttribute("cx", x); e.setAttribute("cy", y); e.setAttribute("r", r); }
    else {
      var pts = { diamond: [[0, -1], [1, 0], [0, 1], [-1, 0]], triangle: [[0, -1], [0.95, 0.8], [-0.95, 0.8]], triangleDown: [[0, 1], [0.95, -0.8], [-0.95, -0.8]],
                  hexagon: [[1, 0], [0.5, 0.87], [-0.5, 0.87], [-1, 0], [-0.5, -0.87], [0.5, -0.87]],
                  star: [[0, -1], [0.22, -0.3], [0.95, -0.3], [0.36, 0.12], [0.59, 0.81], [0, 0.38], [-0.59, 0.81], [-0.36, 0.12], [-0.95, -0.3], [-0.22, -0.3]] }[shape] || [[0, -1], [1, 0], [0, 1], [-1, 0]];
      e = document.createElementNS(SVGNS, "polygon");
      e.setAttribute("points", pts.map(function (p) { return (x + p[0] * r).toFixed(1) + "," + (y + p[1] * r).toFixed(1); }).join(" "));
    }
    e.setAttribute("fill", color); e.setAttribute("stroke", dashed ? "#1d2733" : "#ffffff");
    if (dashed) e.setAttribute("stroke-dasharray", "3 2");
    return e;
  }
  function toSvg() {
    var w = container.clientWidth, h = container.clientHeight, svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("xmlns", SVGNS); svg.setAttribute("width", w); svg.setAttribute("height", h); svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    var bg = document.createElementNS(SVGNS, "rect"); bg.setAttribute("width", w); bg.setAttribute("height", h); bg.setAttribute("fill", "#ffffff"); svg.appendChild(bg);
    var ids = nodeView.getIds(), pos = network.getPositions(ids), scale = network.getScale(), dom = {};
    ids.forEach(function (id) { dom[id] = network.canvasToDOM(pos[id]); });
    edgeView.get().forEach(function (e) { var a = dom[e.from], b = dom[e.to]; if (!a || !b) return;
      var l = document.createElementNS(SVGNS, "line"); l.setAttribute("x1", a.x.toFixed(1)); l.setAttribute("y1", a.y.toFixed(1));
      l.setAttribute("x2", b.x.toFixed(1)); l.setAttribute("y2", b.y.toFixed(1)); l.setAttribute("stroke", data.edges[e.id].h ? "#b3001b" : "#9aa8b6");
      l.setAttribute("stroke-width", e.width); svg.appendChild(l); });
    ids.forEach(function (id) { var n = rawNode[id], g = groups[n.g], p = dom[id];
      var s = shapeSvg(g.shape, p.x, p.y, Math.max(2, (n.s || 10) * scale), g.color, g.dashed);
      if (n.h) { s.setAttribute("stroke", "#b3001b"); s.setAttribute("stroke-width", "3"); }
      var t = document.createElementNS(SVGNS, "title"); t.textContent = n.l; s.appendChild(t); svg.appendChild(s); });
    drawn.forEach(function (r) { var t = document.createElementNS(SVGNS, "text"); t.setAttribute("x", (r.x + 2).toFixed(1)); t.setAttribute("y", (r.y + 12).toFixed(1));
      t.setAttribute("font-family", "system-ui, sans-serif"); t.setAttribute("font-size", r.bold ? "13" : "12"); if (r.bold) t.setAttribute("font-weight", "bold");
      t.textContent = r.text; svg.appendChild(t); });
    return new XMLSerializer().serializeToString(svg);
  }
  document.getElementById("svg").addEventListener("click", function () {
    var url = URL.createObjectURL(new Blob([toSvg()], { type: "image/svg+xml" }));
    download(url, fileName("svg")); setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  });

  // the share of drawn labels that overlap another one (0 by construction; measured by the bench)
  function labelOverlap() {
    var over = 0;
    for (var i = 0; i < drawn.length; i++) for (var j = 0; j < drawn.length; j++) {
      var a = drawn[i], b = drawn[j];
      if (i !== j && a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) { over++; break; } }
    return { drawn: drawn.length, overlapping: over, ratio: drawn.length ? over / drawn.length : 0 };
  }

  function ready() { if (!window.agMapReady) { window.agMapReady = true; document.body.setAttribute("data-ready", "1"); } }
  if (data.physics) { network.once("stabilizationIterationsDone", function () {
    network.setOptions({ physics: false }); network.once("afterDrawing", ready); fit(); network.redraw(); }); }
  else { network.once("afterDrawing", ready); }
  window.agMap = { network: network, nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView, data: data,
                   dates: dates, setTime: setTime, focusOn: focusOn, toSvg: toSvg, labelOverlap: labelOverlap,
                   raw: function (id) { return rawNode[id]; }, labels: function () { return drawn.slice(); } };
  setTime(dates.length);
})();
