// A bulk job's page: polls /bulk/<id>/progress/ and fills in the bar, the figures and the
// results until the job is over. No inline script (strict CSP): everything is read from data-*.
(function () {
  "use strict";
  var section = document.querySelector("[data-progress-url]");
  if (!section) return;
  var url = section.getAttribute("data-progress-url");
  var bar = section.querySelector("progress");
  var body = document.querySelector("[data-results]");
  var labels = document.getElementById("bulk-labels");
  var names = labels ? labels.content.firstElementChild : null;
  var OVER = ["finished", "cancelled", "failed"];

  function label(name) {
    return names ? names.getAttribute("data-label-" + name) : "";
  }

  function cell(tag, name, parts) {
    var element = document.createElement(tag);
    if (tag === "th") element.setAttribute("scope", "row");
    element.setAttribute("data-label", label(name));
    parts.forEach(function (part) {
      if (!part.text) return;
      if (element.childNodes.length) element.appendChild(document.createTextNode(" "));
      var span = document.createElement(part.tag || "span");
      if (part.className) span.className = part.className;
      span.textContent = part.text;
      element.appendChild(span);
    });
    return element;
  }

  function render(rows) {
    var fragment = document.createDocumentFragment();
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      if (row.problem) tr.className = "bulk-problem";
      tr.appendChild(cell("th", "identifier", [
        { text: row.kind, className: "cell-kind" }, { text: row.identifier, tag: "code" }]));
      tr.appendChild(cell("td", "outcome", [
        { text: row.outcome, className: "badge badge-" + row.outcome_tone }]));
      tr.appendChild(cell("td", "verdict", [
        { text: row.verdict, className: "row-verdict verdict-" + row.tone }]));
      tr.appendChild(cell("td", "online", [{ text: row.online }]));
      tr.appendChild(cell("td", "storage", [
        { text: row.storage_state }, { text: row.storage_end, className: "cell-note" }]));
      tr.appendChild(cell("td", "sim", [
        { text: row.sim_state }, { text: row.sim_end, className: "cell-note" }]));
      fragment.appendChild(tr);
    });
    body.replaceChildren(fragment);
  }

  function update(answer) {
    bar.max = answer.total;
    bar.value = answer.done;
    bar.textContent = answer.done + " / " + answer.total;
    section.querySelector("[data-field=summary]").textContent = answer.summary;
    section.querySelector("[data-field=state_label]").textContent = answer.state_label;
    section.setAttribute("data-state", answer.state);
    if (answer.rows && body) render(answer.rows);
    var over = OVER.indexOf(answer.state) >= 0;
    if (over) {
      var cancel = section.querySelector(".bulk-cancel");
      if (cancel) cancel.remove();
    }
    return over;
  }

  function poll() {
    fetch(url + "?rows=1", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (answer) {
        if (!update(answer)) window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  if (OVER.indexOf(section.getAttribute("data-state")) < 0) window.setTimeout(poll, 500);
})();
