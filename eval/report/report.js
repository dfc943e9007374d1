/* Relecture report: builds every view from the JSON embedded in the page.
 *
 * Safety rule for this file: text from the data reaches the page only through text nodes,
 * textContent, or setAttribute on attributes that are never URLs or handlers (title, data-*).
 * There is no innerHTML, no eval, no inline handler; the page's CSP allows only this script.
 */
(function () {
  "use strict";

  const D = JSON.parse(document.getElementById("relecture-data").textContent);
  const SVGNS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                   "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
                   "#1f3f77", "#b35806", "#1b7837", "#a50f15", "#01665e",
                   "#8c6d00", "#6a3d9a", "#c51b7d", "#543005", "#4d4d4d"];
  const SEVERITIES = D.severities;                 // ["minor", "major", "critical"]
  const SEV_WEIGHT = D.severity_weights;            // report.md's weights: the same worst segments
  const N = D.segments;
  // A large run embeds an evenly spaced sample (report/html.py); SID gives a row's segment id.
  const SID = (i) => (D.seg_ids ? D.seg_ids[i] : i);
  const SYSTEMS = D.systems;
  const METRICS = D.metrics.map((m) => m.name);
  const HIB = Object.fromEntries(D.metrics.map((m) => [m.name, m.higher_is_better]));
  const ALPHA = 0.05;
  const CONFIDENCE = (D.comparisons.find((c) => typeof c.confidence === "number") || { confidence: 0.95 }).confidence;
  const CONFIDENCE_LABEL = +(CONFIDENCE * 100).toFixed(1) + "%";

  // ---------------------------------------------------------------- DOM helpers
  function append(node, kids) {
    for (const kid of kids) {
      if (kid === null || kid === undefined || kid === false) continue;
      if (Array.isArray(kid)) append(node, kid);
      else if (kid instanceof Node) node.appendChild(kid);
      else node.appendChild(document.createTextNode(String(kid)));
    }
    return node;
  }

  function el(tag, attrs, ...kids) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    return append(node, kids);
  }

  function svg(tag, attrs, ...kids) {
    const node = document.createElementNS(SVGNS, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, String(value));
    }
    for (const kid of kids) if (kid) node.appendChild(kid);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function card(title, ...kids) {
    return el("div", { class: "card" }, title ? el("h2", {}, title) : null, ...kids);
  }

  function select(options, value, onchange, label) {
    const node = el("select", { "aria-label": label || "" });
    for (const [val, text] of options) {
      const opt = el("option", { value: val }, text);
      if (val === value) opt.selected = true;
      node.appendChild(opt);
    }
    node.addEventListener("change", () => onchange(node.value));
    return node;
  }

  function labelled(text, control) {
    return el("label", { class: "control" }, el("span", {}, text), control);
  }

  const systemColor = (name) => PALETTE[Math.max(0, SYSTEMS.indexOf(name)) % PALETTE.length];

  function sysChip(name) {
    const chip = el("span", { class: "sys-chip", title: name }, name);
    chip.style.borderColor = systemColor(name);
    return chip;
  }

  // ---------------------------------------------------------------- numbers
  // Display precision per metric: scores on a 0-1 scale need 4 decimals, 0-100 ones need 2.
  const DECIMALS = {};
  for (const m of METRICS) {
    let big = 0;
    for (const s of SYSTEMS) {
      const cell = D.table[s][m];
      if (cell && cell.score !== null) big = Math.max(big, Math.abs(cell.score));
    }
    DECIMALS[m] = big <= 1.5 ? 4 : 2;
  }

  function fmt(value, metric, signed) {
    if (value === null || value === undefined || Number.isNaN(value)) return "—";
    const text = value.toFixed(metric in DECIMALS ? DECIMALS[metric] : 2);
    return signed && value > 0 ? "+" + text : text;
  }

  function fmtP(p) {
    if (p === null || p === undefined) return "—";
    return p < 0.001 ? "< 0.001" : p.toFixed(3);
  }

  const intFmt = (n) => n.toLocaleString("en-US");

  function mean(values) {
    let sum = 0, n = 0;
    for (const v of values) if (v !== null) { sum += v; n += 1; }
    return n ? sum / n : null;
  }

  function quantile(sorted, q) {
    if (!sorted.length) return null;
    const pos = (sorted.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }

  function niceTicks(lo, hi, count) {
    if (!(hi > lo)) return [lo];
    const raw = (hi - lo) / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) || raw;
    const ticks = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toFixed(10));
    return ticks;
  }

  const tickText = (t) => (Math.abs(t) >= 10 || t === 0 ? String(+t.toFixed(1)) : String(+t.toFixed(3)));

  function segScores(system, metric) {
    const bySystem = D.seg_scores[system];
    return bySystem && bySystem[metric] ? bySystem[metric] : null;
  }

  const SEG_METRICS = METRICS.filter((m) => SYSTEMS.some((s) => segScores(s, m)));

  // Percentile of a segment score among all systems' segments for that metric, oriented so
  // that 1 is best: colours score chips in the explorer.
  const SORTED_CACHE = {};
  function goodness(metric, value) {
    if (value === null || value === undefined) return null;
    if (!SORTED_CACHE[metric]) {
      const all = [];
      for (const s of SYSTEMS) for (const v of segScores(s, metric) || []) if (v !== null) all.push(v);
      SORTED_CACHE[metric] = Float64Array.from(all).sort();
    }
    const arr = SORTED_CACHE[metric];
    if (arr.length < 2) return 0.5;
    let lo = 0, hi = arr.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (arr[mid] < value) lo = mid + 1; else hi = mid; }
    const pct = lo / (arr.length - 1);
    return HIB[metric] ? pct : 1 - pct;
  }

  function goodnessColor(g) {
    if (g === null) return "transparent";
    const hue = Math.round(g * 120);                 // red (0) .. green (120)
    return "hsl(" + hue + ", 70%, 90%)";
  }

  // ---------------------------------------------------------------- flags
  const FLAGS_BY_SEG = {};   // system -> array (per segment) of flag rows, or undefined
  for (const s of SYSTEMS) {
    const bySeg = new Array(N);
    for (const row of D.flags[s] || []) {
      const seg = row[0];
      if (seg < 0 || seg >= N) continue;
      (bySeg[seg] || (bySeg[seg] = [])).push(row);
    }
    FLAGS_BY_SEG[s] = bySeg;
  }

  function flagMessage(row, system) {
    const sev = SEVERITIES[row[2]], cat = D.categories[row[1]], flagger = D.flaggers[row[7]];
    const where = row[5] ? " (in the source)" : "";
    return sev + " · " + cat + where + " — " + row[6] + " [" + flagger + (system ? ", " + system : "") + "]";
  }

  function sevPill(sevIndex, text) {
    return el("span", { class: "pill sev-" + SEVERITIES[sevIndex] }, text === undefined ? SEVERITIES[sevIndex] : text);
  }

  // Text with flagged spans marked.  Offsets are Python character offsets (code points), so the
  // text is split into code points first (an emoji is two UTF-16 units but one offset).
  function highlighted(text, spans) {
    const frag = document.createDocumentFragment();
    if (text === "") { frag.appendChild(el("span", { class: "muted empty-text" }, "(empty output)")); return frag; }
    if (!spans.length) { frag.appendChild(document.createTextNode(text)); return frag; }
    const chars = Array.from(text), n = chars.length;
    const cuts = new Set([0, n]);
    const clean = [];
    for (const sp of spans) {
      const start = Math.max(0, Math.min(n, sp.start | 0));
      const end = Math.max(start, Math.min(n, sp.end | 0));
      clean.push({ start, end, sev: sp.sev, tip: sp.tip });
      cuts.add(start); cuts.add(end);
    }
    const points = Array.from(cuts).sort((a, b) => a - b);
    const insertAt = (pos) => {
      for (const sp of clean) {
        if (sp.start === sp.end && sp.start === pos) {
          const mark = el("mark", { class: "gap sev-" + SEVERITIES[sp.sev], "data-tip": sp.tip, title: sp.tip, tabindex: "0" }, "‸");
          frag.appendChild(mark);
        }
      }
    };
    for (let k = 0; k < points.length - 1; k++) {
      const a = points[k], b = points[k + 1];
      insertAt(a);
      const piece = chars.slice(a, b).join("");
      const covering = clean.filter((sp) => sp.start <= a && sp.end >= b && sp.end > sp.start);
      if (!covering.length) { frag.appendChild(document.createTextNode(piece)); continue; }
      const worst = Math.max(...covering.map((sp) => sp.sev));
      const tip = covering.map((sp) => sp.tip).join("\n");
      frag.appendChild(el("mark", { class: "sev-" + SEVERITIES[worst], "data-tip": tip, title: tip, tabindex: "0" }, piece));
    }
    insertAt(n);
    return frag;
  }

  // One floating tooltip for every element with data-tip (native title tips are slow to show).
  const tooltip = document.getElementById("tooltip");
  function showTip(target, x, y) {
    tooltip.textContent = target.getAttribute("data-tip");
    tooltip.hidden = false;
    const box = tooltip.getBoundingClientRect();
    const left = Math.min(window.innerWidth - box.width - 8, x + 12);
    tooltip.style.left = Math.max(4, left) + window.scrollX + "px";
    tooltip.style.top = y + 16 + window.scrollY + "px";
  }
  document.addEventListener("mouseover", (ev) => {
    const target = ev.target instanceof Element ? ev.target.closest("[data-tip]") : null;
    if (target) showTip(target, ev.clientX, ev.clientY); else tooltip.hidden = true;
  });
  document.addEventListener("focusin", (ev) => {
    const target = ev.target instanceof Element ? ev.target.closest("[data-tip]") : null;
    if (target) { const r = target.getBoundingClientRect(); showTip(target, r.left, r.bottom - 8); }
  });
  document.addEventListener("focusout", () => { tooltip.hidden = true; });

  // ---------------------------------------------------------------- word diff
  const TOKEN = /[\p{L}\p{N}\p{M}_'’-]+|[^\s\p{L}\p{N}\p{M}_'’-]|\s+/gu;

  // Longest common subsequence on word tokens; returns per-token "same" flags for both sides,
  // or null when the sentences are too long for a quadratic table.
  function wordDiff(a, b) {
    const ta = a.match(TOKEN) || [], tb = b.match(TOKEN) || [];
    const wa = ta.filter((t) => !/^\s+$/.test(t)), wb = tb.filter((t) => !/^\s+$/.test(t));
    const n = wa.length, m = wb.length;
    if (n * m > 400000) return null;
    const dp = new Array(n + 1);
    for (let i = 0; i <= n; i++) dp[i] = new Uint16Array(m + 1);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        dp[i][j] = wa[i] === wb[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
      }
    }
    const sameA = new Array(n).fill(false), sameB = new Array(m).fill(false);
    let i = 0, j = 0;
    while (i < n && j < m) {
      if (wa[i] === wb[j]) { sameA[i] = sameB[j] = true; i++; j++; }
      else if (dp[i + 1][j] >= dp[i][j + 1]) i++;
      else j++;
    }
    return { a: [ta, sameA], b: [tb, sameB] };
  }

  function diffFragment(tokens, same, tag) {
    const frag = document.createDocumentFragment();
    let w = 0, run = null, space = "";
    for (const tok of tokens) {
      if (/^\s+$/.test(tok)) { space += tok; continue; }   // placed once the next word is known
      if (same[w]) {
        run = null;
        frag.appendChild(document.createTextNode(space + tok));
      } else {
        if (run) run.appendChild(document.createTextNode(space));
        else {
          if (space) frag.appendChild(document.createTextNode(space));
          run = el(tag, { class: tag === "del" ? "diff-del" : "diff-ins" });
          frag.appendChild(run);
        }
        run.appendChild(document.createTextNode(tok));
      }
      space = "";
      w++;
    }
    if (space) frag.appendChild(document.createTextNode(space));
    return frag;
  }

  // ---------------------------------------------------------------- plots (SVG)
  function histogram(values, opts) {
    const width = opts.width || 320, height = opts.height || 120;
    const pad = { l: 34, r: 16, t: 8, b: 22 };
    const lo = opts.lo, hi = opts.hi > opts.lo ? opts.hi : opts.lo + 1;
    const bins = opts.bins || 30, counts = new Array(bins).fill(0);
    for (const v of values) {
      if (v === null) continue;
      counts[Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * bins)))] += 1;
    }
    const top = Math.max(1, ...counts);
    const iw = width - pad.l - pad.r, ih = height - pad.t - pad.b;
    const x = (v) => pad.l + ((v - lo) / (hi - lo)) * iw;
    const root = svg("svg", { viewBox: "0 0 " + width + " " + height, width, height, class: "plot", role: "img",
                             "aria-label": opts.label || "histogram" });
    for (let k = 0; k < bins; k++) {
      const h = (counts[k] / top) * ih;
      const x0 = pad.l + (k / bins) * iw;
      const fill = opts.colorOf ? opts.colorOf(lo + ((k + 0.5) / bins) * (hi - lo)) : opts.color;
      const bar = svg("rect", { x: x0 + 0.5, y: pad.t + ih - h, width: Math.max(0.5, iw / bins - 1), height: h, fill });
      bar.appendChild(svg("title", { text: intFmt(counts[k]) + " segments in [" +
        tickText(lo + (k / bins) * (hi - lo)) + ", " + tickText(lo + ((k + 1) / bins) * (hi - lo)) + ")" }));
      root.appendChild(bar);
    }
    root.appendChild(svg("line", { x1: pad.l, x2: width - pad.r, y1: pad.t + ih, y2: pad.t + ih, class: "axis" }));
    for (const t of niceTicks(lo, hi, 5)) {
      root.appendChild(svg("line", { x1: x(t), x2: x(t), y1: pad.t + ih, y2: pad.t + ih + 4, class: "axis" }));
      root.appendChild(svg("text", { x: x(t), y: height - 6, "text-anchor": "middle", class: "tick", text: tickText(t) }));
    }
    root.appendChild(svg("text", { x: pad.l - 4, y: pad.t + 8, "text-anchor": "end", class: "tick", text: intFmt(top) }));
    for (const mk of opts.markers || []) {
      if (mk.value === null) continue;
      root.appendChild(svg("line", { x1: x(mk.value), x2: x(mk.value), y1: pad.t, y2: pad.t + ih, class: mk.cls },
        svg("title", { text: mk.label })));
    }
    return root;
  }

  // Flags by category: one group per category, one bar per system, stacked by severity.
  // Drawn at the width of its host so its text stays at reading size.
  function flagChart(host) {
    clear(host);
    const rows = [];
    for (const [ci, cat] of D.categories.entries()) {
      for (const s of SYSTEMS) {
        const counts = [0, 0, 0];
        for (const row of D.flags[s] || []) if (row[1] === ci) counts[row[2]] += 1;
        rows.push({ cat, system: s, counts, total: counts[0] + counts[1] + counts[2] });
      }
    }
    if (!rows.length) { host.appendChild(el("p", { class: "muted" }, "No flags were raised.")); return; }
    const width = Math.max(320, host.clientWidth || 560);
    const barH = 14, gap = 4, catH = 20, groupGap = 8, labelW = Math.min(180, Math.round(width * 0.3)), countW = 44;
    const top = Math.max(1, ...rows.map((r) => r.total));
    const height = rows.length * (barH + gap) + D.categories.length * (catH + groupGap) + 24;
    const root = svg("svg", { viewBox: "0 0 " + width + " " + height, width, height, class: "plot flag-chart",
                             role: "img", "aria-label": "flags by category, system and severity" });
    const iw = width - labelW - countW;
    const maxChars = Math.floor(labelW / 7);
    let y = 0, lastCat = null;
    for (const r of rows) {
      if (r.cat !== lastCat) {
        if (lastCat !== null) y += groupGap;
        root.appendChild(svg("text", { x: 0, y: y + 14, class: "cat-label", text: r.cat }));
        y += catH;
        lastCat = r.cat;
      }
      const name = r.system.length > maxChars ? r.system.slice(0, maxChars - 1) + "…" : r.system;
      const label = svg("text", { x: 8, y: y + barH - 3, class: "sys-label", fill: systemColor(r.system), text: name });
      label.appendChild(svg("title", { text: r.system }));
      root.appendChild(label);
      let x = labelW;
      for (let sev = 0; sev < 3; sev++) {
        const w = (r.counts[sev] / top) * iw;
        if (w > 0) {
          const rect = svg("rect", { x, y, width: w, height: barH, class: "sev-fill-" + SEVERITIES[sev] });
          rect.appendChild(svg("title", { text: r.system + " · " + r.cat + " · " + SEVERITIES[sev] + ": " + r.counts[sev] }));
          root.appendChild(rect);
        }
        x += w;
      }
      root.appendChild(svg("text", { x: x + 6, y: y + barH - 3, class: "tick", text: intFmt(r.total) }));
      y += barH + gap;
    }
    const legend = svg("g", { transform: "translate(" + labelW + "," + (height - 6) + ")" });
    SEVERITIES.forEach((sev, k) => {
      legend.appendChild(svg("rect", { x: k * 80, y: -10, width: 10, height: 10, class: "sev-fill-" + sev }));
      legend.appendChild(svg("text", { x: k * 80 + 14, y: 0, class: "tick", text: sev }));
    });
    root.appendChild(legend);
    host.appendChild(root);
  }

  // ---------------------------------------------------------------- header and tabs
  function renderHeader() {
    document.getElementById("run-name").textContent = D.name;
    const meta = document.getElementById("run-meta");
    const created = D.info && (D.info.created || D.info.time);
    append(meta, [
      "test set ", el("b", {}, D.testset), " · ", intFmt(N),
      D.total_segments ? " of " + intFmt(D.total_segments) + " segments (an evenly spaced sample; segments.jsonl has all) · " : " segments · ", String(SYSTEMS.length),
      SYSTEMS.length === 1 ? " system" : " systems",
      D.refs.length ? " · " + D.refs.length + (D.refs.length === 1 ? " reference" : " references") : " · no reference",
      created ? " · " + created : null,
    ]);
    const verdict = document.getElementById("verdict");
    if (D.gates.length) {
      const failed = D.gates.filter((g) => !g.passed).length;
      verdict.appendChild(el("a", { href: "#comparison", class: "badge " + (failed ? "fail" : "pass"), id: "gate-badge" },
        failed ? "Gates: " + failed + " of " + D.gates.length + " failed" : "Gates: all " + D.gates.length + " passed"));
    }
  }

  const TABS = ["overview", "plots", "explorer", "documents", "comparison", "run"];
  const rendered = {};
  const renderers = {};

  function showTab(name) {
    if (!TABS.includes(name) || (name === "documents" && !D.documents.length)) name = "overview";
    for (const t of TABS) {
      document.getElementById(t).hidden = t !== name;
      const button = document.querySelector('#tabs [data-tab="' + t + '"]');
      button.setAttribute("aria-selected", t === name ? "true" : "false");
    }
    if (!rendered[name]) { rendered[name] = true; renderers[name](document.getElementById(name)); }
    if (location.hash !== "#" + name) history.replaceState(null, "", "#" + name);
    window.scrollTo(0, 0);  // a tab's id is also an anchor: keep the header in view
  }

  // ---------------------------------------------------------------- overview
  function bestOf(metric) {
    let best = null;
    for (const s of SYSTEMS) {
      const cell = D.table[s][metric];
      if (!cell || cell.score === null) continue;
      if (best === null || (HIB[metric] ? cell.score > best : cell.score < best)) best = cell.score;
    }
    return best;
  }

  function scoreTable() {
    const head = el("tr", {}, el("th", {}, "System"));
    for (const m of METRICS) {
      head.appendChild(el("th", { class: "num", title: HIB[m] ? "higher is better" : "lower is better" },
        m, el("span", { class: "dir" }, HIB[m] ? " ↑" : " ↓")));
    }
    head.appendChild(el("th", { class: "num" }, "Flags"));
    const body = el("tbody");
    for (const s of SYSTEMS) {
      const tr = el("tr", { "data-system": s }, el("th", { scope: "row" }, sysChip(s)));
      for (const m of METRICS) {
        const cell = D.table[s][m];
        if (!cell) { tr.appendChild(el("td", { class: "num muted" }, "—")); continue; }
        const best = cell.score !== null && cell.score === bestOf(m) && SYSTEMS.length > 1;
        const td = el("td", { class: "num score" + (best ? " best" : ""), "data-system": s, "data-metric": m,
                              "data-score": cell.score === null ? "" : String(cell.score), title: cell.signature },
          el("span", { class: "value" }, fmt(cell.score, m)), best ? el("span", { class: "star", title: "best" }, " ★") : null);
        if (cell.ci) td.appendChild(el("div", { class: "ci" }, "[" + fmt(cell.ci[0], m) + ", " + fmt(cell.ci[1], m) + "]"));
        const c = D.comparisons.find((row) => row.candidate === s && row.metric === m);
        if (c && c.delta !== null && c.delta !== undefined) {
          const [word, cls] = verdictOf(c);
          td.appendChild(el("div", { class: "cmp-delta " + cls, "data-tip": "vs " + c.baseline + ": " + word +
            (c.ci ? "; " + CONFIDENCE_LABEL + " CI [" + fmt(c.ci[0], m, true) + ", " + fmt(c.ci[1], m, true) + "]" : "") +
            (c.p_value !== null && c.p_value !== undefined ? "; p " + fmtP(c.p_adjusted !== null && c.p_adjusted !== undefined ? c.p_adjusted : c.p_value) : "") },
            "Δ " + fmt(c.delta, m, true) + " vs " + c.baseline));
        }
        tr.appendChild(td);
      }
      const counts = [0, 0, 0];
      for (const row of D.flags[s] || []) counts[row[2]] += 1;
      const flagged = new Set((D.flags[s] || []).map((r) => r[0])).size;
      tr.appendChild(el("td", { class: "num", "data-flags": String(counts[0] + counts[1] + counts[2]) },
        el("span", { class: "value" }, intFmt(counts[0] + counts[1] + counts[2])),
        el("div", { class: "ci" }, intFmt(flagged) + " segments"),
        el("div", { class: "pills" }, counts.map((c, k) => (c ? sevPill(k, intFmt(c) + " " + SEVERITIES[k]) : null)))));
      body.appendChild(tr);
    }
    const note = el("p", { class: "muted small" }, "★ best in its column · [low, high]: confidence interval of the corpus score · hover a score for its signature.");
    return [el("div", { class: "table-wrap" }, el("table", { class: "scores", id: "score-table" }, el("thead", {}, head), body)), note];
  }

  function flagTable() {
    if (!D.categories.length) return el("p", { class: "muted" }, "No flags were raised.");
    const head = el("tr", {}, el("th", {}, "Category"), SYSTEMS.map((s) => el("th", { class: "num" }, sysChip(s))));
    const body = el("tbody");
    for (const cat of D.categories) {
      const tr = el("tr", {}, el("th", { scope: "row" }, cat));
      for (const s of SYSTEMS) {
        const bySev = (D.system_info[s].flag_counts || {})[cat] || {};
        const total = SEVERITIES.reduce((sum, sev) => sum + (bySev[sev] || 0), 0);
        const td = el("td", { class: "num", "data-system": s, "data-category": cat, "data-count": String(total) });
        if (!total) td.appendChild(el("span", { class: "muted" }, "0"));
        else {
          const link = el("a", { href: "#explorer", class: "count-link", title: "show these segments" }, intFmt(total));
          link.addEventListener("click", (ev) => { ev.preventDefault(); openExplorer({ system: s, category: cat }); });
          td.appendChild(link);
          td.appendChild(el("div", { class: "pills" },
            SEVERITIES.map((sev, k) => (bySev[sev] ? sevPill(k, intFmt(bySev[sev]) + " " + sev) : null))));
        }
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    return el("div", { class: "table-wrap" }, el("table", { class: "flags", id: "flag-table" }, el("thead", {}, head), body));
  }

  // The metric a person would sort by first: a neural one when the run has it, else chrF.
  function primaryMetric() {
    const neural = SEG_METRICS.filter((m) => !D.lexical.includes(m));
    return neural[0] || ["chrf", "chrf++", "bleu", "ter"].find((m) => SEG_METRICS.includes(m)) || SEG_METRICS[0] || null;
  }

  function segLink(i, system) {
    const link = el("a", { href: "#explorer", class: "seg-link" }, "#" + SID(i));
    link.addEventListener("click", (ev) => { ev.preventDefault(); openExplorer({ query: "#" + SID(i), system: system || "all" }); });
    return link;
  }

  function lookFirst() {
    const out = [];
    const weight = new Float64Array(N);
    for (const s of SYSTEMS) for (const row of D.flags[s] || []) if (row[0] < N) weight[row[0]] += SEV_WEIGHT[row[2]];
    const order = [];
    for (let i = 0; i < N; i++) if (weight[i] > 0) order.push(i);
    order.sort((a, b) => weight[b] - weight[a] || a - b);
    if (order.length) {
      const list = el("ol", { class: "look-first", id: "look-flags" });
      for (const i of order.slice(0, 5)) {
        const worst = [];
        for (const s of SYSTEMS) for (const row of (FLAGS_BY_SEG[s][i] || [])) worst.push([row, s]);
        worst.sort((a, b) => b[0][2] - a[0][2]);
        const [row, s] = worst[0];
        list.appendChild(el("li", {}, segLink(i), " ", sevPill(row[2]), " ", el("b", {}, D.categories[row[1]]), " ",
          sysChip(s), " ", el("span", { class: "msg" }, row[6]),
          worst.length > 1 ? el("span", { class: "muted" }, " (+" + (worst.length - 1) + " more)") : null));
      }
      out.push(el("h3", {}, "Most severe flags"), list);
    }
    const m = primaryMetric();
    if (m) {
      const worst = [];
      for (const s of SYSTEMS) {
        const v = segScores(s, m);
        if (v) for (let i = 0; i < N; i++) if (v[i] !== null) worst.push([HIB[m] ? v[i] : -v[i], i, s, v[i]]);
      }
      worst.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const list = el("ol", { class: "look-first", id: "look-scores" });
      for (const [, i, s, v] of worst.slice(0, 5)) {
        list.appendChild(el("li", {}, segLink(i, s), " ", sysChip(s), " ", el("b", {}, m + " " + fmt(v, m)), " ",
          el("span", { class: "snippet" }, D.hyps[s][i] || "(empty output)")));
      }
      out.push(el("h3", {}, "Lowest " + m), list);
    }
    return out.length ? out : el("p", { class: "muted" }, "Nothing stands out: no flags and no per-segment scores.");
  }

  // "sys-a best on bleu, chrf · sys-b best on ter": the table's answer in one line.
  function headline() {
    const wins = {};
    for (const m of METRICS) {
      const best = bestOf(m);
      if (best === null) continue;
      const winners = SYSTEMS.filter((s) => D.table[s][m] && D.table[s][m].score === best);
      if (winners.length === 1) (wins[winners[0]] || (wins[winners[0]] = [])).push(m);
    }
    const parts = Object.entries(wins).sort((a, b) => b[1].length - a[1].length);
    if (SYSTEMS.length < 2 || !parts.length) return null;
    const line = el("p", { class: "headline", id: "headline" });
    parts.forEach(([s, ms], k) => {
      if (k) line.appendChild(document.createTextNode(" · "));
      append(line, [sysChip(s), ms.length === METRICS.length ? " best on all " + ms.length + " metrics" : " best on " + ms.join(", ")]);
    });
    return line;
  }

  function hashesList() {
    const info = D.info || {};
    const dl = el("dl", { class: "kv" });
    const add = (k, v, id) => { if (v !== undefined && v !== null && v !== "") dl.appendChild(el("div", {}, el("dt", {}, k), el("dd", { class: "mono", id }, String(v)))); };
    add("data hash", info.data_hash, "data-hash");
    add("config hash", info.config_hash, "config-hash");
    for (const s of SYSTEMS) add("output " + s, D.system_info[s].output_hash);
    const sigs = el("ul", { class: "sigs" });
    for (const m of METRICS) {
      const unique = new Set(SYSTEMS.map((s) => D.table[s][m] && D.table[s][m].signature).filter(Boolean));
      for (const sig of unique) sigs.appendChild(el("li", { class: "mono", "data-metric": m }, sig));
    }
    return [dl, el("h3", {}, "Signatures"), sigs];
  }

  renderers.overview = function (root) {
    root.appendChild(card("Scores", headline(), scoreTable()));
    if (D.warnings.length) {
      root.appendChild(card("Warnings", el("ul", { class: "warnings" }, D.warnings.map((w) => el("li", {}, w)))));
    }
    if (D.categories.length) {
      const chartHost = el("div", { class: "flag-chart-host" });
      root.appendChild(el("div", { class: "grid2" },
        card("Flags by category", flagTable()),
        card("Flags at a glance", chartHost)));
      flagChart(chartHost);
    } else {
      const flaggers = D.info && D.info.config && Array.isArray(D.info.config.flaggers) ? D.info.config.flaggers : null;
      root.appendChild(card("Flags", el("p", { class: "muted" }, flaggers && !flaggers.length
        ? "No flagger ran in this run (add some under flaggers: in the config)." : "No flags were raised.")));
    }
    root.appendChild(el("div", { class: "grid2" },
      card("Where to look first", lookFirst()),
      card("Signatures and hashes", hashesList())));
  };

  // ---------------------------------------------------------------- plots
  const plotState = { distMetric: SEG_METRICS[0], x: null, y: null, system: "all" };
  {
    // Default scatter: a lexical metric against a neural one, where disagreement means most.
    const lexical = SEG_METRICS.filter((m) => D.lexical.includes(m));
    const neural = SEG_METRICS.filter((m) => !D.lexical.includes(m));
    const prefer = (list, names) => names.find((n) => list.includes(n)) || list[0];
    plotState.x = prefer(lexical, ["chrf", "chrf++", "bleu", "ter"]) || SEG_METRICS[0];
    plotState.y = neural[0] || SEG_METRICS.find((m) => m !== plotState.x) || SEG_METRICS[0];
  }

  function distributions(host) {
    clear(host);
    const m = plotState.distMetric;
    const all = [];
    for (const s of SYSTEMS) for (const v of segScores(s, m) || []) if (v !== null) all.push(v);
    if (!all.length) { host.appendChild(el("p", { class: "muted" }, "No per-segment scores.")); return; }
    let lo = Infinity, hi = -Infinity;
    for (const v of all) { if (v < lo) lo = v; if (v > hi) hi = v; }
    const grid = el("div", { class: "multiples" });
    for (const s of SYSTEMS) {
      const values = segScores(s, m);
      if (!values) continue;
      const sorted = Float64Array.from(values.filter((v) => v !== null)).sort();
      const mu = mean(values), med = quantile(sorted, 0.5);
      grid.appendChild(el("figure", { class: "dist", "data-system": s },
        el("figcaption", {}, sysChip(s), el("span", { class: "muted" },
          " mean " + fmt(mu, m) + " · median " + fmt(med, m) + " · " + intFmt(sorted.length) + " segments")),
        histogram(values, { lo, hi, color: systemColor(s), width: 340, height: 130,
          label: m + " distribution for " + s,
          markers: [{ value: mu, cls: "mean", label: "mean " + fmt(mu, m) }, { value: med, cls: "median", label: "median " + fmt(med, m) }] })));
    }
    host.appendChild(grid);
    host.appendChild(el("p", { class: "muted small" }, "Solid line: mean · dashed line: median · ",
      HIB[m] ? "higher is better." : "lower is better."));
  }

  // Average ranks in [0, 1], oriented so 1 is the best score of the metric.
  function goodnessRanks(values, higherIsBetter) {
    const n = values.length, order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
    const ranks = new Float64Array(n);
    for (let k = 0; k < n;) {
      let e = k;
      while (e + 1 < n && values[order[e + 1]] === values[order[k]]) e++;
      const r = n > 1 ? (k + e) / 2 / (n - 1) : 0.5;
      for (let t = k; t <= e; t++) ranks[order[t]] = higherIsBetter ? r : 1 - r;
      k = e + 1;
    }
    return ranks;
  }

  const DISAGREE = 0.5;  // rank gap (in [0, 1]) above which two metrics "disagree" on a segment

  function scatter(host) {
    clear(host);
    const mx = plotState.x, my = plotState.y;
    const systems = plotState.system === "all" ? SYSTEMS : [plotState.system];
    const pts = [];
    for (const s of systems) {
      const xs = segScores(s, mx), ys = segScores(s, my);
      if (!xs || !ys) continue;
      for (let i = 0; i < N; i++) if (xs[i] !== null && ys[i] !== null) pts.push({ s, i, x: xs[i], y: ys[i] });
    }
    if (pts.length < 2 || mx === my) {
      host.appendChild(el("p", { class: "muted" }, mx === my ? "Choose two different metrics." : "Not enough per-segment scores for this pair."));
      return;
    }
    const rx = goodnessRanks(pts.map((p) => p.x), HIB[mx]), ry = goodnessRanks(pts.map((p) => p.y), HIB[my]);
    pts.forEach((p, k) => { p.d = rx[k] - ry[k]; });
    const xHigh = pts.filter((p) => p.d >= DISAGREE).sort((a, b) => b.d - a.d);
    const yHigh = pts.filter((p) => p.d <= -DISAGREE).sort((a, b) => a.d - b.d);

    const width = Math.max(360, Math.min(760, host.clientWidth || 640)), height = 400;
    const pad = { l: 52, r: 12, t: 12, b: 40 };
    const canvas = el("canvas", { class: "scatter", id: "scatter-canvas", "aria-label": mx + " against " + my });
    const ratio = window.devicePixelRatio || 1;
    canvas.width = width * ratio; canvas.height = height * ratio;
    canvas.style.width = width + "px"; canvas.style.height = height + "px";
    const ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const p of pts) { x0 = Math.min(x0, p.x); x1 = Math.max(x1, p.x); y0 = Math.min(y0, p.y); y1 = Math.max(y1, p.y); }
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) y1 = y0 + 1;
    const iw = width - pad.l - pad.r, ih = height - pad.t - pad.b;
    const sx = (v) => pad.l + ((v - x0) / (x1 - x0)) * iw, sy = (v) => pad.t + ih - ((v - y0) / (y1 - y0)) * ih;
    const styles = getComputedStyle(document.body);
    ctx.font = "11px system-ui, sans-serif";
    ctx.strokeStyle = styles.getPropertyValue("--rule").trim() || "#ccc";
    ctx.fillStyle = styles.getPropertyValue("--muted").trim() || "#666";
    ctx.lineWidth = 1;
    ctx.textAlign = "center";
    for (const t of niceTicks(x0, x1, 6)) {
      ctx.beginPath(); ctx.moveTo(sx(t), pad.t); ctx.lineTo(sx(t), pad.t + ih); ctx.stroke();
      ctx.fillText(tickText(t), sx(t), pad.t + ih + 14);
    }
    ctx.textAlign = "right";
    for (const t of niceTicks(y0, y1, 6)) {
      ctx.beginPath(); ctx.moveTo(pad.l, sy(t)); ctx.lineTo(pad.l + iw, sy(t)); ctx.stroke();
      ctx.fillText(tickText(t), pad.l - 6, sy(t) + 4);
    }
    ctx.textAlign = "center";
    ctx.fillText(mx + (HIB[mx] ? " (higher is better) →" : " (lower is better) →"), pad.l + iw / 2, height - 6);
    ctx.save(); ctx.translate(12, pad.t + ih / 2); ctx.rotate(-Math.PI / 2);
    ctx.fillText(my + (HIB[my] ? " (higher is better) →" : " (lower is better) →"), 0, 0); ctx.restore();
    const COLOR_X = "#d9480f", COLOR_Y = "#5f3dc4";
    ctx.globalAlpha = 0.35;
    for (const p of pts) {
      if (Math.abs(p.d) >= DISAGREE) continue;
      ctx.fillStyle = "#868e96";
      ctx.fillRect(sx(p.x) - 1.5, sy(p.y) - 1.5, 3, 3);
    }
    ctx.globalAlpha = 0.9;
    for (const p of pts) {
      if (Math.abs(p.d) < DISAGREE) continue;
      ctx.fillStyle = p.d > 0 ? COLOR_X : COLOR_Y;
      ctx.beginPath(); ctx.arc(sx(p.x), sy(p.y), 3, 0, 2 * Math.PI); ctx.fill();
    }
    ctx.globalAlpha = 1;
    const px = Float32Array.from(pts, (p) => sx(p.x)), py = Float32Array.from(pts, (p) => sy(p.y));
    const nearest = (ev) => {
      const box = canvas.getBoundingClientRect(), cx = ev.clientX - box.left, cy = ev.clientY - box.top;
      let best = -1, bestD = 49;
      for (let k = 0; k < pts.length; k++) {
        const d = (px[k] - cx) ** 2 + (py[k] - cy) ** 2;
        if (d < bestD) { bestD = d; best = k; }
      }
      return best;
    };
    canvas.addEventListener("mousemove", (ev) => {
      const k = nearest(ev);
      if (k < 0) { tooltip.hidden = true; canvas.style.cursor = "default"; return; }
      const p = pts[k];
      canvas.style.cursor = "pointer";
      canvas.setAttribute("data-tip", "#" + SID(p.i) + " " + p.s + "\n" + mx + " " + fmt(p.x, mx) + " · " + my + " " + fmt(p.y, my) +
        "\n" + D.hyps[p.s][p.i].slice(0, 160) + "\n(click to open)");
      showTip(canvas, ev.clientX, ev.clientY);
    });
    canvas.addEventListener("mouseleave", () => { tooltip.hidden = true; });
    canvas.addEventListener("click", (ev) => {
      const k = nearest(ev);
      if (k >= 0) openExplorer({ query: "#" + SID(pts[k].i), system: pts[k].s });
    });
    host.appendChild(el("div", { class: "legend" },
      el("span", { class: "swatch x" }), " ", mx + " high, " + my + " low: ", el("b", {}, intFmt(xHigh.length)),
      "   ", el("span", { class: "swatch y" }), " ", mx + " low, " + my + " high: ", el("b", {}, intFmt(yHigh.length)),
      el("span", { class: "muted" }, "   (rank gap ≥ " + DISAGREE + " of " + intFmt(pts.length) + " points; click a point to open its segment)")));
    host.appendChild(canvas);
    const list = (title, items, cls) => {
      const ol = el("ol", { class: "disagree " + cls });
      for (const p of items.slice(0, 8)) {
        const link = el("a", { href: "#explorer", class: "seg-link" }, "#" + SID(p.i));
        link.addEventListener("click", (ev) => { ev.preventDefault(); openExplorer({ query: "#" + SID(p.i), system: p.s }); });
        ol.appendChild(el("li", {}, link, " ", sysChip(p.s), " ", mx + " " + fmt(p.x, mx) + " · " + my + " " + fmt(p.y, my), " ",
          el("span", { class: "snippet" }, D.hyps[p.s][p.i])));
      }
      return el("div", {}, el("h3", {}, title), items.length ? ol : el("p", { class: "muted" }, "None."));
    };
    host.appendChild(el("div", { class: "grid2" },
      list(mx + " high, " + my + " low", xHigh, "x"), list(mx + " low, " + my + " high", yHigh, "y")));
  }

  renderers.plots = function (root) {
    if (!SEG_METRICS.length) {
      root.appendChild(card("Plots", el("p", { class: "muted" }, "No per-segment scores in this run.")));
    } else {
      const distHost = el("div", { id: "dist-host" });
      const metricOptions = SEG_METRICS.map((m) => [m, m]);
      root.appendChild(card("Distribution of segment scores",
        el("div", { class: "controls" }, labelled("Metric", select(metricOptions, plotState.distMetric,
          (v) => { plotState.distMetric = v; distributions(distHost); }, "distribution metric"))),
        distHost));
      distributions(distHost);
      const scatterHost = el("div", { id: "scatter-host" });
      if (SEG_METRICS.length < 2) {
        root.appendChild(card("Where metrics disagree", el("p", { class: "muted" },
          "This run has one metric with per-segment scores (" + SEG_METRICS[0] + "); add a second, ideally a neural one, to see where they disagree.")));
      } else root.appendChild(card("Where metrics disagree",
        el("p", { class: "muted small" }, "Each point is one segment of one system. Coloured points rank high on one metric and low on the other: often a paraphrase a lexical metric misses, or fluent nonsense a neural one forgives."),
        el("div", { class: "controls" },
          labelled("x", select(metricOptions, plotState.x, (v) => { plotState.x = v; scatter(scatterHost); }, "x metric")),
          labelled("y", select(metricOptions, plotState.y, (v) => { plotState.y = v; scatter(scatterHost); }, "y metric")),
          labelled("System", select([["all", "all systems"]].concat(SYSTEMS.map((s) => [s, s])), plotState.system,
            (v) => { plotState.system = v; scatter(scatterHost); }, "scatter system"))),
        scatterHost));
      if (SEG_METRICS.length >= 2) scatter(scatterHost);
    }
    const chartHost = el("div", { class: "flag-chart-host" });
    root.appendChild(card("Flags by category", chartHost));
    flagChart(chartHost);
  };

  // ---------------------------------------------------------------- explorer
  function pairs() {
    const seen = new Set(), out = [];
    for (const c of D.comparisons) {
      const key = c.baseline + "\u0000" + c.candidate;
      if (!seen.has(key) && SYSTEMS.includes(c.baseline) && SYSTEMS.includes(c.candidate)) { seen.add(key); out.push([c.baseline, c.candidate]); }
    }
    if (!out.length) for (const s of SYSTEMS.slice(1)) out.push([SYSTEMS[0], s]);
    return out;
  }
  const PAIRS = pairs();

  const ex = { system: "all", category: "any", severity: 0, query: "", flaggedOnly: false, sort: "idx", desc: false, page: 0, pageSize: 25 };
  let lowerCache = null;

  function sortKeys() {
    const keys = [["idx", "segment order"], ["flags", "most flagged"]];
    for (const m of SEG_METRICS) for (const s of SYSTEMS) if (segScores(s, m)) keys.push(["score\u0000" + s + "\u0000" + m, m + " — " + s]);
    for (const [b, c] of PAIRS) for (const m of SEG_METRICS) {
      if (segScores(b, m) && segScores(c, m)) keys.push(["delta\u0000" + b + "\u0000" + c + "\u0000" + m, "Δ " + m + " (" + c + " − " + b + ")"]);
    }
    return keys;
  }

  function matchesQuery(i, systems, q) {
    if (!lowerCache) {
      lowerCache = { src: D.src.map((t) => t.toLowerCase()), refs: D.refs.map((r) => r.map((t) => t.toLowerCase())), hyps: {} };
      for (const s of SYSTEMS) lowerCache.hyps[s] = D.hyps[s].map((t) => t.toLowerCase());
    }
    if (lowerCache.src[i].includes(q)) return true;
    for (const r of lowerCache.refs) if (r[i].includes(q)) return true;
    for (const s of systems) if (lowerCache.hyps[s][i].includes(q)) return true;
    return false;
  }

  function filtered() {
    const systems = ex.system === "all" ? SYSTEMS : [ex.system];
    const q = ex.query.trim().toLowerCase();
    const jump = /^#\d+$/.test(q) ? parseInt(q.slice(1), 10) : null;
    const catIndex = ex.category === "any" ? -1 : D.categories.indexOf(ex.category);
    const needFlag = ex.flaggedOnly || catIndex >= 0 || ex.severity > 0;
    const out = [];
    for (let i = 0; i < N; i++) {
      if (jump !== null) { if (SID(i) !== jump) continue; }
      else if (q && !matchesQuery(i, systems, q)) continue;
      if (needFlag) {
        let hit = false;
        for (const s of systems) {
          for (const row of FLAGS_BY_SEG[s][i] || []) {
            if ((catIndex < 0 || row[1] === catIndex) && row[2] + 1 >= ex.severity) { hit = true; break; }
          }
          if (hit) break;
        }
        if (!hit) continue;
      }
      out.push(i);
    }
    const parts = ex.sort.split("\u0000");
    let key = null;
    if (parts[0] === "score") { const v = segScores(parts[1], parts[2]); key = (i) => v[i]; }
    else if (parts[0] === "delta") {
      const b = segScores(parts[1], parts[3]), c = segScores(parts[2], parts[3]);
      key = (i) => (b[i] === null || c[i] === null ? null : c[i] - b[i]);
    } else if (parts[0] === "flags") {
      key = (i) => { let w = 0; for (const s of systems) for (const row of FLAGS_BY_SEG[s][i] || []) w += SEV_WEIGHT[row[2]]; return -w; };
    }
    if (key) {
      const keys = new Map(out.map((i) => [i, key(i)]));
      out.sort((a, b) => {
        const ka = keys.get(a), kb = keys.get(b);
        if (ka === null && kb === null) return a - b;
        if (ka === null) return 1;               // missing scores last, whatever the order
        if (kb === null) return -1;
        return (ex.desc ? kb - ka : ka - kb) || a - b;
      });
    } else if (ex.desc) out.reverse();
    return out;
  }

  function segmentCard(i, systems) {
    const art = el("article", { class: "seg", "data-seg": String(i), id: "seg-" + i });
    const visibleFlags = [];
    for (const s of systems) for (const row of FLAGS_BY_SEG[s][i] || []) visibleFlags.push([row, s]);
    const head = el("div", { class: "seg-head" }, el("span", { class: "seg-id" }, "#" + SID(i)),
      D.doc_ids && D.doc_ids[i] ? el("span", { class: "muted" }, " doc " + D.doc_ids[i]) : null);
    const counts = [0, 0, 0];
    for (const [row] of visibleFlags) counts[row[2]] += 1;
    head.appendChild(el("span", { class: "pills" }, counts.map((c, k) => (c ? sevPill(k, c + " " + SEVERITIES[k]) : null))));
    art.appendChild(head);
    const sourceSpans = visibleFlags.filter(([row]) => row[5]).map(([row, s]) =>
      ({ start: row[3], end: row[4], sev: row[2], tip: flagMessage(row, s) }));
    art.appendChild(el("div", { class: "row src" }, el("span", { class: "lab" }, "Source"),
      el("div", { class: "text", lang: "fr" }, highlighted(D.src[i], sourceSpans))));
    D.refs.forEach((ref, k) => art.appendChild(el("div", { class: "row ref" },
      el("span", { class: "lab" }, D.refs.length > 1 ? "Ref " + (k + 1) : "Reference"), el("div", { class: "text", lang: "en" }, ref[i]))));
    for (const s of systems) {
      const spans = (FLAGS_BY_SEG[s][i] || []).filter((row) => !row[5]).map((row) =>
        ({ start: row[3], end: row[4], sev: row[2], tip: flagMessage(row, null) }));
      const scores = el("div", { class: "chips" });
      for (const m of SEG_METRICS) {
        const v = segScores(s, m);
        if (!v) continue;
        const chip = el("span", { class: "chip", "data-metric": m, title: m + (HIB[m] ? " (higher is better)" : " (lower is better)") },
          el("span", { class: "chip-name" }, m), " ", fmt(v[i], m));
        chip.style.background = goodnessColor(goodness(m, v[i]));
        scores.appendChild(chip);
      }
      art.appendChild(el("div", { class: "row hyp", "data-system": s }, el("span", { class: "lab" }, sysChip(s)),
        el("div", { class: "text", lang: "en" }, highlighted(D.hyps[s][i], spans)), scores));
    }
    if (visibleFlags.length) {
      visibleFlags.sort((a, b) => b[0][2] - a[0][2]);
      art.appendChild(el("ul", { class: "flag-list" }, visibleFlags.map(([row, s]) => el("li", { "data-category": D.categories[row[1]] },
        sevPill(row[2]), " ", el("b", {}, D.categories[row[1]]), row[5] ? el("span", { class: "muted" }, " (source)") : null, " ",
        systems.length > 1 ? sysChip(s) : null, " ", el("span", { class: "msg" }, row[6]),
        el("span", { class: "muted" }, " — " + D.flaggers[row[7]] + (row[8] < 1 ? ", confidence " + row[8] : ""))))));
    }
    return art;
  }

  let explorerList = null, explorerCount = null, explorerPager = [], explorerControls = null;

  function renderExplorerList() {
    const t0 = performance.now();
    const rows = filtered();
    const pages = Math.max(1, Math.ceil(rows.length / ex.pageSize));
    ex.page = Math.min(ex.page, pages - 1);
    const systems = ex.system === "all" ? SYSTEMS : [ex.system];
    clear(explorerList);
    const start = ex.page * ex.pageSize;
    const frag = document.createDocumentFragment();
    for (const i of rows.slice(start, start + ex.pageSize)) frag.appendChild(segmentCard(i, systems));
    explorerList.appendChild(frag);
    if (!rows.length) explorerList.appendChild(el("p", { class: "muted empty" }, "No segment matches these filters."));
    explorerCount.setAttribute("data-count", String(rows.length));
    clear(explorerCount).appendChild(document.createTextNode(
      rows.length ? "Showing " + intFmt(start + 1) + "–" + intFmt(Math.min(rows.length, start + ex.pageSize)) + " of " + intFmt(rows.length) +
      " segments" + (rows.length < N ? " (" + intFmt(N) + " in all)" : "") : "0 segments"));
    explorerCount.setAttribute("data-ms", (performance.now() - t0).toFixed(1));
    for (const pager of explorerPager) {
      clear(pager);
      const prev = el("button", { type: "button", class: "prev" }, "‹ Prev"), next = el("button", { type: "button", class: "next" }, "Next ›");
      prev.disabled = ex.page === 0; next.disabled = ex.page >= pages - 1;
      prev.addEventListener("click", () => { ex.page -= 1; renderExplorerList(); });
      next.addEventListener("click", () => { ex.page += 1; renderExplorerList(); });
      append(pager, [prev, el("span", { class: "page" }, " page " + (ex.page + 1) + " of " + intFmt(pages) + " "), next]);
    }
  }

  function buildExplorerControls() {
    clear(explorerControls);
    const rerender = () => { ex.page = 0; renderExplorerList(); };
    const search = el("input", { type: "search", id: "ex-search", placeholder: "search text, or #123 for a segment", value: ex.query });
    let timer = null;
    search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => { ex.query = search.value; rerender(); }, 150); });
    const flaggedOnly = el("input", { type: "checkbox", id: "ex-flagged" });
    flaggedOnly.checked = ex.flaggedOnly;
    flaggedOnly.addEventListener("change", () => { ex.flaggedOnly = flaggedOnly.checked; rerender(); });
    const sortSelect = select(sortKeys(), ex.sort, (v) => {
      ex.sort = v;
      const parts = v.split("\u0000");
      // Worst first by default: that is what a person triaging wants to see.
      if (parts[0] === "score" || parts[0] === "delta") ex.desc = !HIB[parts[parts.length - 1]];
      else ex.desc = false;
      orderSelect.value = ex.desc ? "desc" : "asc";
      rerender();
    }, "sort by");
    sortSelect.id = "ex-sort";
    const orderSelect = select([["asc", "ascending"], ["desc", "descending"]], ex.desc ? "desc" : "asc",
      (v) => { ex.desc = v === "desc"; rerender(); }, "order");
    orderSelect.id = "ex-order";
    const sysSelect = select([["all", "all systems"]].concat(SYSTEMS.map((s) => [s, s])), ex.system, (v) => { ex.system = v; rerender(); }, "system");
    sysSelect.id = "ex-system";
    const catSelect = select([["any", "any category"]].concat(D.categories.map((c) => [c, c])), ex.category, (v) => { ex.category = v; rerender(); }, "flag category");
    catSelect.id = "ex-category";
    const sevSelect = select([["0", "any severity"], ["1", "minor or worse"], ["2", "major or worse"], ["3", "critical"]], String(ex.severity),
      (v) => { ex.severity = parseInt(v, 10); rerender(); }, "severity");
    sevSelect.id = "ex-severity";
    const sizeSelect = select([["25", "25"], ["50", "50"], ["100", "100"]], String(ex.pageSize), (v) => { ex.pageSize = parseInt(v, 10); rerender(); }, "page size");
    append(explorerControls, [
      labelled("Search", search), labelled("System", sysSelect), labelled("Flag", catSelect), labelled("Severity", sevSelect),
      el("label", { class: "control check" }, flaggedOnly, el("span", {}, "flagged only")),
      labelled("Sort", sortSelect), labelled("Order", orderSelect), labelled("Per page", sizeSelect),
    ]);
  }

  renderers.explorer = function (root) {
    explorerControls = el("div", { class: "controls sticky", id: "ex-controls" });
    explorerCount = el("div", { class: "count", id: "explorer-count" });
    explorerPager = [el("div", { class: "pager" }), el("div", { class: "pager" })];
    explorerList = el("div", { id: "explorer-list" });
    root.appendChild(card(null, explorerControls, el("div", { class: "bar" }, explorerCount, explorerPager[0]), explorerList,
      el("div", { class: "bar" }, el("span"), explorerPager[1])));
    buildExplorerControls();
    renderExplorerList();
  };

  function openExplorer(opts) {
    Object.assign(ex, { system: "all", category: "any", severity: 0, query: "", flaggedOnly: false, page: 0 }, opts);
    if (rendered.explorer) { buildExplorerControls(); renderExplorerList(); }
    showTab("explorer");
    window.scrollTo(0, 0);
  }

  // ---------------------------------------------------------------- comparison
  function agreementText(a) {
    if (!a) return "—";
    if (a.prefers === "neither") return "no difference";
    return Math.round(a.agreement * 100) + "% prefer the " + a.prefers;
  }

  function verdictOf(c) {
    const p = c.p_adjusted !== null && c.p_adjusted !== undefined ? c.p_adjusted : c.p_value;
    if (p === null || p === undefined || c.delta === null) return ["—", ""];
    if (p >= ALPHA || c.delta === 0) return ["no significant difference", "same"];
    const better = HIB[c.metric] === false ? c.delta < 0 : c.delta > 0;
    return better ? ["candidate better", "better"] : ["candidate worse", "worse"];
  }

  function ciPlot(c) {
    const width = 160, height = 22, lo = c.ci ? c.ci[0] : c.delta, hi = c.ci ? c.ci[1] : c.delta;
    const reach = Math.max(Math.abs(lo), Math.abs(hi), Math.abs(c.delta), 1e-9) * 1.15;
    const x = (v) => width / 2 + (v / reach) * (width / 2 - 4);
    const cls = verdictOf(c)[1];
    return svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, class: "ci-plot " + cls, role: "img",
                        "aria-label": "delta and confidence interval" },
      svg("line", { x1: width / 2, x2: width / 2, y1: 0, y2: height, class: "zero" }),
      svg("line", { x1: x(lo), x2: x(hi), y1: height / 2, y2: height / 2, class: "range" }),
      svg("circle", { cx: x(c.delta), cy: height / 2, r: 4, class: "point" }));
  }

  const cmp = { pair: 0, metric: null, show: "regressions", page: 0, pageSize: 20 };

  function segDeltas(base, cand, metric) {
    const b = segScores(base, metric), c = segScores(cand, metric);
    if (!b || !c) return null;
    const sign = HIB[metric] === false ? -1 : 1;          // improvement is positive, whatever the metric
    const out = [];
    for (let i = 0; i < N; i++) if (b[i] !== null && c[i] !== null) out.push({ i, raw: c[i] - b[i], gain: sign * (c[i] - b[i]) });
    return out;
  }

  function sideBySide(host) {
    clear(host);
    const [base, cand] = PAIRS[cmp.pair] || [];
    if (!base) return;
    const metrics = SEG_METRICS.filter((m) => segScores(base, m) && segScores(cand, m));
    if (!metrics.includes(cmp.metric)) cmp.metric = metrics[0];
    const controls = el("div", { class: "controls" });
    if (PAIRS.length > 1) {
      controls.appendChild(labelled("Pair", select(PAIRS.map(([b, c], k) => [String(k), c + " vs " + b]), String(cmp.pair),
        (v) => { cmp.pair = parseInt(v, 10); cmp.page = 0; sideBySide(host); }, "pair")));
    }
    if (!metrics.length) {
      host.appendChild(controls);
      host.appendChild(el("p", { class: "muted" }, "No per-segment scores shared by " + base + " and " + cand + "."));
      return;
    }
    controls.appendChild(labelled("Metric", select(metrics.map((m) => [m, m]), cmp.metric,
      (v) => { cmp.metric = v; cmp.page = 0; sideBySide(host); }, "delta metric")));
    controls.appendChild(labelled("Show", select([["regressions", "regressions first"], ["improvements", "improvements first"], ["changed", "changed outputs, in order"]],
      cmp.show, (v) => { cmp.show = v; cmp.page = 0; sideBySide(host); }, "show")));
    host.appendChild(controls);
    const m = cmp.metric, deltas = segDeltas(base, cand, m);
    const better = deltas.filter((d) => d.gain > 0).length, worse = deltas.filter((d) => d.gain < 0).length;
    let lo = 0, hi = 0;
    for (const d of deltas) { lo = Math.min(lo, d.gain); hi = Math.max(hi, d.gain); }
    const span = Math.max(Math.abs(lo), Math.abs(hi), 1e-9);
    host.appendChild(el("div", { class: "delta-summary" },
      el("div", {},
        el("p", {}, sysChip(cand), " vs ", sysChip(base), " on ", el("b", {}, m), ": better on ", el("b", { class: "better", id: "n-better" }, intFmt(better)),
          " segments, worse on ", el("b", { class: "worse", id: "n-worse" }, intFmt(worse)), ", equal on ", intFmt(deltas.length - better - worse), "."),
        el("p", { class: "muted small" }, "Per-segment change in " + m + (HIB[m] ? "" : " (sign flipped: lower is better)") + "; right of zero = candidate better.")),
      histogram(deltas.map((d) => d.gain), { lo: -span, hi: span, bins: 41, width: 420, height: 130, label: "per-segment deltas",
        // 41 bins: zero is the centre of the middle bin, drawn grey ("no change").
        colorOf: (v) => (Math.abs(v) < span * 1e-9 ? "#adb5bd" : v > 0 ? "#2f9e44" : "#e03131"), markers: [{ value: 0, cls: "zero", label: "no change" }] })));
    let rows = deltas.filter((d) => D.hyps[base][d.i] !== D.hyps[cand][d.i] || d.gain !== 0);
    if (cmp.show === "regressions") rows.sort((a, b) => a.gain - b.gain || a.i - b.i);
    else if (cmp.show === "improvements") rows.sort((a, b) => b.gain - a.gain || a.i - b.i);
    const pages = Math.max(1, Math.ceil(rows.length / cmp.pageSize));
    cmp.page = Math.min(cmp.page, pages - 1);
    const list = el("div", { class: "sbs-list", id: "sbs-list" });
    for (const d of rows.slice(cmp.page * cmp.pageSize, (cmp.page + 1) * cmp.pageSize)) {
      const diff = wordDiff(D.hyps[base][d.i], D.hyps[cand][d.i]);
      const link = el("a", { href: "#explorer", class: "seg-link" }, "#" + SID(d.i));
      link.addEventListener("click", (ev) => { ev.preventDefault(); openExplorer({ query: "#" + SID(d.i) }); });
      list.appendChild(el("article", { class: "sbs", "data-seg": String(d.i) },
        el("div", { class: "seg-head" }, link, " ", el("span", { class: "delta " + (d.gain > 0 ? "better" : d.gain < 0 ? "worse" : "same") },
          "Δ " + m + " " + fmt(d.raw, m, true)),
          el("span", { class: "muted" }, "  " + fmt(segScores(base, m)[d.i], m) + " → " + fmt(segScores(cand, m)[d.i], m))),
        el("div", { class: "row src" }, el("span", { class: "lab" }, "Source"), el("div", { class: "text", lang: "fr" }, D.src[d.i])),
        D.refs.length ? el("div", { class: "row ref" }, el("span", { class: "lab" }, "Reference"), el("div", { class: "text" }, D.refs[0][d.i])) : null,
        el("div", { class: "cols" },
          el("div", { class: "col base" }, el("div", { class: "lab" }, "baseline ", sysChip(base)),
            el("div", { class: "text" }, D.hyps[base][d.i] === "" ? el("span", { class: "muted" }, "(empty output)")
              : diff ? diffFragment(diff.a[0], diff.a[1], "del") : D.hyps[base][d.i])),
          el("div", { class: "col cand" }, el("div", { class: "lab" }, "candidate ", sysChip(cand)),
            el("div", { class: "text" }, D.hyps[cand][d.i] === "" ? el("span", { class: "muted" }, "(empty output)")
              : diff ? diffFragment(diff.b[0], diff.b[1], "ins") : D.hyps[cand][d.i])))));
    }
    const pager = el("div", { class: "pager" });
    const prev = el("button", { type: "button" }, "‹ Prev"), next = el("button", { type: "button" }, "Next ›");
    prev.disabled = cmp.page === 0; next.disabled = cmp.page >= pages - 1;
    prev.addEventListener("click", () => { cmp.page -= 1; sideBySide(host); });
    next.addEventListener("click", () => { cmp.page += 1; sideBySide(host); });
    append(pager, [prev, " page " + (cmp.page + 1) + " of " + intFmt(pages) + " ", next]);
    host.appendChild(el("div", { class: "bar" }, el("span", { class: "count" }, intFmt(rows.length) + " segments differ"), pager));
    host.appendChild(list.childNodes.length ? list : el("p", { class: "muted" }, "The two systems' outputs are identical."));
  }

  renderers.comparison = function (root) {
    if (D.gates.length) {
      const body = el("tbody");
      for (const g of D.gates) {
        body.appendChild(el("tr", { class: g.passed ? "pass" : "fail", "data-gate": g.gate },
          el("td", {}, el("span", { class: "badge " + (g.passed ? "pass" : "fail") }, g.passed ? "✓ pass" : "✗ fail")),
          el("td", { class: "mono" }, g.gate), el("td", {}, g.candidate ? sysChip(g.candidate) : "—"), el("td", {}, g.reason)));
      }
      root.appendChild(card("Gates", el("div", { class: "table-wrap" }, el("table", { class: "gates", id: "gate-table" },
        el("thead", {}, el("tr", {}, el("th", {}, "Result"), el("th", {}, "Gate"), el("th", {}, "Candidate"), el("th", {}, "Why"))), body))));
    }
    if (D.comparisons.length) {
      const body = el("tbody");
      for (const c of D.comparisons) {
        const [word, cls] = verdictOf(c);
        body.appendChild(el("tr", { "data-metric": c.metric, "data-candidate": c.candidate },
          el("td", {}, sysChip(c.candidate), " vs ", sysChip(c.baseline)), el("td", {}, c.metric),
          el("td", { class: "num" }, fmt(c.baseline_score, c.metric)), el("td", { class: "num" }, fmt(c.candidate_score, c.metric)),
          el("td", { class: "num delta " + cls, "data-delta": String(c.delta) }, fmt(c.delta, c.metric, true)),
          el("td", { class: "num" }, c.ci ? "[" + fmt(c.ci[0], c.metric, true) + ", " + fmt(c.ci[1], c.metric, true) + "]" : "—"),
          el("td", {}, ciPlot(c)),
          el("td", { class: "num" }, fmtP(c.p_value)), el("td", { class: "num" }, fmtP(c.p_adjusted)),
          el("td", { class: "verdict " + cls, title: c.signature || "" }, word),
          el("td", { class: "agreement" }, agreementText(c.human_agreement))));
      }
      root.appendChild(card("Metric deltas", el("div", { class: "table-wrap" }, el("table", { class: "deltas", id: "delta-table" },
        el("thead", {}, el("tr", {}, ["Pair", "Metric", "Baseline", "Candidate", "Δ", CONFIDENCE_LABEL + " CI of Δ", "", "p", "p (adjusted)", "Verdict", "Estimated human agreement"].map((h) => el("th", {}, h)))),
        body)), el("p", { class: "muted small" }, "Verdict at p < " + ALPHA + " (adjusted p when given); the bar shows Δ and its interval against zero. " +
          "Estimated human agreement: the share of people who would prefer the side the delta favours, from a fit of human judgments on this metric's deltas.")));
    }
    if (PAIRS.length && D.comparisons.length) {
      const host = el("div", { id: "sbs-host" });
      root.appendChild(card("Segment by segment", host));
      sideBySide(host);
    }
    if (!root.childNodes.length) root.appendChild(card("Comparison", el("p", { class: "muted" }, "This run has no baseline, comparisons or gates.")));
  };

  // ---------------------------------------------------------------- run info
  function kvRows(obj, prefix, dl) {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? prefix + "." + k : k;
      if (v && typeof v === "object" && !Array.isArray(v)) kvRows(v, key, dl);
      else {
        let text = Array.isArray(v) ? JSON.stringify(v) : String(v);
        if (text.length > 400) text = text.slice(0, 400) + " … (" + intFmt(text.length) + " characters; see results.json)";
        dl.appendChild(el("div", {}, el("dt", {}, key), el("dd", { class: "mono" }, text)));
      }
    }
    return dl;
  }

  renderers.run = function (root) {
    root.appendChild(card("Run", kvRows(Object.assign({ name: D.name, "test set": D.testset, segments: N, "report by": "relecture " + D.relecture_version }, D.info), "", el("dl", { class: "kv" }))));
    const body = el("tbody");
    for (const s of SYSTEMS) {
      for (const m of METRICS) {
        const cell = D.table[s][m];
        if (!cell) continue;
        body.appendChild(el("tr", {}, el("td", {}, sysChip(s)), el("td", {}, m), el("td", { class: "num" }, fmt(cell.score, m)),
          el("td", { class: "mono small" }, cell.signature), el("td", { class: "mono small" }, cell.extra ? JSON.stringify(cell.extra) : "")));
      }
    }
    root.appendChild(card("Signatures", el("div", { class: "table-wrap" }, el("table", { class: "sig-table" },
      el("thead", {}, el("tr", {}, ["System", "Metric", "Score", "Signature", "Extra"].map((h) => el("th", {}, h)))), body))));
    const sys = el("dl", { class: "kv" });
    for (const s of SYSTEMS) {
      sys.appendChild(el("div", {}, el("dt", {}, s + " output"), el("dd", { class: "mono" }, D.system_info[s].origin || "(in memory)")));
      sys.appendChild(el("div", {}, el("dt", {}, s + " sha256"), el("dd", { class: "mono" }, D.system_info[s].output_hash)));
    }
    root.appendChild(card("Systems", sys));
    if (D.warnings.length) root.appendChild(card("Warnings", el("ul", { class: "warnings" }, D.warnings.map((w) => el("li", {}, w)))));
  };

  // ---------------------------------------------------------------- documents
  // A `document:` test set (report/html.py, documents_payload): each document's French and
  // English text side by side, cut into its beads; what the alignment left unmatched is marked
  // by its finding (site text, addition, omission) and broken sentences carry their message.
  const DOC_MARK = {
    "other/boilerplate": ["doc-boilerplate", "site text (other/boilerplate)"],
    "accuracy/addition": ["doc-addition", "addition (accuracy/addition)"],
    "accuracy/omission": ["doc-omission", "omission (accuracy/omission)"],
    "fluency/garbled": ["doc-broken", "broken sentence (fluency/garbled)"],
  };
  const docMark = (category) => DOC_MARK[category] || ["doc-other", category];

  // One side's text as blocks: the text between beads stays plain, each bead is a block with
  // its seg id; a finding covering the whole bead marks the block, a smaller one marks its span.
  function docSide(doc, side, findings, blocks) {
    const text = doc[side];
    const lo = side === "src" ? 2 : 4;
    const beads = doc.beads.filter((b) => b[lo] !== null).sort((a, b) => a[lo] - b[lo]);
    const box = el("div", { class: "doc-text", lang: side === "src" ? "fr" : "en", "data-side": side });
    let pos = 0;
    for (const bead of beads) {
      const start = bead[lo], end = bead[lo + 1];
      if (start > pos && text.slice(pos, start).trim()) box.appendChild(el("div", { class: "doc-gap" }, text.slice(pos, start)));
      const block = el("div", { class: "doc-bead", "data-bead": bead[0], "data-kind": bead[1], tabindex: 0 },
        el("span", { class: "doc-idx", title: "segment " + bead[0] + " · bead " + bead[1] }, "#" + bead[0]));
      const body = el("span", { class: "doc-body" });
      const mine = findings.filter((f) => f[2] < end && f[3] > start).sort((a, b) => a[2] - b[2]);
      const titles = [];
      let at = start;
      for (const f of mine) {
        const [cls] = docMark(f[0]);
        if (f[2] <= start && f[3] >= end && f[0] !== "fluency/garbled") {  // the whole bead: mark the block
          block.classList.add(cls, "sev-" + f[1]);
          titles.push(f[5]);
          continue;
        }
        const s = Math.max(f[2], at), e = Math.min(f[3], end);
        if (s >= e) continue;                    // overlaps one already marked
        if (s > at) body.appendChild(document.createTextNode(text.slice(at, s)));
        body.appendChild(el("mark", { class: cls, title: f[5] }, text.slice(s, e)));
        at = e;
      }
      if (at < end) body.appendChild(document.createTextNode(text.slice(at, end)));
      if (titles.length) block.setAttribute("title", titles.join("\n"));
      block.appendChild(body);
      (blocks[bead[0]] || (blocks[bead[0]] = [])).push(block);
      box.appendChild(block);
      pos = end;
    }
    if (pos < text.length && text.slice(pos).trim()) box.appendChild(el("div", { class: "doc-gap" }, text.slice(pos)));
    return box;
  }

  function docCard(doc) {
    const blocks = {};   // seg id -> its blocks on both sides
    const onSide = (src) => doc.findings.filter((f) => f[4] === (src ? 1 : 0));
    const counts = {};
    for (const f of doc.findings) counts[f[0]] = (counts[f[0]] || 0) + 1;
    const summary = [intFmt(doc.beads.length) + " beads"];
    for (const [cat, n] of Object.entries(counts)) summary.push(n + " × " + docMark(cat)[1]);
    const columns = el("div", { class: "doc-columns" + (doc.src === null ? " one" : "") });
    if (doc.src !== null) columns.appendChild(el("div", {}, el("h3", {}, "French source"), docSide(doc, "src", onSide(true), blocks)));
    columns.appendChild(el("div", {}, el("h3", {}, "English output"), docSide(doc, "hyp", onSide(false), blocks)));
    let pinned = null;
    const light = (id, on) => { for (const b of blocks[id] || []) b.classList.toggle("hl", on); };
    for (const [id, list] of Object.entries(blocks)) {
      for (const block of list) {
        block.addEventListener("mouseenter", () => light(id, true));
        block.addEventListener("mouseleave", () => { if (pinned !== id) light(id, false); });
        block.addEventListener("click", () => {
          if (pinned !== null) light(pinned, false);
          pinned = pinned === id ? null : id;
          if (pinned === null) return;
          light(id, true);
          for (const other of list) if (other !== block) other.scrollIntoView({ block: "nearest" });
        });
      }
    }
    return card("Document " + doc.doc_id,
      el("p", { class: "muted small" }, summary.join(" · ")),
      doc.unchecked.length ? el("p", { class: "warn small" }, "No French side: not checked: " + doc.unchecked.join("; ") + ".") : null,
      columns);
  }

  renderers.documents = function (root) {
    const legend = el("p", { class: "doc-legend small" }, "Each block is a bead (its segment number)" +
      (D.documents.some((d) => d.src !== null) ? "; hover or click one to light up its counterpart. " : ". "),
      Object.values(DOC_MARK).map(([cls, label]) => el("span", { class: "doc-key " + cls }, label)));
    root.appendChild(legend);
    for (const doc of D.documents) root.appendChild(docCard(doc));
  };

  // ---------------------------------------------------------------- start
  renderHeader();
  if (!D.comparisons.length && !D.gates.length) document.querySelector('#tabs [data-tab="comparison"]').hidden = true;
  if (D.documents.length) document.querySelector('#tabs [data-tab="documents"]').hidden = false;
  for (const button of document.querySelectorAll("#tabs [data-tab]")) {
    button.addEventListener("click", () => showTab(button.getAttribute("data-tab")));
  }
  window.addEventListener("hashchange", () => showTab(location.hash.slice(1)));
  showTab(location.hash.slice(1) || "overview");
  document.body.setAttribute("data-ready", "1");
})();
