// The app's only script: search as you type (a keyboard-usable list box), served as a file
// because the pages' CSP allows no inline script. Names are set with textContent only.
(function () {
  "use strict";
  function debounce(fn, ms) { var t; return function () { var a = arguments; clearTimeout(t); t = setTimeout(function () { fn.apply(null, a); }, ms); }; }
  function attach(input) {
    var list = document.querySelector(input.getAttribute("data-suggest"));
    var pick = input.getAttribute("data-pick") ? document.querySelector(input.getAttribute("data-pick")) : null;
    var items = [], active = -1, seq = 0;
    input.setAttribute("role", "combobox"); input.setAttribute("aria-autocomplete", "list"); input.setAttribute("aria-expanded", "false");
    function close() { list.textContent = ""; items = []; active = -1; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); }
    function choose(hit) {
      if (pick) { pick.value = hit.id; input.value = hit.name; close(); }
      else { window.location.href = hit.url; }
    }
    function mark(i) {
      active = i; Array.prototype.forEach.call(list.children, function (li, k) { li.setAttribute("aria-selected", k === i ? "true" : "false"); });
      if (i >= 0) { input.setAttribute("aria-activedescendant", list.children[i].id); list.children[i].scrollIntoView({ block: "nearest" }); }
    }
    function show(hits) {
      close(); items = hits;
      hits.forEach(function (h, k) {
        var li = document.createElement("li"); li.id = list.id + "-" + k; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
        var name = document.createElement("span"); name.textContent = h.name;
        var tag = document.createElement("span"); tag.className = "tag"; tag.textContent = h.label;
        li.appendChild(name); li.appendChild(tag); li.setAttribute("data-id", h.id);
        if (h.detail) { var more = document.createElement("span"); more.className = "detail"; more.textContent = h.detail; li.appendChild(more); }
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(h); });
        list.appendChild(li);
      });
      input.setAttribute("aria-expanded", hits.length ? "true" : "false");
    }
    var ask = debounce(function () {
      var q = input.value.trim(); var mine = ++seq;
      if (pick) pick.value = "";
      if (!q) { close(); return; }
      fetch("/app/search.json?limit=10&q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (hits) { if (mine === seq) { show(hits); document.body.setAttribute("data-suggested", q); } });
    }, 60);
    input.addEventListener("input", ask);
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown" && items.length) { ev.preventDefault(); mark(Math.min(items.length - 1, active + 1)); }
      else if (ev.key === "ArrowUp" && items.length) { ev.preventDefault(); mark(Math.max(0, active - 1)); }
      else if (ev.key === "Enter" && active >= 0) { ev.preventDefault(); choose(items[active]); }
      else if (ev.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), attach);
    document.body.setAttribute("data-ready", "1");
  });
})();
