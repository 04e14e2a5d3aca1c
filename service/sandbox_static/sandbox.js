/* IMNM CDS sandbox page.
 *
 * Calls only this service: /sandbox/api/* for demo charts, draft orders and the chart's data, and the real
 * POST /cds-services/{id}?explain=true and /cds-services/{id}/feedback, so the cards shown are exactly what an
 * EHR receives. Card Markdown goes through marked and then DOMPurify; every other string is set with
 * textContent, never innerHTML. No inline script or style anywhere (the page's CSP allows only 'self').
 */
"use strict";

(function () {
  const SERVICE_FOR_HOOK = { "patient-view": "imnm-patient-view", "order-sign": "imnm-order-sign" };
  const DAY = 86400000;
  const COLOURS = {
    ck: "#0b57a4", uln: "#4a5361", positive: "#b3261e", negative: "#4a5361", steroid: "#8a4b00",
    methotrexate: "#2e7d32", azathioprine: "#6a1b9a", mycophenolate: "#00838f", tacrolimus: "#ad1457",
    cyclosporine: "#5d4037", cyclophosphamide: "#37474f", ivig: "#1565c0", rituximab: "#c62828", draft: "#757575",
  };
  // An end the chart does not give (an order that ended before its end date, drawn up to today): said, never shown
  // as a known day, and its bar drawn paler.
  const until = (item) => (item.endUnknown ? `${item.end} at the latest (end day not on the chart)` : item.end);
  const noted = (text, item) => (item.endNote ? `${text}. ${item.endNote}` : text);
  const AXIS_WIDTH = 128; // every chart's y axis is this wide, so the three time axes line up exactly

  const state = { patients: [], orders: [], name: null, request: null, charts: {}, lastResponse: null };
  window.sandbox = state; // for the browser tests and for curious users in the console

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function safeUrl(value) {
    try {
      const url = new URL(value, window.location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function status(text, isError) {
    const node = $("status");
    node.textContent = text;
    node.classList.toggle("error", Boolean(isError));
  }

  async function errorText(response) {
    const body = await response.text();
    try {
      const json = JSON.parse(body);
      const issue = json.issue && json.issue[0];
      if (issue && issue.diagnostics) return issue.diagnostics;
      if (json.error) return String(json.error);
    } catch (e) { /* not JSON: fall through */ }
    return body.slice(0, 300) || response.statusText;
  }

  async function api(method, url, body) {
    const init = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    if (!response.ok) {
      const error = new Error(`HTTP ${response.status}: ${await errorText(response)}`);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  // ------------------------------------------------------------------------------------------ Markdown

  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
  });

  function markdown(text) {
    const html = marked.parse(String(text || ""), { async: false, gfm: true });
    const clean = DOMPurify.sanitize(html, {
      FORBID_TAGS: ["style", "img", "form", "input", "button", "iframe", "svg", "math"],
      FORBID_ATTR: ["style", "class", "id"],
      RETURN_DOM_FRAGMENT: true,
    });
    return clean;
  }

  // ------------------------------------------------------------------------------------------ patients

  async function loadPatients() {
    const data = await api("GET", "/sandbox/api/patients");
    state.patients = data.patients;
    const select = $("patient-select");
    select.replaceChildren(el("option", { value: "", text: "— choose a demo patient —" }));
    const stories = el("optgroup", { label: "Multi-rule patient stories" });
    const singles = el("optgroup", { label: "Single-rule demos" });
    for (const p of data.patients) {
      const label = `${p.name.replace(/^story-/, "").replace(/-/g, " ")} (${p.hook})`;
      (p.name.startsWith("story-") ? stories : singles).append(el("option", { value: p.name, text: label }));
    }
    select.append(stories, singles);
  }

  async function loadOrders() {
    state.orders = (await api("GET", "/sandbox/api/orders")).orders;
  }

  function renderOrders() {
    const list = $("order-list");
    list.replaceChildren();
    const fromDemo = [];
    const drafts = state.request && state.request.context && state.request.context.draftOrders;
    for (const entry of (drafts && drafts.entry) || []) {
      if (entry && entry.resource) fromDemo.push(entry.resource);
    }
    const add = (id, label, resource, checked, note) => {
      const input = el("input", { type: "checkbox", id: `order-${id}`, checked });
      input.dataset.order = id;
      input._resource = resource;
      list.append(el("label", { class: "order", for: `order-${id}` }, input, label,
        note ? el("span", { class: "from-demo", text: note }) : null));
    };
    fromDemo.forEach((resource, i) => add(`demo-${i}`, describeResource(resource), resource, true, "(this demo's draft)"));
    for (const order of state.orders) add(order.id, order.label, order.resource, false, null);
  }

  function describeResource(resource) {
    const concept = resource.medicationCodeableConcept || resource.vaccineCode || resource.code || {};
    const name = concept.text || (concept.coding && concept.coding[0] && concept.coding[0].display) || resource.resourceType;
    const dosage = (resource.dosageInstruction || [])[0] || {};
    const dose = dosage.doseAndRate && dosage.doseAndRate[0] && dosage.doseAndRate[0].doseQuantity;
    const repeat = (dosage.timing && dosage.timing.repeat) || {};
    let how = "";
    if (repeat.periodUnit === "wk") how = " weekly";
    else if (repeat.frequency > 1) how = ` ${repeat.frequency}× daily`;
    else if (repeat.periodUnit === "d") how = " daily";
    return `${name}${dose ? ` — ${dose.value} ${dose.unit}` : ""}${how}`;
  }

  async function choosePatient(name) {
    if (!name) return;
    const patient = state.patients.find((p) => p.name === name);
    $("patient-story").textContent = patient ? patient.story : "";
    status("Loading the chart…");
    const request = await api("GET", `/sandbox/api/patients/${encodeURIComponent(name)}`);
    await usePatient(name, request);
    status(`Loaded ${name}. Fire patient-view, or pick draft orders and sign them.`);
  }

  async function usePatient(name, request) {
    state.name = name;
    state.request = request;
    state.timeline = null; // until this chart's data arrives (tests and screen readers wait on it)
    renderOrders();
    clearResults();
    await drawTimeline(request);
  }

  async function usePasted() {
    let document_;
    try {
      document_ = JSON.parse($("paste").value);
    } catch (e) {
      status(`The pasted text is not JSON: ${e.message}`, true);
      return;
    }
    try {
      const request = await api("POST", "/sandbox/api/request", document_);
      $("patient-select").value = "";
      $("patient-story").textContent = "Pasted chart.";
      await usePatient("pasted", request);
      status("Pasted chart loaded. Fire patient-view, or pick draft orders and sign them.");
    } catch (e) {
      status(`Could not use the pasted chart: ${e.message}`, true);
    }
  }

  // ------------------------------------------------------------------------------------------ hooks

  function selectedDrafts() {
    const patientId = state.request.context.patientId;
    return [...document.querySelectorAll("#order-list input:checked")].map((input) => {
      const resource = JSON.parse(JSON.stringify(input._resource));
      if (patientId) resource.subject = { reference: `Patient/${patientId}` };
      return resource;
    });
  }

  function hookRequest(hook) {
    const body = JSON.parse(JSON.stringify(state.request));
    body.hook = hook;
    body.hookInstance = uuid();
    delete body.context.draftOrders;
    if (hook === "order-sign") {
      body.context.draftOrders = { resourceType: "Bundle", type: "collection",
        entry: selectedDrafts().map((resource) => ({ resource })) };
    }
    return body;
  }

  async function fire(hook) {
    if (!state.request) {
      status("Pick a demo patient or paste a chart first.", true);
      $("patient-select").focus();
      return;
    }
    const body = hookRequest(hook);
    if (hook === "order-sign" && !body.context.draftOrders.entry.length) {
      status("Select at least one draft order to sign.", true);
      return;
    }
    const service = SERVICE_FOR_HOOK[hook];
    status(`Calling ${service}…`);
    const started = performance.now();
    try {
      const response = await api("POST", `/cds-services/${service}?explain=true`, body);
      state.lastResponse = { hook, service, response };
      renderResponse(service, response, Math.round(performance.now() - started));
      if (hook === "order-sign") await drawTimeline(body);
    } catch (e) {
      clearResults();
      status(`${service} failed — ${e.message}`, true);
    }
  }

  function clearResults() {
    $("cards").replaceChildren();
    $("warnings").replaceChildren();
    $("rules-body").replaceChildren();
  }

  function renderResponse(service, response, ms) {
    clearResults();
    const extension = (response.extension && response.extension["imnm-cds"]) || {};
    const explanation = extension.explanation || [];
    const byCard = new Map(explanation.filter((e) => e.card).map((e) => [e.card, e]));
    const counts = {};
    for (const card of response.cards) counts[card.indicator] = (counts[card.indicator] || 0) + 1;
    const breakdown = ["critical", "warning", "info"].filter((k) => counts[k]).map((k) => `${counts[k]} ${k}`).join(", ");
    const n = response.cards.length;
    status(`${service}: ${n} card${n === 1 ? "" : "s"}${breakdown ? ` (${breakdown})` : ""} in ${ms} ms.`);
    for (const warning of extension.warnings || []) $("warnings").append(el("li", { text: warning }));
    if (!n) $("cards").append(el("p", { class: "no-cards", text: "No cards: nothing to say for this chart." }));
    response.cards.forEach((card, i) => $("cards").append(renderCard(service, card, byCard.get(card.uuid), i)));
    for (const entry of explanation) {
      $("rules-body").append(el("tr", {},
        el("td", {}, `${entry.number} `, el("code", { text: entry.rule })),
        el("td", { text: entry.status + (entry.indicator ? ` (${entry.indicator})` : "") }),
        el("td", { text: entry.reason || "" })));
    }
  }

  const ICON = { critical: "!!", warning: "!", info: "i" };

  function renderCard(service, card, why, index) {
    const indicator = ["critical", "warning", "info"].includes(card.indicator) ? card.indicator : "info";
    const id = `card-${index}`;
    const topic = (card.source && card.source.topic) || {};
    const article = el("article", { class: `card card--${indicator}`, "aria-labelledby": `${id}-summary` });
    article.dataset.rule = topic.code || "";
    article.dataset.indicator = indicator;
    article.append(el("header", {},
      el("span", { class: "badge", "aria-hidden": "true", text: ICON[indicator] }),
      el("span", { class: "indicator", text: indicator }),
      el("h3", { id: `${id}-summary`, text: card.summary })));
    const detail = el("div", { class: "detail" });
    if (card.detail) detail.append(markdown(card.detail));
    article.append(detail);

    if (card.source) {
      const url = card.source.url && safeUrl(card.source.url);
      const label = card.source.label || "source";
      article.append(el("p", { class: "source" }, "Source: ",
        url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: label }) : label,
        topic.display ? ` · ${topic.display}` : "", topic.code ? ` (${topic.code})` : ""));
    }

    if (card.suggestions && card.suggestions.length) {
      const wrap = el("div", { class: "suggestions", role: "group", "aria-label": "Suggestions" });
      const panels = el("div");
      card.suggestions.forEach((suggestion, s) => {
        const panelId = `${id}-suggestion-${s}`;
        const button = el("button", { type: "button", class: "suggestion", "aria-expanded": "false",
          "aria-controls": panelId }, suggestion.label,
          suggestion.isRecommended ? el("span", { class: "rec", text: "(recommended)" }) : null);
        const panel = el("div", { class: "actions", id: panelId, hidden: true });
        panel.append(el("p", { text: `Accepting “${suggestion.label}” would:` }));
        for (const action of suggestion.actions || []) {
          panel.append(el("p", {}, el("span", { class: "action-type", text: action.type }), " ",
            action.description || "", action.resourceId ? el("code", { text: ` ${action.resourceId}` }) : null));
          if (action.resource) panel.append(el("pre", { text: JSON.stringify(action.resource, null, 2) }));
        }
        const accept = el("button", { type: "button", text: "Accept this suggestion (send feedback)" });
        accept.addEventListener("click", () => sendFeedback(service, card, article, {
          outcome: "accepted", acceptedSuggestions: [{ id: suggestion.uuid }] }));
        panel.append(accept);
        button.addEventListener("click", () => {
          const open = button.getAttribute("aria-expanded") === "true";
          button.setAttribute("aria-expanded", String(!open));
          panel.hidden = open;
        });
        wrap.append(button);
        panels.append(panel);
      });
      article.append(wrap, panels);
    }

    if (card.links && card.links.length) {
      const list = el("ul", { class: "links", "aria-label": "Links" });
      for (const link of card.links) {
        const url = safeUrl(link.url);
        if (!url) continue;
        list.append(el("li", {}, el("a", { href: url, target: "_blank", rel: "noopener noreferrer",
          text: link.label + (link.type === "smart" ? " (SMART app)" : "") })));
      }
      article.append(list);
    }

    const details = el("details", { class: "why" },
      el("summary", { text: `Why this card? (${why ? `${why.number} ${why.rule}` : "explanation"})` }));
    if (why) {
      details.append(el("p", { text: why.reason || "" }));
      const dl = el("dl");
      for (const [key, value] of Object.entries(why.facts || {})) {
        dl.append(el("dt", { text: key.replace(/_/g, " ") }),
          el("dd", { text: value === null ? "—" : typeof value === "object" ? JSON.stringify(value) : String(value) }));
      }
      details.append(dl);
    } else {
      details.append(el("p", { text: "The service sent no explanation for this card (?explain=true is off)." }));
    }
    article.append(details);

    const feedback = el("div", { class: "feedback" });
    if (card.overrideReasons && card.overrideReasons.length) {
      const select = el("select", { id: `${id}-reason` });
      select.append(el("option", { value: "", text: "(no reason given)" }));
      card.overrideReasons.forEach((r, i) => select.append(el("option", { value: String(i), text: r.display || r.code })));
      feedback.append(el("label", { for: `${id}-reason`, text: "Override reason" }), select);
      const override = el("button", { type: "button", text: "Override (send feedback)" });
      override.addEventListener("click", () => {
        const reason = select.value === "" ? null : card.overrideReasons[Number(select.value)];
        sendFeedback(service, card, article, reason ? { outcome: "overridden", overrideReason: { reason } }
          : { outcome: "overridden" });
      });
      feedback.append(override);
    }
    feedback.append(el("p", { class: "feedback-status", "aria-live": "polite" }));
    article.append(feedback);
    return article;
  }

  async function sendFeedback(service, card, article, item) {
    const out = article.querySelector(".feedback-status");
    out.classList.remove("error");
    out.textContent = "Sending feedback…";
    const body = { feedback: [Object.assign({ card: card.uuid, outcomeTimestamp: new Date().toISOString() }, item)] };
    try {
      const response = await fetch(`/cds-services/${service}/feedback`, {
        method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body) });
      if (response.ok) {
        out.textContent = `Feedback recorded (${item.outcome}).`;
      } else {
        out.classList.add("error");
        out.textContent = `Feedback not recorded — HTTP ${response.status}: ${await errorText(response)}`;
      }
    } catch (e) {
      out.classList.add("error");
      out.textContent = `Feedback not sent: ${e.message}`;
    }
  }

  // ------------------------------------------------------------------------------------------ the chart

  const ms = (iso) => new Date(`${iso}T00:00:00`).getTime();
  const fmt = (n) => Number(n).toLocaleString("en-US", { maximumFractionDigits: 1 });
  const fixedAxis = (scale) => { scale.width = AXIS_WIDTH; };

  async function drawTimeline(request) {
    try {
      const data = await api("POST", "/sandbox/api/timeline", request);
      state.timeline = data;
      renderTimeline(data);
    } catch (e) {
      $("chart-summary").textContent = `No chart: ${e.message}`;
    }
  }

  function timeAxis(min, max, withTitle) {
    return {
      type: "time", min, max,
      time: { tooltipFormat: "yyyy-MM-dd", displayFormats: { day: "d MMM", week: "d MMM", month: "MMM yyyy" } },
      ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 9, color: "#1b1f24" },
      grid: { color: "#e3e7ee" },
      title: { display: withTitle, text: "Date", color: "#1b1f24", font: { weight: "bold" } },
    };
  }

  function replaceChart(key, canvasId, config) {
    if (state.charts[key]) state.charts[key].destroy();
    state.charts[key] = new Chart($(canvasId), config);
  }

  function renderTimeline(data) {
    const min = ms(data.range.start) - 10 * DAY;
    const max = ms(data.range.end) + 10 * DAY;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#1b1f24";
    Chart.defaults.animation = false;

    // CK (log) with the ULN and antibody results.
    const values = data.ck.map((p) => p.value);
    const top = Math.max(1000, ...values, ...data.ck.map((p) => p.uln)) * 2;
    const uln = [];
    if (data.ck.length) {
      uln.push({ x: min, y: data.ck[0].uln });
      for (const p of data.ck) uln.push({ x: ms(p.date), y: p.uln });
      uln.push({ x: max, y: data.ck[data.ck.length - 1].uln });
    }
    // Antibody results ride along the top of the CK panel, one row per antibody so same-day results never
    // hide each other; filled red triangle = positive, open circle = negative (shape and colour, not colour alone).
    const rows = [...new Set(data.antibodies.map((a) => a.antibody))];
    const marker = (result) => data.antibodies.filter((a) => a.result === result)
      .map((a) => ({ x: ms(a.date), y: top / (1.3 * 1.9 ** rows.indexOf(a.antibody)), label: `${a.antibody} ${a.result} (${a.date})` }));
    replaceChart("ck", "ck-chart", {
      type: "line",
      data: {
        datasets: [
          { label: "CK (U/L)", data: data.ck.map((p) => ({ x: ms(p.date), y: p.value })), borderColor: COLOURS.ck,
            backgroundColor: COLOURS.ck, pointRadius: 4, pointHoverRadius: 6, borderWidth: 2 },
          { label: "Upper limit of normal", data: uln, borderColor: COLOURS.uln, borderDash: [6, 4], borderWidth: 1.5,
            pointRadius: 0, pointStyle: "line", stepped: "after" },
          { label: "Antibody positive", type: "scatter", data: marker("positive"), pointStyle: "triangle",
            pointRadius: 8, backgroundColor: COLOURS.positive, borderColor: COLOURS.positive },
          { label: "Antibody negative", type: "scatter", data: marker("negative"), pointStyle: "circle",
            pointRadius: 6, backgroundColor: "#ffffff", borderColor: COLOURS.negative, borderWidth: 2 },
        ],
      },
      options: {
        maintainAspectRatio: false, parsing: true,
        plugins: {
          legend: { position: "top", labels: { usePointStyle: true, color: "#1b1f24" } },
          title: { display: true, text: "Creatine kinase (log scale) against its upper limit of normal", color: "#1b1f24" },
          tooltip: { callbacks: { label: (ctx) => ctx.raw.label || `${ctx.dataset.label}: ${fmt(ctx.parsed.y)} U/L` } },
        },
        scales: {
          x: timeAxis(min, max, false),
          y: { type: "logarithmic", min: Math.max(10, Math.min(100, ...values) / 2), max: top, afterFit: fixedAxis,
            title: { display: true, text: "CK, U/L (log)", color: "#1b1f24", font: { weight: "bold" } },
            ticks: { color: "#1b1f24", callback: (v) => ([10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000]
              .includes(v) ? fmt(v) : null) },
            grid: { color: "#e3e7ee" } },
        },
      },
    });

    // Glucocorticoid dose, prednisone equivalents: one bar per run of the same daily dose.
    const steroid = [];
    for (const s of data.glucocorticoid) {
      const start = ms(s.start);
      const end = ms(s.end) + DAY;
      steroid.push({ x: start, y: 0 }, { x: start, y: s.peq }, { x: end, y: s.peq }, { x: end, y: 0 });
    }
    replaceChart("dose", "dose-chart", {
      type: "line",
      data: { datasets: [{ label: "Glucocorticoid, prednisone-equivalent mg/day", data: steroid,
        borderColor: COLOURS.steroid, backgroundColor: "rgba(138, 75, 0, 0.28)", fill: "origin", pointRadius: 0,
        borderWidth: 1.5 }] },
      options: {
        maintainAspectRatio: false,
        plugins: { legend: { labels: { color: "#1b1f24" } },
          tooltip: { callbacks: { label: (ctx) => `${fmt(ctx.parsed.y)} mg/day prednisone-equivalent` } } },
        scales: {
          x: timeAxis(min, max, false),
          y: { min: 0, suggestedMax: 20, afterFit: fixedAxis, ticks: { color: "#1b1f24", maxTicksLimit: 4 },
            title: { display: true, text: "PEQ mg/day", color: "#1b1f24", font: { weight: "bold" } } },
        },
      },
    });

    // Treatment lanes: each steroid-sparing agent, IVIG cycles, rituximab infusions, drafts being signed.
    const lanes = [];
    const datasets = [];
    const lane = (name, colour, bars) => {
      if (!bars.length) return;
      lanes.push(name);
      datasets.push({ label: name,
        data: bars.map((b) => ({ x: [b.start, b.end], y: name, info: b.info, endUnknown: !!b.endUnknown })),
        backgroundColor: (ctx) => (ctx.raw && ctx.raw.endUnknown ? `${colour}66` : colour), borderColor: colour, borderWidth: 1, minBarLength: 5, grouped: false,
        barPercentage: 0.75, categoryPercentage: 0.9 });
    };
    const agents = [...new Set(data.agents.map((a) => a.agent))];
    for (const agent of agents) {
      const courses = data.agents.filter((a) => a.agent === agent);
      lane(courses[0].label, COLOURS[agent] || "#37474f", courses.map((c) => ({ start: ms(c.start),
        end: ms(c.end) + DAY, endUnknown: c.endUnknown,
        info: noted(`${c.order}: ${c.dose} (${c.start} to ${c.current ? "today" : until(c)})`, c) })));
    }
    lane("IVIG cycles", COLOURS.ivig, data.ivig.map((c) => ({ start: ms(c.start), end: ms(c.end) + DAY,
      endUnknown: c.endUnknown, info: noted(`IVIG ${c.dose} (${c.start}${c.end !== c.start ? ` to ${until(c)}` : ""})`, c) })));
    lane("Rituximab", COLOURS.rituximab, data.rituximab.map((r) => ({ start: ms(r.date), end: ms(r.date) + DAY,
      endUnknown: r.endUnknown, info: noted(`Rituximab ${r.dose} (${r.date})`, r) })));
    lane("Drafts (today)", COLOURS.draft, data.drafts.map((d) => ({ start: ms(d.date), end: ms(d.date) + DAY,
      info: `Draft: ${d.label}, ${d.dose}` })));
    if (!lanes.length) lanes.push("No steroid-sparing agent, IVIG or rituximab on file");
    $("lanes-box").style.height = `${90 + 34 * lanes.length}px`;
    replaceChart("lanes", "lanes-chart", {
      type: "bar",
      data: { labels: lanes, datasets },
      options: {
        indexAxis: "y", maintainAspectRatio: false,
        plugins: { legend: { display: false },
          tooltip: { callbacks: { title: (items) => items[0].raw.y, label: (ctx) => ctx.raw.info } } },
        scales: {
          x: timeAxis(min, max, true),
          y: { afterFit: fixedAxis, ticks: { color: "#1b1f24", autoSkip: false }, grid: { display: false } },
        },
      },
    });

    renderSummary(data);
    renderTable(data);
  }

  function renderSummary(data) {
    const parts = [];
    if (data.ck.length) {
      const last = data.ck[data.ck.length - 1];
      parts.push(`${data.ck.length} CK result${data.ck.length === 1 ? "" : "s"}; latest ${fmt(last.value)} U/L on ${last.date} ` +
        `(${fmt(last.value / last.uln)} × ULN ${fmt(last.uln)}).`);
    } else {
      parts.push("No CK on file.");
    }
    const current = data.glucocorticoid.find((s) => s.end === data.today);
    if (current && current.endUnknown) {
      parts.push(`Glucocorticoid up to ${fmt(current.peq)} mg/day prednisone-equivalent, from orders that ended on a day ` +
        "the chart does not give (part of it may no longer be given).");
    } else {
      parts.push(current ? `Glucocorticoid now ${fmt(current.peq)} mg/day prednisone-equivalent.` : "No current glucocorticoid.");
    }
    const agents = [...new Set(data.agents.map((a) => a.label))];
    if (agents.length) parts.push(`Steroid-sparing: ${agents.join(", ")}.`);
    if (data.ivig.length) parts.push(`${data.ivig.length} IVIG cycle${data.ivig.length === 1 ? "" : "s"}.`);
    if (data.rituximab.length) parts.push(`${data.rituximab.length} rituximab infusion${data.rituximab.length === 1 ? "" : "s"}.`);
    if (data.antibodies.length) parts.push(`Antibodies: ${data.antibodies.map((a) => `${a.antibody} ${a.result}`).join(", ")}.`);
    $("chart-summary").textContent = parts.join(" ");
    const summary = parts.join(" ");
    $("ck-chart").setAttribute("aria-label", `CK over time on a log scale with the upper limit of normal. ${summary}`);
    $("chart-notes").replaceChildren(...data.notes.map((n) => el("li", { text: n })));
  }

  function renderTable(data) {
    const rows = [];
    for (const p of data.ck) rows.push([p.date, "CK", `${fmt(p.value)} U/L (ULN ${fmt(p.uln)}${p.ulnFromLab ? "" : ", default"})`]);
    for (const s of data.glucocorticoid) rows.push([s.start, "Glucocorticoid", `${fmt(s.peq)} mg/day PEQ until ${until(s)}`]);
    for (const a of data.agents) rows.push([a.start, a.label, `${a.dose} until ${a.current ? "today" : until(a)}`]);
    for (const c of data.ivig) rows.push([c.start, "IVIG cycle", `${c.dose} until ${until(c)}`]);
    for (const r of data.rituximab) rows.push([r.date, "Rituximab infusion", noted(r.dose, r)]);
    for (const a of data.antibodies) rows.push([a.date, a.antibody, a.result]);
    for (const d of data.drafts) rows.push([d.date, "Draft order", `${d.label}: ${d.dose}`]);
    rows.sort((a, b) => a[0].localeCompare(b[0]));
    const table = el("table", {}, el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Date" }),
      el("th", { scope: "col", text: "What" }), el("th", { scope: "col", text: "Value" }))));
    const body = el("tbody");
    for (const row of rows) body.append(el("tr", {}, ...row.map((cell) => el("td", { text: cell }))));
    table.append(body);
    $("chart-table").replaceChildren(table);
  }

  // ------------------------------------------------------------------------------------------ wiring

  async function start() {
    $("patient-select").addEventListener("change", (event) => {
      choosePatient(event.target.value).catch((e) => status(`Could not load the patient: ${e.message}`, true));
    });
    $("fire-patient-view").addEventListener("click", () => fire("patient-view"));
    $("sign").addEventListener("click", () => fire("order-sign"));
    $("use-pasted").addEventListener("click", usePasted);
    $("upload").addEventListener("change", async (event) => {
      const file = event.target.files && event.target.files[0];
      if (file) $("paste").value = await file.text();
    });
    try {
      await Promise.all([loadPatients(), loadOrders()]);
      renderOrders();
      document.body.dataset.ready = "true";
    } catch (e) {
      status(`The sandbox could not start: ${e.message}`, true);
    }
  }

  start();
})();
