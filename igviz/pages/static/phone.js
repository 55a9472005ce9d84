/* The participant's page, with JavaScript: a slider beside each weight, and the participant's
   ranking and a small radar that follow the weights as they move, computed here from the data
   the page embeds (no request to the server). Without JavaScript the page is plain forms and
   "Show my ranking" asks the server; this file only adds to it. Plain ES5, no build step. */
(function () {
  "use strict";

  // numpy's sum of a contiguous row (pairwise: eight running sums from eight values on), so
  // the browser adds in the model's order and a near-tie falls the same way.
  function pairwiseSum(a) {
    var n = a.length, i, j, res;
    if (n < 8) {
      res = 0;
      for (i = 0; i < n; i++) res += a[i];
      return res;
    }
    if (n <= 128) {
      var r = a.slice(0, 8);
      for (i = 8; i < n - (n % 8); i += 8) for (j = 0; j < 8; j++) r[j] += a[i + j];
      res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
      for (; i < n; i++) res += a[i];
      return res;
    }
    var half = Math.floor(n / 2);
    half -= half % 8;
    return pairwiseSum(a.slice(0, half)) + pairwiseSum(a.slice(half));
  }

  // np.round(x, 12): scale, round half to even, scale back.
  function round12(x) {
    var y = x * 1e12, r = Math.round(y);
    if (Math.abs(y % 1) === 0.5 && r % 2 !== 0) r -= 1;
    return r / 1e12;
  }

  // Python's format(x, ".2f"): like toFixed, except that an exact half (x = odd / 8) goes to even.
  function fixed2(x) {
    var e = x * 8;
    if (Number.isInteger(e) && e % 2 !== 0) {
      var n = Math.round(x * 100), sign = x < 0 ? "-" : "";
      if (n % 2 !== 0) n -= 1;  // Math.round went up from the half: the other neighbour is even
      n = Math.abs(n);
      var cents = String(n % 100);
      return sign + Math.floor(n / 100) + "." + (cents.length < 2 ? "0" + cents : cents);
    }
    return x.toFixed(2);
  }

  /* The model's ranking (igviz.model.Assessment._rank) for `weights` (numbers, in the order of
     data.criteria): {order: proposal indices best first, overall: values in input order}, or
     null when the weights cannot rank (all zero). */
  function rank(data, weights) {
    var k = weights.length, w = [], i, j;
    for (j = 0; j < k; j++) w.push(weights[j] * data.multipliers[j]);
    var total = pairwiseSum(w);
    if (!(total > 0)) return null;
    for (j = 0; j < k; j++) w[j] = w[j] / total;
    var overall = [], keys = [];
    for (i = 0; i < data.values.length; i++) {
      var row = [];
      for (j = 0; j < k; j++) row.push(data.values[i][j] * w[j]);
      overall.push(pairwiseSum(row));
      keys.push(round12(overall[i]));
    }
    var order = [];
    for (i = 0; i < overall.length; i++) order.push(i);
    order.sort(function (a, b) {
      if (data.passes[a] !== data.passes[b]) return data.passes[a] ? -1 : 1;
      if (keys[a] !== keys[b]) return keys[b] - keys[a];
      return data.tie[a] - data.tie[b];
    });
    return {order: order, overall: overall, weights: w};
  }

  window.igvizPhone = {rank: rank, fixed2: fixed2};  // for the tests, which compare it with the model

  var source = document.getElementById("igviz-data");
  if (!source || !document.querySelector) return;
  var data = JSON.parse(source.textContent);
  document.documentElement.className += " js";
  var SVG = "http://www.w3.org/2000/svg";
  var inputs = [], i;

  function el(name, attrs, text, ns) {
    var node = ns ? document.createElementNS(ns, name) : document.createElement(name);
    for (var a in attrs) if (attrs.hasOwnProperty(a)) node.setAttribute(a, attrs[a]);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, key) { return key in values ? values[key] : m; });
  }

  // A slider beside each number box; both stay one value, and the form sends the box.
  for (i = 0; i < data.criteria.length; i++) {
    var box = document.getElementById("w." + data.criteria[i]);
    if (!box) return;  // not the weights the data describes: leave the plain form alone
    var slider = el("input", {type: "range", min: "0", max: String(data.max), step: "1",
                              "aria-label": data.names[i], value: box.value});
    var row = el("div", {"class": "row"});
    box.parentNode.insertBefore(row, box);
    row.appendChild(slider);
    row.appendChild(box);
    (function (box, slider) {
      slider.addEventListener("input", function () { box.value = slider.value; update(); });
      box.addEventListener("input", function () {
        if (valid(box.value)) slider.value = box.value;
        update();
      });
    })(box, slider);
    inputs.push(box);
  }

  function valid(text) {
    var v = text.trim() === "" ? NaN : Number(text);
    return isFinite(v) && v >= 0 && v <= data.max;
  }

  var live = document.getElementById("live");
  var table = document.getElementById("ranking");
  var figure = document.getElementById("radar");
  var last = null;

  function update() {
    var weights = [], bad = false;
    for (var j = 0; j < inputs.length; j++) {
      var ok = valid(inputs[j].value);
      inputs[j].setAttribute("aria-invalid", ok ? "false" : "true");
      bad = bad || !ok;
      weights.push(Number(inputs[j].value));
    }
    live.hidden = false;
    if (bad) { live.textContent = data.text.invalid; return; }
    var result = rank(data, weights);
    if (!result) { live.textContent = data.text.zero; return; }
    var names = [];
    for (j = 0; j < 3 && j < result.order.length; j++) names.push(data.proposals[result.order[j]]);
    live.textContent = fill(data.text.top3, {names: names.join(", ")});
    showTable(result);
    showRadar(result, weights);
    last = result;
  }

  function showTable(result) {
    if (!table) {  // the server showed none (what was typed was not weights): make one
      table = el("table", {"class": "igviz-ranking-table", id: "ranking"});
      figure.parentNode.insertBefore(table, figure);
    }
    var body = el("tbody");
    for (var r = 0; r < result.order.length; r++) {
      var p = result.order[r];
      var tr = el("tr", {"data-proposal": data.ids[p]});
      if (last && last.order[r] !== p) tr.className = "changed";  // moved since the last change
      tr.appendChild(el("td", {}, String(r + 1)));
      tr.appendChild(el("td", {}, data.proposals[p]));
      tr.appendChild(el("td", {"class": "num"}, fixed2(result.overall[p])));
      body.appendChild(tr);
    }
    var old = table.querySelector("tbody");
    if (old) table.replaceChild(body, old); else table.appendChild(body);
  }

  // The radar: spokes clockwise from the top, numbered; the list under it names them.
  var R = 110;
  function point(j, value, max) {
    var angle = Math.PI / 2 - 2 * Math.PI * j / inputs.length, r = R * value / max;
    return (r * Math.cos(angle)).toFixed(1) + "," + (-r * Math.sin(angle)).toFixed(1);
  }
  function polygon(values, max, attrs) {
    var pts = [];
    for (var j = 0; j < values.length; j++) pts.push(point(j, Math.max(0, Math.min(values[j], max)), max));
    attrs.points = pts.join(" ");
    return el("polygon", attrs, undefined, SVG);
  }

  function showRadar(result, weights) {
    var top = result.order[0], n = inputs.length, j;
    var svg = el("svg", {viewBox: "-150 -150 300 300", role: "img", "aria-hidden": "true"}, undefined, SVG);
    for (var ring = 1; ring <= 5; ring++) {
      var ringValues = [];
      for (j = 0; j < n; j++) ringValues.push(data.scale * ring / 5);
      svg.appendChild(polygon(ringValues, data.scale, {fill: "none", stroke: "#ccc"}));
    }
    for (j = 0; j < n; j++) {
      var end = point(j, data.scale, data.scale).split(","), label = point(j, data.scale * 1.18, data.scale).split(",");
      svg.appendChild(el("line", {x1: 0, y1: 0, x2: end[0], y2: end[1], stroke: "#ccc"}, undefined, SVG));
      svg.appendChild(el("text", {x: label[0], y: label[1], "text-anchor": "middle", "dominant-baseline": "central"},
                         String(j + 1), SVG));
    }
    svg.appendChild(polygon(data.scores[top], data.scale,
                            {fill: "rgba(11,87,163,.25)", stroke: "#0b57a3", "stroke-width": 2}));
    svg.appendChild(polygon(weights, data.max, {fill: "none", stroke: "#b34700", "stroke-width": 2,
                                                "stroke-dasharray": "6 4"}));
    var caption = el("figcaption", {}, fill(data.text.radar, {name: data.proposals[top]}));
    var legend = el("ol", {"class": "legend"});
    for (j = 0; j < n; j++) legend.appendChild(el("li", {}, data.names[j]));
    while (figure.firstChild) figure.removeChild(figure.firstChild);
    figure.appendChild(caption);
    figure.appendChild(svg);
    figure.appendChild(legend);
    figure.hidden = false;
  }

  update();
})();

/* A round's opening and closing times (igviz pacing): the server writes them in the facilitator's
   zone or UTC, named, since it cannot know the phone's; here each becomes the phone's own time,
   with its zone named, so remote participants across time zones read their own clock. */
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) return;
  var two = function (n) { return (n < 10 ? "0" : "") + n; };
  var times = document.querySelectorAll("time[data-local]");
  for (var i = 0; i < times.length; i++) {
    var d = new Date(times[i].getAttribute("datetime"));
    if (isNaN(d.getTime())) continue;
    times[i].textContent = d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " +
      two(d.getHours()) + ":" + two(d.getMinutes()) + " " + zone;
  }
})();

/* Ratings: a slider beside each rating box (one value, the form sends the box); typing or sliding
   a value unticks "Don't know", and a cell that says "Don't know" is greyed. Moving between
   proposals is a form post; here it is sent in the background and only the ratings part comes back
   (part=card: a few kilobytes, not the page), so the weights and ranking stay as they are. Without
   this file, or if that fails, the form posts as usual and the whole page comes back. */
(function () {
  "use strict";
  if (!document.querySelector) return;
  var form = document.querySelector("form.weights");
  igvizRatingCells(document);
  if (!form || !window.fetch || !window.FormData || !window.URLSearchParams || !window.DOMParser) return;
  var plain = false;
  form.addEventListener("submit", function (event) {
    var button = event.submitter, section = document.getElementById("rating");
    if (plain || !button || !section || !section.contains(button)) return;
    event.preventDefault();
    var data = new FormData(form);
    data.append("action", button.value);
    data.append("part", "card");
    fetch(button.formAction || form.action, {method: "POST", body: new URLSearchParams(data),
                                             credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html").getElementById("rating");
        if (!fresh) throw new Error("no card");
        var now = document.getElementById("rating");
        now.parentNode.replaceChild(document.importNode(fresh, true), now);
        var replaced = document.getElementById("rating");
        igvizRatingCells(replaced);
        var heading = replaced.querySelector("h3");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); heading.scrollIntoView(); }
      })
      .catch(function () {  // the server said no (a bad value) or is away: the plain post says why
        plain = true;
        if (form.requestSubmit) form.requestSubmit(button); else button.click();
      });
  });
})();

function igvizRatingCells(root) {
  "use strict";
  var boxes = root.querySelectorAll(".rate input[type=number]");
  for (var i = 0; i < boxes.length; i++) {
    (function (box) {
      var cell = box.parentNode.parentNode, dk = cell.querySelector(".dk input");
      var label = cell.querySelector("label[for]");
      var slider = document.createElement("input");
      slider.type = "range"; slider.min = "0"; slider.max = "10"; slider.step = "1"; slider.value = box.value;
      slider.setAttribute("aria-label", label ? label.textContent : "");
      box.parentNode.insertBefore(slider, box);
      function mark() { cell.className = dk && dk.checked ? "rate unknown" : "rate"; }
      slider.addEventListener("input", function () { box.value = slider.value; if (dk) dk.checked = false; mark(); });
      box.addEventListener("input", function () {
        var v = Number(box.value.replace(",", "."));
        if (box.value.trim() !== "" && isFinite(v) && v >= 0 && v <= 10) slider.value = String(v);
        if (dk) dk.checked = false;
        mark();
      });
      if (dk) dk.addEventListener("change", mark);
      mark();
    })(boxes[i]);
  }
}

/* A page left open learns of the facilitator's moves without a reload. It asks the server (lite-poll)
   for the round's stamp (the round, its state, whether its results are revealed); the server answers as
   soon as that differs from what this page shows, else after some 25 s (a long poll: a few dozen bytes,
   no page). Only on news does the page fetch the part that changed (the group's result, the round's
   state) and put it in place; what the participant typed stays. A new round is a new form: the page
   loads it. Without JavaScript the page has a refresh link instead. */
(function () {
  "use strict";
  var pacing = document.getElementById("pacing");
  if (!pacing || !window.fetch || !window.JSON || !window.DOMParser) return;
  if (document.documentElement.className.indexOf(" js") < 0) document.documentElement.className += " js";
  var here = pacing.getAttribute("data-here"), poll = pacing.getAttribute("data-poll");
  var stamp = pacing.getAttribute("data-stamp");
  var form = JSON.parse(stamp);  // the round (and what it asks) this page's form was made for
  function newForm(now) { return now.round !== form.round || now.asks !== form.asks; }
  function later(ms) { setTimeout(ask, ms === undefined ? 500 + Math.random() * 1000 : ms); }
  function ask() {
    if (document.hidden) return later(5000);
    fetch(poll + "&since=" + encodeURIComponent(stamp), {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        if (!text) return later(10000);  // the server is away or the workshop gone: ask again calmly
        if (text === stamp) return later();
        if (newForm(JSON.parse(text))) { window.location.href = here; return; }
        // A room's phones hear of a reveal at once: spread their fetches over two seconds.
        setTimeout(function () { refresh(text); }, Math.random() * 2000);
      })
      .catch(function () { later(10000); });
  }
  function refresh(text) {
    fetch(here + "&part=pacing", {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        stamp = text;
        if (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("pacing"), button = doc.querySelector("button[value=submit]");
          var mine = document.querySelector("button[value=submit]");
          if (fresh) {
            stamp = fresh.getAttribute("data-stamp") || text;
            if (newForm(JSON.parse(stamp))) { window.location.href = here; return; }  // it moved on meanwhile
            pacing.innerHTML = fresh.innerHTML;
          }
          if (button && mine) mine.disabled = button.disabled;
          var status = doc.getElementById("status"), myStatus = document.getElementById("status");
          if (status && myStatus) myStatus.textContent = status.textContent;
        }
        later();
      })
      .catch(function () { later(10000); });
  }
  later(1000);
})();
