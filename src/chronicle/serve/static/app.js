// Chronicle's page: filters, a timeline, a map, the event table, event and document views.
// Plain JavaScript, no build step, nothing loaded from elsewhere. Every piece of stored text (article
// text, titles, actor names, removed lines) goes into the page as a text node or textContent: a
// report may contain markup, and it must show as the characters it is, never run.
"use strict";

(function () {
  const SVGNS = "http://www.w3.org/2000/svg";
  const PAGE_SIZE = 50;
  const NEAR_KM = 25;
  const FILTER_KEYS = ["country", "event_country", "type", "since", "until", "text", "near"];
  const TYPE_COLOURS = {
    AGREE: "#1b9e77", CONSULT: "#66a61e", SUPPORT: "#2ca02c", CONCEDE: "#a6d854",
    COOPERATE: "#17becf", AID: "#377eb8", RETREAT: "#8da0cb", REQUEST: "#984ea3",
    ACCUSE: "#e7298a", REJECT: "#f781bf", THREATEN: "#ff7f00", PROTEST: "#d4a106",
    SANCTION: "#a65628", MOBILIZE: "#5e3c99", COERCE: "#d95f02", ASSAULT: "#e41a1c",
  };

  const state = { filters: {}, offset: 0, total: 0, overview: null, world: null };
  const $ = (id) => document.getElementById(id);

  // --- building DOM without HTML strings ---------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svgEl(tag, attrs, ...children) {
    const node = document.createElementNS(SVGNS, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "onclick") node.addEventListener("click", value);
      else node.setAttribute(key, String(value));
    }
  }

  function append(node, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  // --- talking to the API ------------------------------------------------------------------

  async function api(path, params) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params || {})) {
      if (value !== null && value !== undefined && value !== "") query.set(key, value);
    }
    const url = path + (query.toString() ? "?" + query : "");
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.error || response.status + " " + response.statusText);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function showStatus(message, isError) {
    const box = $("status");
    box.textContent = message || "";
    box.className = isError ? "error" : "";
  }

  // --- formatting --------------------------------------------------------------------------

  function actorLabel(actor) {
    if (!actor) return "–";
    const name = actor.name || actor.text;
    const code = [actor.country, actor.sector].filter(Boolean).join("/");
    return code ? name + " [" + code + "]" : name;
  }

  function flatActor(row, prefix) {
    const name = row[prefix + "_name"];
    if (!name) return "–";
    const code = [row[prefix + "_country"], row[prefix + "_sector"]].filter(Boolean).join("/");
    return code ? name + " [" + code + "]" : name;
  }

  function quantityLabel(q) {
    if (!q) return "–";
    const approx = { exact: "", about: "about ", at_least: "at least ", at_most: "at most " }[q.approx] || "";
    return approx + q.value.toLocaleString("en") + " " + q.unit + (q.what ? " (" + q.what + ")" : "");
  }

  function placeLabel(place, fallbackName) {
    if (!place) return fallbackName || "–";
    const parts = [place.name, place.admin1, place.country].filter(Boolean);
    let label = parts.join(", ");
    if (typeof place.lat === "number") label += " (" + place.lat.toFixed(2) + ", " + place.lon.toFixed(2) + ")";
    return label;
  }

  function typeBadge(type, mode) {
    const badge = el("span", { class: "badge", text: mode ? type + "/" + mode : type });
    badge.style.backgroundColor = TYPE_COLOURS[type] || "#666";
    return badge;
  }

  function shorten(text, n) {
    if (!text) return "";
    const clean = text.replace(/\s+/g, " ").trim();
    return clean.length > n ? clean.slice(0, n - 1) + "…" : clean;
  }

  function isWebUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url);
  }

  // --- filters and page (kept in the address bar's query, so a view can be linked) ----------

  function readFiltersFromUrl() {
    const params = new URLSearchParams(window.location.search);
    const filters = {};
    for (const key of FILTER_KEYS) if (params.get(key)) filters[key] = params.get(key);
    const offset = parseInt(params.get("offset") || "0", 10);
    state.offset = Number.isFinite(offset) && offset > 0 ? offset : 0;
    return filters;
  }

  function writeFiltersToUrl() {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(state.filters)) if (value) params.set(key, value);
    if (state.offset > 0) params.set("offset", state.offset);
    const search = params.toString() ? "?" + params : "";
    history.replaceState(null, "", window.location.pathname + search + window.location.hash);
  }

  // The download menu offers the events of the current filters, in each export format.
  function updateDownloads() {
    for (const link of document.querySelectorAll("#download a[data-format]")) {
      const params = new URLSearchParams({ format: link.getAttribute("data-format") });
      for (const [key, value] of Object.entries(state.filters)) if (value) params.set(key, value);
      link.setAttribute("href", "/api/export?" + params);
    }
  }

  function fillForm() {
    const f = state.filters;
    ensureOption($("f-country"), f.country);
    ensureOption($("f-event-country"), f.event_country);
    ensureOption($("f-type"), f.type);
    $("f-country").value = f.country || "";
    $("f-event-country").value = f.event_country || "";
    $("f-type").value = f.type || "";
    $("f-since").value = f.since || "";
    $("f-until").value = f.until || "";
    $("f-text").value = f.text || "";
    const chip = $("near-chip");
    clear(chip);
    chip.hidden = !f.near;
    if (f.near) {
      chip.appendChild(document.createTextNode("near " + (state.nearName || f.near) + " "));
      chip.appendChild(el("button", {
        type: "button", class: "chip-x", title: "remove this filter", text: "×",
        onclick: () => { delete state.filters.near; state.nearName = null; applyFilters(); },
      }));
    }
  }

  function ensureOption(select, value) {
    if (!value) return;
    for (const option of select.options) if (option.value === value) return;
    select.appendChild(el("option", { value: value, text: value }));
  }

  function formFilters() {
    const filters = {
      country: $("f-country").value, event_country: $("f-event-country").value,
      type: $("f-type").value, since: $("f-since").value,
      until: $("f-until").value, text: $("f-text").value.trim(), near: state.filters.near,
    };
    for (const key of Object.keys(filters)) if (!filters[key]) delete filters[key];
    return filters;
  }

  function applyFilters() {
    state.offset = 0;
    writeFiltersToUrl();
    fillForm();
    updateDownloads();
    refresh();
  }

  function goToOffset(offset) {
    state.offset = Math.max(0, offset);
    writeFiltersToUrl();
    refresh();
  }

  // --- overview and pickers ----------------------------------------------------------------

  async function loadOverview() {
    const overview = await api("/api/overview");
    state.overview = overview;
    const summary = overview.events
      ? overview.events + " events from " + overview.documents + " documents" +
        (overview.first_date ? ", " + overview.first_date + " to " + overview.last_date : "")
      : overview.documents + " documents, no events yet";
    $("summary").textContent = summary;
    const country = $("f-country");
    for (const c of overview.countries) {
      country.appendChild(el("option", { value: c.country, text: c.country + " (" + c.events + ")" }));
    }
    const where = $("f-event-country");
    for (const c of overview.event_countries || []) {
      where.appendChild(el("option", { value: c.country, text: c.country + " (" + c.events + ")" }));
    }
    const type = $("f-type");
    for (const t of overview.types) {
      type.appendChild(el("option", { value: t.type, text: t.type + " (" + t.events + ")" }));
    }
  }

  // --- the three views of the filtered events ----------------------------------------------

  async function refresh() {
    showStatus("Loading…");
    try {
      const params = Object.assign({}, state.filters);
      const [page, timeline, places] = await Promise.all([
        api("/api/events", Object.assign({ limit: PAGE_SIZE, offset: state.offset, order: "-date" }, params)),
        api("/api/timeline", params),
        api("/api/places", params),
      ]);
      state.total = page.total;
      if (page.total && state.offset >= page.total) {  // a linked page past the end: go to the last
        goToOffset(Math.floor((page.total - 1) / PAGE_SIZE) * PAGE_SIZE);
        return;
      }
      $("download-note").textContent = page.total === 1 ? "The 1 event matching these filters"
        : "The " + page.total + " events matching these filters";
      renderTable(page);
      markSelectedRow();
      renderTimeline(timeline.days);
      state.places = places.places;
      renderMap(state.places);
      showStatus(page.total === 1 ? "1 event" : page.total + " events");
    } catch (error) {
      showStatus(error.message, true);
    }
  }

  function renderTable(page) {
    const body = clear($("events-body"));
    for (const row of page.events) {
      const tr = el("tr", { "data-id": row.id, tabindex: "0", class: "clickable" },
        el("td", { class: "nowrap", "data-label": "Date", text: row.date || "–" }),
        el("td", { "data-label": "Type" }, typeBadge(row.type, row.mode)),
        el("td", { "data-label": "Source", text: flatActor(row, "source") }),
        el("td", { "data-label": "Target", text: flatActor(row, "target") }),
        el("td", { "data-label": "Place", text: row.location_name ? row.location_name + (row.location_country ? " (" + row.location_country + ")" : "") : "–" }),
        el("td", { class: "num", "data-label": "Reports", text: row.num_articles }),
        el("td", { class: "num", "data-label": "Confidence", text: row.confidence === null ? "–" : row.confidence.toFixed(2) }),
        el("td", { class: "evidence", title: shorten(row.evidence, 1000) },
          el("div", { class: "clamp", text: shorten(row.evidence, 300) })));
      const open = () => { window.location.hash = "event/" + encodeURIComponent(row.id); };
      tr.addEventListener("click", open);
      tr.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
      body.appendChild(tr);
    }
    const empty = $("events-empty");
    empty.hidden = page.events.length > 0;
    if (!page.events.length) {
      empty.textContent = state.overview && state.overview.events === 0
        ? "The database holds no events yet. Add reports with `chronicle ingest PATH --db FILE`."
        : "No events match these filters.";
    }
    $("events-table").hidden = page.events.length === 0;
    const last = page.offset + page.events.length;
    $("page-info").textContent = page.total ? (page.offset + 1) + "–" + last + " of " + page.total : "";
    $("prev").disabled = page.offset === 0;
    $("next").disabled = last >= page.total;
  }

  function renderTimeline(days) {
    const chart = clear($("timeline"));
    const legend = clear($("legend"));
    const W = 400, H = 150, left = 24, right = 8, top = 10, bottom = 24;
    if (!days.length) {
      $("timeline-caption").textContent = "Events per day";
      chart.appendChild(svgEl("text", { x: W / 2, y: H / 2, class: "empty-svg", "text-anchor": "middle", "font-size": 11,
        text: "No events with a known day match these filters." }));
      return;
    }
    const toDay = (s) => Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10)) / 86400000;
    const first = toDay(days[0].date), lastDay = toDay(days[days.length - 1].date);
    // Long spans are drawn per month so that each bar stays wide enough to see and click.
    const byMonth = lastDay - first > 400;
    const keyOf = (s) => (byMonth ? s.slice(0, 7) : s);
    const bins = new Map();
    for (const d of days) {
      const key = keyOf(d.date);
      if (!bins.has(key)) bins.set(key, []);
      bins.get(key).push(d);
    }
    const index = (key) => byMonth
      ? (+key.slice(0, 4) - +days[0].date.slice(0, 4)) * 12 + (+key.slice(5, 7) - +days[0].date.slice(5, 7))
      : toDay(key) - first;
    const slots = index(keyOf(days[days.length - 1].date)) + 1;
    let max = 1;
    for (const list of bins.values()) max = Math.max(max, list.reduce((n, d) => n + d.events, 0));
    const plotW = W - left - right, plotH = H - top - bottom;
    const slotW = plotW / slots;
    const barW = Math.min(28, Math.max(1.5, slotW * 0.8));
    $("timeline-caption").textContent = byMonth ? "Events per month (day-precision dates)" : "Events per day";
    chart.appendChild(svgEl("line", { x1: left, y1: top + plotH, x2: W - right, y2: top + plotH, class: "axis" }));
    chart.appendChild(svgEl("text", { x: left - 4, y: top + 8, "text-anchor": "end", class: "tick", text: max }));
    chart.appendChild(svgEl("text", { x: left - 4, y: top + plotH, "text-anchor": "end", class: "tick", text: "0" }));
    const present = new Set();
    for (const [key, list] of bins) {
      const x = left + index(key) * slotW + (slotW - barW) / 2;
      let y = top + plotH;
      list.sort((a, b) => a.type.localeCompare(b.type));
      for (const d of list) {
        const h = (d.events / max) * plotH;
        y -= h;
        present.add(d.type);
        const rect = svgEl("rect", { x: x.toFixed(2), y: y.toFixed(2), width: barW.toFixed(2), height: h.toFixed(2),
          fill: TYPE_COLOURS[d.type] || "#666", class: "bar", "data-date": key, "data-type": d.type },
          svgEl("title", { text: key + " · " + d.type + ": " + d.events }));
        rect.addEventListener("click", () => {
          state.filters.since = byMonth ? key + "-01" : key;
          state.filters.until = byMonth ? lastOfMonth(key) : key;
          state.filters.type = d.type;
          applyFilters();
        });
        chart.appendChild(rect);
      }
    }
    const firstLabel = keyOf(days[0].date), lastLabel = keyOf(days[days.length - 1].date);
    chart.appendChild(svgEl("text", { x: left, y: H - 10, class: "tick", text: firstLabel }));
    if (lastLabel !== firstLabel) {
      chart.appendChild(svgEl("text", { x: W - right, y: H - 10, "text-anchor": "end", class: "tick", text: lastLabel }));
    }
    for (const type of [...present].sort()) {
      const swatch = el("span", { class: "swatch" });
      swatch.style.backgroundColor = TYPE_COLOURS[type] || "#666";
      legend.appendChild(el("span", { class: "legend-item" }, swatch, type));
    }
  }

  function lastOfMonth(month) {
    const d = new Date(Date.UTC(+month.slice(0, 4), +month.slice(5, 7), 0));
    return d.toISOString().slice(0, 10);
  }

  async function loadWorld() {
    try {
      state.world = await api("/static/world.json");
    } catch (error) {
      state.world = { countries: [] };
      showStatus("The map outline could not be loaded: " + error.message, true);
    }
  }

  function renderMap(places) {
    const map = clear($("map"));
    const countries = svgEl("g", { class: "countries" });
    for (const c of (state.world && state.world.countries) || []) {
      countries.appendChild(svgEl("path", { d: c.d, class: "country", "data-iso": c.iso },
        svgEl("title", { text: c.name })));
    }
    map.appendChild(countries);
    // Fit the view to the markers (whole world when there are none or they are spread wide).
    let view = [0, 0, 360, 150];
    if (places.length) {
      const xs = places.map((p) => p.lon + 180), ys = places.map((p) => 90 - p.lat);
      let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
      const w = Math.max(x1 - x0 + 20, 48), h = Math.max(y1 - y0 + 12, 24);
      const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
      let vw = Math.max(w, h * 2.4), vh = vw / 2.4;
      if (vw < 360) view = [Math.max(0, Math.min(360 - vw, cx - vw / 2)), Math.max(0, Math.min(180 - vh, cy - vh / 2)), vw, vh];
    }
    map.setAttribute("viewBox", view.map((v) => v.toFixed(1)).join(" "));
    // Marker and label sizes are in screen pixels, whatever the zoom.
    const unitsPerPx = view[2] / Math.max(200, map.getBoundingClientRect().width || 600);
    if (!places.length) {
      map.appendChild(svgEl("text", { x: 180, y: 75, "text-anchor": "middle", class: "empty-svg map-empty",
        "font-size": (13 * unitsPerPx).toFixed(2),
        text: "No event places match these filters." }));
      return;
    }
    const markers = svgEl("g", { class: "markers" });
    const labels = svgEl("g", { class: "labels" });
    const sorted = places.slice().sort((a, b) => b.events - a.events);
    for (const p of sorted) {
      const x = p.lon + 180, y = 90 - p.lat;
      const r = (3 + 2.5 * Math.sqrt(p.events)) * unitsPerPx;
      const name = p.name || "?";
      const title = name + (p.country ? " (" + p.country + ")" : "") + ": " + p.events +
        (p.events === 1 ? " event" : " events");
      const marker = svgEl("circle", { cx: x.toFixed(3), cy: y.toFixed(3), r: r.toFixed(3), class: "marker",
        "data-place": name, "data-events": p.events, tabindex: "0", role: "button", "aria-label": title },
        svgEl("title", { text: title }));
      const pick = () => {
        state.filters.near = [p.lat.toFixed(4), p.lon.toFixed(4), NEAR_KM].join(",");
        state.nearName = name;
        applyFilters();
      };
      marker.addEventListener("click", pick);
      marker.addEventListener("keydown", (e) => { if (e.key === "Enter") pick(); });
      markers.appendChild(marker);
      if (sorted.length <= 12) {
        labels.appendChild(svgEl("text", { x: (x + r + 2 * unitsPerPx).toFixed(3), y: (y + 4 * unitsPerPx).toFixed(3),
          class: "marker-label", "font-size": (12 * unitsPerPx).toFixed(3), text: name }));
      }
    }
    map.appendChild(markers);
    map.appendChild(labels);
  }

  // --- text with highlighted spans ---------------------------------------------------------

  // Stored offsets count Unicode code points (Python); JavaScript strings count UTF-16 units.
  function codeUnitIndex(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) return (i) => i;
    const units = [];
    let u = 0;
    for (const ch of text) { units.push(u); u += ch.length; }
    units.push(u);
    return (i) => units[Math.min(i, units.length - 1)];
  }

  // Where `evidence` sits in `text`: its offsets when they hold it, else its first occurrence.
  function locate(text, evidence, toUnit) {
    if (!evidence || !evidence.text) return null;
    const want = evidence.text.trim();
    if (typeof evidence.start === "number") {
      const s = toUnit(evidence.start), e = toUnit(evidence.end);
      const slice = text.slice(s, e);
      const at = slice.indexOf(want);
      if (want && at >= 0) return [s + at, s + at + want.length];
    }
    const found = want ? text.indexOf(want) : -1;
    return found >= 0 ? [found, found + want.length] : null;
  }

  // Fill `box` with `text`, wrapping each span in <mark>; overlapping spans keep the first.
  function renderMarked(box, text, spans) {
    clear(box);
    const toUnit = codeUnitIndex(text);
    const placed = [];
    for (const span of spans) {
      const at = locate(text, span.evidence, toUnit);
      if (at) placed.push({ start: at[0], end: at[1], span: span });
    }
    placed.sort((a, b) => a.start - b.start);
    let pos = 0;
    let firstMark = null, currentMark = null;
    for (const p of placed) {
      if (p.start < pos) continue;
      box.appendChild(document.createTextNode(text.slice(pos, p.start)));
      const mark = el("mark", { class: p.span.current ? "current" : null, title: p.span.title || null,
        "data-event": p.span.id || null, text: text.slice(p.start, p.end) });
      if (p.span.onclick) mark.addEventListener("click", p.span.onclick);
      if (p.span.current && !currentMark) currentMark = mark;
      if (!firstMark) firstMark = mark;
      box.appendChild(mark);
      pos = p.end;
    }
    box.appendChild(document.createTextNode(text.slice(pos)));
    return currentMark || firstMark;
  }

  function scrollWithin(box, mark) {
    if (!mark) return;
    box.scrollTop = Math.max(0, mark.offsetTop - box.offsetTop - 40);
  }

  // --- event and document views ------------------------------------------------------------

  function fieldList(pairs) {
    const dl = el("dl", { class: "fields" });
    for (const [label, value] of pairs) {
      dl.appendChild(el("dt", { text: label }));
      dl.appendChild(el("dd", {}, value instanceof Node ? value : String(value === null || value === undefined || value === "" ? "–" : value)));
    }
    return dl;
  }

  function showDetail(node) {
    const body = clear($("detail-body"));
    body.appendChild(node);
    $("detail").hidden = false;
    setLayout(true);
  }

  function hideDetail() {
    $("detail").hidden = true;
    setLayout(false);
  }

  // The map's marker sizes depend on its width on screen: redraw it when the layout changes.
  function setLayout(withDetail) {
    if (document.body.classList.contains("with-detail") === withDetail) return;
    document.body.classList.toggle("with-detail", withDetail);
    if (state.places) renderMap(state.places);
  }

  async function showEvent(id) {
    let event;
    try {
      event = await api("/api/events/" + encodeURIComponent(id));
    } catch (error) {
      showDetail(el("p", { class: "error", text: error.message }));
      return;
    }
    const reports = event.num_articles + (event.num_articles === 1 ? " article" : " articles") + " from " +
      event.num_sources + (event.num_sources === 1 ? " source" : " sources");
    const view = el("article", { class: "event-view", "data-id": event.id },
      el("h2", {}, typeBadge(event.type, event.mode), " ", actorLabel(event.source), " → ", actorLabel(event.target)),
      fieldList([
        ["Type", event.type], ["Mode", event.mode], ["CAMEO", event.cameo],
        ["Source actor", actorLabel(event.source)], ["Target actor", actorLabel(event.target)],
        ["Date", (event.date || "unknown") + " (" + event.date_precision + ")"],
        ["Place", placeLabel(event.location, event.location_name)],
        ["Count", quantityLabel(event.quantity)], ["Modality", event.modality],
        ["Confidence", typeof event.confidence === "number" ? event.confidence.toFixed(2) : null],
        ["Reported by", reports],
        ["Reports", event.first_report ? event.first_report + (event.last_report && event.last_report !== event.first_report ? " to " + event.last_report : "") : null],
      ]),
      el("h3", { text: "Sources" }));
    const list = el("ol", { class: "sources" });
    view.appendChild(list);
    showDetail(view);
    const docs = await Promise.all(event.sources.map((s) =>
      api("/api/documents/" + encodeURIComponent(s.doc_id)).catch(() => null)));
    event.sources.forEach((source, i) => {
      const d = source.document;
      const meta = [d.site, d.published || "date unknown", d.source_format].filter(Boolean).join(" · ");
      const where = d.url || d.path;
      const item = el("li", { class: "source", "data-doc": d.id },
        el("h4", {}, el("a", { href: "#document/" + encodeURIComponent(d.id), text: d.title || d.id })),
        el("p", { class: "meta" }, meta, where ? " · " : "",
          where ? (isWebUrl(where) ? el("a", { href: where, rel: "noopener noreferrer", target: "_blank", text: where }) : el("code", { text: where })) : ""),
        docFlags(d),
        source.reason && source.reason !== "first report"
          ? el("p", { class: "reason" }, "merged because: ", source.reason) : null,
        el("p", { class: "meta" }, typeBadge(source.type, source.mode), " ", actorLabel(source.source), " → ",
          actorLabel(source.target), " · confidence " + (source.confidence || 0).toFixed(2)),
        el("blockquote", { class: "evidence", text: source.evidence.text.trim() }));
      const doc = docs[i];
      if (doc) {
        const box = el("div", { class: "doctext", "data-doc": d.id });
        item.appendChild(box);
        const mark = renderMarked(box, doc.text, [{ id: source.event_id, evidence: source.evidence, current: true,
          title: "evidence for this event" }]);
        list.appendChild(item);
        scrollWithin(box, mark);
      } else {
        list.appendChild(item);
      }
    });
  }

  function docFlags(d) {
    const flags = [];
    if (d.truncated) flags.push("truncated" + (typeof d.read_fraction === "number" ? ": " + Math.round(d.read_fraction * 100) + "% of the article read" : ""));
    if (d.machine_translated) flags.push("machine-translated" + (d.translated_from ? " from " + d.translated_from : ""));
    if (d.duplicate_of) flags.push("duplicate of " + d.duplicate_of);
    if (!flags.length) return null;
    return el("p", { class: "flags" }, flags.map((f) => el("span", { class: "flag", text: f })));
  }

  async function showDocument(id) {
    let doc;
    try {
      doc = await api("/api/documents/" + encodeURIComponent(id));
    } catch (error) {
      showDetail(el("p", { class: "error", text: error.message }));
      return;
    }
    const flags = doc.flags || {};
    const ref = doc.reference_date;
    const where = doc.source.url || doc.source.path;
    const view = el("article", { class: "document-view", "data-id": doc.id },
      el("h2", { text: doc.title || doc.id }),
      fieldList([
        ["Source", where ? (isWebUrl(where) ? el("a", { href: where, rel: "noopener noreferrer", target: "_blank", text: where }) : el("code", { text: where })) : null],
        ["Format", doc.source.format], ["Site", doc.site], ["Author", doc.author],
        ["Published", doc.published || "unknown"],
        ["Reference date", ref ? (ref.date || ref.year) + " (" + ref.method + ": " + ref.evidence + ")" : null],
        ["Language", doc.language], ["Document id", doc.id],
      ]),
      el("h3", { text: "Flags" }),
      el("ul", { class: "flag-list" },
        el("li", { class: flags.truncated ? "warn" : "", text: flags.truncated
          ? "Truncated" + (typeof flags.read_fraction === "number" ? ": about " + Math.round(flags.read_fraction * 100) + "% of the article was available" : "")
          : "Complete: no sign of a cut-off text" }),
        el("li", { class: flags.machine_translated ? "warn" : "", text: flags.machine_translated
          ? "Machine-translated" + (flags.translated_from ? " from " + flags.translated_from : "")
          : "Not machine-translated" }),
        flags.duplicate_of ? el("li", { class: "warn" }, "Duplicate of ",
          el("a", { href: "#document/" + encodeURIComponent(flags.duplicate_of), text: flags.duplicate_of })) : null,
        (doc.errors || []).map((e) => el("li", { class: "warn", text: "Problem: " + e }))));
    view.appendChild(el("h3", { text: "Removed by cleaning (" + (doc.removed || []).length + ")" }));
    if ((doc.removed || []).length) {
      view.appendChild(el("ul", { class: "removed" }, doc.removed.map((r) =>
        el("li", {}, el("q", { text: r.text }), el("span", { class: "reason", text: " → " + r.reason })))));
    } else {
      view.appendChild(el("p", { class: "empty", text: "Nothing was removed." }));
    }
    if ((flags.repaired || []).length) {
      view.appendChild(el("h3", { text: "Repaired (" + flags.repaired.length + ")" }));
      view.appendChild(el("ul", { class: "removed" }, flags.repaired.map((r) =>
        el("li", {}, el("q", { text: r.text }), el("span", { class: "reason", text: " → " + r.reason })))));
    }
    view.appendChild(el("h3", { text: "Events in this document (" + doc.events.length + ")" }));
    if (doc.events.length) {
      view.appendChild(el("ul", { class: "doc-events" }, doc.events.map((e) =>
        el("li", {}, el("a", { href: "#event/" + encodeURIComponent(e.cluster_id || e.id) },
          typeBadge(e.type, e.mode), " ", actorLabel(e.source), " → ", actorLabel(e.target),
          " · " + (e.date || "date unknown"))))));
    } else {
      view.appendChild(el("p", { class: "empty", text: "No events were found in this document." }));
    }
    view.appendChild(el("h3", { text: "Text (evidence highlighted)" }));
    const box = el("div", { class: "doctext full", "data-doc": doc.id });
    view.appendChild(box);
    showDetail(view);
    renderMarked(box, doc.text || "", doc.events.map((e) => ({
      id: e.id, evidence: e.evidence, title: e.type + (e.mode ? "/" + e.mode : ""),
      onclick: () => { window.location.hash = "event/" + encodeURIComponent(e.cluster_id || e.id); },
    })));
  }

  function markSelectedRow() {
    const hash = decodeURIComponent(window.location.hash.replace(/^#/, ""));
    const id = hash.startsWith("event/") ? hash.slice(6) : null;
    for (const tr of $("events-body").rows) tr.classList.toggle("selected", tr.getAttribute("data-id") === id);
  }

  function route() {
    markSelectedRow();
    const hash = decodeURIComponent(window.location.hash.replace(/^#/, ""));
    if (hash.startsWith("event/")) showEvent(hash.slice(6));
    else if (hash.startsWith("document/")) showDocument(hash.slice(9));
    else hideDetail();
  }

  // --- start -------------------------------------------------------------------------------

  async function start() {
    $("filters").addEventListener("submit", (e) => {
      e.preventDefault();
      const near = state.filters.near;
      state.filters = formFilters();
      if (near) state.filters.near = near;
      applyFilters();
    });
    $("f-reset").addEventListener("click", () => { state.filters = {}; state.nearName = null; applyFilters(); });
    for (const id of ["f-country", "f-event-country", "f-type"]) {
      $(id).addEventListener("change", () => { state.filters = Object.assign(formFilters(), { near: state.filters.near }); if (!state.filters.near) delete state.filters.near; applyFilters(); });
    }
    $("prev").addEventListener("click", () => goToOffset(state.offset - PAGE_SIZE));
    $("next").addEventListener("click", () => goToOffset(state.offset + PAGE_SIZE));
    $("close-detail").addEventListener("click", (e) => {
      e.preventDefault();
      history.pushState(null, "", window.location.pathname + window.location.search);
      hideDetail();
    });
    window.addEventListener("hashchange", route);
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => { if (state.places) renderMap(state.places); }, 150);
    });
    state.filters = readFiltersFromUrl();
    try {
      await Promise.all([loadOverview(), loadWorld()]);
    } catch (error) {
      showStatus(error.message, true);
    }
    fillForm();
    updateDownloads();
    await refresh();
    route();
    document.body.setAttribute("data-ready", "true");
  }

  document.addEventListener("DOMContentLoaded", start);
})();
