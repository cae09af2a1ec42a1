// The inbox's live parts: the case list and the customer's chat update by themselves
// (server-sent events), and replies are sent without reloading. Everything a customer
// typed is written with textContent, never as HTML.
(function () {
  "use strict";

  function el(tag, value, cls) {
    const node = document.createElement(tag);
    if (value !== undefined) node.textContent = value;
    if (cls) node.className = cls;
    return node;
  }

  function age(iso) {
    const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
    if (minutes < 1) return "under a minute";
    if (minutes < 60) return minutes + " min";
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return hours + " h " + (minutes % 60) + " min";
    return Math.floor(hours / 24) + " d " + (hours % 24) + " h";
  }

  const body = document.getElementById("cases-body");
  if (body) {
    const status = body.dataset.status;
    const source = new EventSource("/inbox/events" + (status ? "?status=" + encodeURIComponent(status) : ""));
    source.addEventListener("cases", function (event) {
      const rows = JSON.parse(event.data);
      body.replaceChildren();
      if (!rows.length) {
        const cell = el("td", "No " + (status ? status + " " : "") + "cases.");
        cell.colSpan = 7;
        const row = el("tr");
        row.append(cell);
        body.append(row);
      }
      rows.forEach(function (c) {
        const row = el("tr");
        const link = el("a", "#" + c.id);
        link.href = "/inbox/cases/" + c.id;
        const number = el("td");
        number.append(link);
        const priority = el("td");
        priority.append(el("span", c.priority, "prio-" + c.priority));
        row.append(number, priority, el("td", c.problem, "text"), el("td", c.reason),
          el("td", c.status + (c.live ? " (live chat)" : "")), el("td", c.claimed_by),
          el("td", age(c.created_at)));
        body.append(row);
      });
      const count = document.getElementById("case-count");
      if (count) count.textContent = rows.length + " case" + (rows.length === 1 ? "" : "s");
    });
  }

  const chat = document.getElementById("chat");
  if (chat) {
    const names = { customer: "Customer", assistant: "Assistant" };
    const append = function (line) {
      if (chat.querySelector('[data-id="' + line.id + '"]')) return;
      const item = el("li", undefined, line.speaker);
      item.dataset.id = line.id;
      item.append(el("span", (names[line.speaker] || line.name) + ":", "who"), el("span", line.text));
      chat.append(item);
      chat.scrollTop = chat.scrollHeight;
    };
    chat.scrollTop = chat.scrollHeight;
    const source = new EventSource("/inbox/cases/" + chat.dataset.case + "/events?after=" + chat.dataset.after);
    source.addEventListener("line", function (event) { append(JSON.parse(event.data)); });
    source.addEventListener("case", function (event) {
      const c = JSON.parse(event.data);
      const state = c.status + "|" + c.live + "|" + c.claimed_by;
      if (state !== chat.dataset.state) window.location.reload(); // the forms change
    });

    const form = document.getElementById("reply-form");
    if (form) {
      const error = document.getElementById("reply-error");
      const box = document.getElementById("reply");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        const button = form.querySelector("button");
        button.disabled = true;
        fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                             headers: { Accept: "application/json" } })
          .then(function (response) { return response.json(); })
          .then(function (result) {
            if (result.ok) { box.value = ""; error.hidden = true; box.focus(); }
            else { error.textContent = result.error; error.hidden = false; }
          })
          .catch(function () {
            error.textContent = "The reply could not be sent. Check your connection and try again.";
            error.hidden = false;
          })
          .finally(function () { button.disabled = false; });
      });
      box.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
      });
    }
  }
})();
