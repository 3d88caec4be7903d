// Study page: draws the plotly figures, then polls data.json and redraws only what changed.
(function () {
  "use strict";
  var POLL_MS = 10000;
  var UPDATING_POLL_MS = 2000;
  var script = document.getElementById("dashboard-script");
  var dataUrl = script.dataset.url + (window.location.search || "?");
  var payload = JSON.parse(document.getElementById("dashboard-payload").textContent);
  var runs = JSON.parse(document.getElementById("dashboard-runs").textContent);
  var drawn = {}; // chart id -> JSON of the figure last drawn
  var config = { displaylogo: false, responsive: true,
                 modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"] };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function ensureCard(fig) {
    var card = document.getElementById("card-" + fig.id);
    if (card) return card;
    var charts = document.querySelector(".charts");
    var empty = charts.querySelector(".empty");
    if (empty) empty.remove();
    card = el("figure", "chart-card" + (fig.wide ? " wide" : ""));
    card.id = "card-" + fig.id;
    card.appendChild(el("h2", null, fig.title));
    var div = el("div", "chart");
    div.id = "chart-" + fig.id;
    div.style.height = (fig.height || 360) + "px";
    card.appendChild(div);
    var cap = el("figcaption", null, fig.caption);
    cap.id = "caption-" + fig.id;
    card.appendChild(cap);
    charts.appendChild(card);
    return card;
  }

  // The charts near the screen are drawn first, without waiting for the dozen below; those
  // below follow one at a time while the browser is idle (a reader who scrolls finds them
  // drawn, and the page answers clicks between two), or at once if scrolled to first.
  var latest = {}; // chart id -> its latest figure
  var near = {}; // chart id -> true while within a screen of the viewport
  var observer = "IntersectionObserver" in window ?
    new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var id = entry.target.id.slice("chart-".length);
        near[id] = entry.isIntersecting;
        if (entry.isIntersecting) drawOne(id);
      });
    }, { rootMargin: "200px 0px" }) : null;

  // A chart as wide as its card allows: a legend above the plot gets room over it for the
  // toolbar (which covered it); on a phone-wide card there is no toolbar, a numeric or date
  // axis gets a few ticks instead of one per bin, names along the x axis stand upright and
  // long names on the y axis wrap instead of being cut.
  var NARROW_PX = 600;
  function wrapped(text, width) {
    var words = String(text).split(" "), lines = [""];
    words.forEach(function (w) {
      var line = lines[lines.length - 1];
      if (line && (line + " " + w).length > width) lines.push(w);
      else lines[lines.length - 1] = line ? line + " " + w : w;
    });
    return lines.join("<br>");
  }
  function categoriesWrapped(axis, values) {
    var seen = [];
    values.forEach(function (v) { if (seen.indexOf(v) < 0) seen.push(v); });
    if (!seen.length || !seen.some(function (v) { return String(v).length > 16; })) return axis;
    return Object.assign({}, axis, { tickmode: "array", tickvals: seen,
      ticktext: seen.map(function (v) { return wrapped(v, 16); }) });
  }
  function fitted(f, width) {
    var layout = Object.assign({}, f.layout);
    var narrow = width < NARROW_PX;
    var margin = Object.assign({ t: 16 }, layout.margin);
    if (layout.legend && layout.legend.y >= 1) {
      layout.legend = Object.assign({}, layout.legend, { y: 1.02, yanchor: "bottom" });
      margin.t = Math.max(margin.t, 36) + (narrow ? 40 : 28);
    }
    if (narrow && layout.legend && layout.legend.y < 0 && layout.showlegend !== false) {
      // Below the plot the legend met the upright names; above it, with no toolbar, it is
      // clear of both (one line per entry on a phone).
      var entries = (f.data || []).filter(function (t) { return t.name && t.showlegend !== false; });
      layout.legend = Object.assign({}, layout.legend, { y: 1.02, yanchor: "bottom" });
      margin.t = Math.max(margin.t, 16) + 22 * Math.min(entries.length, 8);
    }
    layout.margin = margin;
    if (!narrow) return layout;
    ["xaxis", "yaxis"].forEach(function (name) {
      var axis = Object.assign({ automargin: true }, layout[name]);
      var values = [];
      (f.data || []).forEach(function (trace) {
        var v = trace[name.charAt(0)];
        if (Array.isArray(v)) values = values.concat(v);
      });
      var dates = axis.type === "date" || values.some(function (v) {
        return typeof v === "string" && /^\d{4}-\d\d-\d\d/.test(v);
      });
      var categorical = !dates && values.length &&
        values.every(function (v) { return typeof v === "string"; });
      if (categorical && name === "yaxis") axis = categoriesWrapped(axis, values);
      else if (categorical) {
        // Upright names on one line each never run into each other (a name broken over lines
        // and turned upright was drawn into the plot).
        axis.tickangle = -90;
        var names = Array.isArray(axis.ticktext) ? axis.tickvals : values.filter(function (v, i) {
          return values.indexOf(v) === i;
        });
        var texts = Array.isArray(axis.ticktext) ? axis.ticktext : names;
        axis.tickmode = "array";
        axis.tickvals = names;
        axis.ticktext = texts.map(function (t) { return String(t).replace(/<br>/g, " "); });
      }
      else if (axis.type !== "category" && !(axis.tickformat === ",d" && axis.dtick)) {
        // A small count axis keeps its step of one: auto ticks would read "0, 0, 1, 1".
        delete axis.dtick;
        axis.tickmode = "auto";
        axis.nticks = dates ? 4 : 6;
      }
      layout[name] = axis;
    });
    return layout;
  }

  function drawOne(id, offScreen) {
    var fig = latest[id];
    if (!fig || (observer && !near[id] && !offScreen)) return;
    var json = JSON.stringify(fig.figure);
    if (drawn[id] === json) return;
    var target = document.getElementById("chart-" + id);
    var f = fig.figure;
    var width = target.clientWidth;
    var layout = fitted(f, width);
    var options = Object.assign({}, config, { displayModeBar: width >= NARROW_PX });
    if (drawn[id] === undefined) Plotly.newPlot(target, f.data, layout, options);
    else Plotly.react(target, f.data, layout, options);
    drawn[id] = json;
  }

  var later = []; // chart ids to draw when the browser is idle, in page order
  var idle = window.requestIdleCallback || function (fn) { return window.setTimeout(fn, 1); };
  function drawLater() {
    var id = later.shift();
    if (id === undefined) return;
    drawOne(id, true);
    if (later.length) idle(drawLater, { timeout: 50 });
  }

  function drawCharts(figures) {
    var waiting = later.length;
    (figures.charts || []).forEach(function (fig) {
      ensureCard(fig);
      latest[fig.id] = fig;
      document.getElementById("caption-" + fig.id).textContent = fig.caption;
      var target = document.getElementById("chart-" + fig.id);
      if (observer && !target.dataset.observed) {
        target.dataset.observed = "1";
        observer.observe(target);
      }
      drawOne(fig.id);
      if (observer && later.indexOf(fig.id) < 0) later.push(fig.id);
    });
    // After the first screen's charts are on it (the observer draws them on its first call).
    if (!waiting && later.length) window.setTimeout(function () { idle(drawLater, { timeout: 50 }); }, 0);
  }

  function drawKpis(summary) {
    var box = document.getElementById("kpis");
    box.replaceChildren();
    (summary || []).forEach(function (k) {
      var card = el("div", "kpi");
      card.appendChild(el("div", "kpi-value", k.value));
      card.appendChild(el("div", "kpi-label", k.label));
      if (k.note) card.appendChild(el("div", "kpi-note", k.note));
      if (k.warning) card.appendChild(el("div", "kpi-warning", k.warning));
      box.appendChild(card);
    });
  }

  function drawExclusions(lines) {
    var box = document.getElementById("exclusion-words");
    if (!box) return;
    box.replaceChildren();
    (lines || []).forEach(function (line) { box.appendChild(el("li", null, line)); });
  }

  function drawRuns(list) {
    var box = document.getElementById("runs-list");
    box.replaceChildren();
    if (!list.length) {
      box.appendChild(el("p", "muted small", "No scoring runs for this study yet."));
      return;
    }
    list.forEach(function (run) {
      var row = el("div", "run run-" + run.status);
      row.appendChild(el("span", "run-name", run.scorer));
      row.appendChild(el("span", "pill pill-" + run.status, run.status_label));
      var bar = el("div", "progress");
      bar.setAttribute("role", "progressbar");
      bar.setAttribute("aria-valuemin", "0");
      bar.setAttribute("aria-valuemax", String(run.n_total));
      bar.setAttribute("aria-valuenow", String(run.n_done));
      var fill = el("div", "progress-fill");
      fill.style.width = run.percent + "%";
      bar.appendChild(fill);
      row.appendChild(bar);
      var detail = run.n_done + " / " + run.n_total + " items";
      if (run.tokens_per_second) detail += " · " + Math.round(run.tokens_per_second) + " tokens/s";
      if (run.when) detail += " · " + run.when;
      row.appendChild(el("span", "run-detail muted small", detail));
      if (run.queue) row.appendChild(el("span", "run-queue muted small", run.queue));
      if (run.error) row.appendChild(el("div", "run-error small", run.error));
      box.appendChild(row);
    });
  }

  function setStatus(text, bad) {
    var s = document.getElementById("live-status");
    s.textContent = text;
    s.classList.toggle("live-bad", !!bad);
  }

  function poll() {
    // "since" only while the page holds the current whole report: otherwise the full payload.
    var url = payload.state !== "current" ? dataUrl :
      dataUrl + (dataUrl.slice(-1) === "?" ? "" : "&") + "since=" + encodeURIComponent(payload.version);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (resp) {
        if (resp.status === 403 || resp.status === 404) throw new Error("session");
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        return resp.json();
      })
      .then(function (data) {
        if (!data.unchanged && (data.version !== payload.version || data.state !== payload.state)) {
          payload = data;
          drawKpis(data.figures.summary);
          drawExclusions(data.figures.exclusions);
          drawCharts(data.figures);
        }
        drawRuns(data.runs);
        var active = data.runs.some(function (r) { return r.active; });
        // A closed study takes no new participants: it is not "live", only its scores may move.
        var closed = document.getElementById("live-status").dataset.state === "closed";
        setStatus((closed ? "Closed to new participants · checked " : "Live · updated ") +
                  new Date().toLocaleTimeString() +
                  (payload.state === "updating" ? " · new data: recomputing the figures (at most once a minute)" :
                   payload.updating ? " · computing the figures" : "") +
                  (active ? " · a scoring run is in progress" : ""));
      })
      .catch(function (err) {
        setStatus(err.message === "session" ?
          "Not updating: log in again to see new data" : "Not updating (" + err.message + "), retrying", true);
      })
      // While the figures are recomputed in the background, ask again soon.
      .finally(function () { window.setTimeout(poll, payload.updating ? UPDATING_POLL_MS : POLL_MS); });
  }

  drawCharts(payload.figures);
  drawRuns(runs);
  window.setTimeout(poll, payload.updating ? UPDATING_POLL_MS : POLL_MS);
})();

// Switching the item set or a rule reloads the page with it; the Apply button stays for
// browsers without scripts.
(function () {
  "use strict";
  var form = document.getElementById("rules-form");
  if (!form) return;
  form.addEventListener("change", function () { form.submit(); });
  var apply = form.querySelector("button[type=submit]");
  if (apply) apply.hidden = true;
})();
