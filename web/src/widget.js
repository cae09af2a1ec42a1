/**
 * Sign-in help chat widget: a floating chat window that talks to Rasa's socketio channel.
 *
 * Embed:
 *   <script src="https://support.example.com/static/signin-chat.js"></script>
 *   <script>SigninChat.init({serverUrl: "https://chat.example.com", title: "Sign-in help"})</script>
 *
 * Security rules this file keeps (do not weaken them):
 * - message text is only ever set with `textContent` / text nodes, never as HTML;
 * - a link or image is created only for an absolute http(s) URL (checked again when history
 *   is re-rendered from localStorage); links open in a new tab with rel="noopener noreferrer";
 * - colours from the config must be hex colours, so nothing else reaches a style property.
 *
 * Session: the Rasa session id is kept in localStorage and sent with `session_request` on
 * every (re)connect, so reloads and dropped connections continue the same conversation.
 * Messages typed while offline wait in the history and are sent once the session is back.
 */

import { io } from "socket.io-client";

export const version = "0.1.0";

const DEFAULTS = Object.freeze({
  /** Rasa server origin, e.g. "http://127.0.0.1:5005"; empty = the page's own origin. */
  serverUrl: "",
  socketPath: "/socket.io",
  title: "Sign-in help",
  subtitle: "Our assistant answers right away",
  primaryColor: "#0b57d0",
  /** Shown as the assistant's first message of a new conversation (not sent anywhere). */
  greeting: "",
  /** Sent (not shown) when a new conversation starts, e.g. "/greet". */
  initialPayload: "",
  launcherLabel: "Chat with us",
  inputPlaceholder: "Type your message…",
  startOpen: false,
  storageKey: "signin-chat",
  userMessageEvent: "user_uttered",
  botMessageEvent: "bot_uttered",
  maxHistory: 200,
  /** History older than this (since the last message) is dropped: a new conversation. */
  historyTtlHours: 24,
  /** Hide the typing indicator if no answer comes within this many milliseconds. */
  typingTimeoutMs: 20000,
});

const MAX_MESSAGE_LENGTH = 1000;
const SESSION_ID_SHAPE = /^[A-Za-z0-9_-]{1,128}$/;
const HEX_COLOUR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
// A markdown link [label](http...) or a bare http(s) URL.
const LINK_PATTERN = /\[([^\]\n]{1,300})\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"'`]+)/g;
const TRAILING_PUNCTUATION = /[.,;:!?'"]+$/;

const OFFLINE_TEXT =
  "Can't reach the chat server right now. Trying to reconnect… " +
  "Anything you send meanwhile is delivered once the connection is back.";
const REFUSED_TEXT = "The chat server refused the connection. Please reload the page later.";
const RECONNECTED_TEXT = "Connected again.";

let activeInstance = null;

/**
 * Start the widget once per page and return its controller.
 * @param {Partial<typeof DEFAULTS>} options
 */
export function init(options = {}) {
  if (activeInstance) {
    return activeInstance;
  }
  const config = readConfig(options);
  const widget = new ChatWidget(config);
  activeInstance = widget.controller();
  return activeInstance;
}

/** Merge options over the defaults, keeping only known keys with the right types. */
function readConfig(options) {
  const config = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    if (options && Object.prototype.hasOwnProperty.call(options, key)) {
      const value = options[key];
      if (typeof value === typeof DEFAULTS[key]) {
        config[key] = value;
      }
    }
  }
  if (!HEX_COLOUR.test(config.primaryColor)) {
    config.primaryColor = DEFAULTS.primaryColor;
  }
  config.serverUrl = (config.serverUrl || window.location.origin).replace(/\/+$/, "");
  return config;
}

/** `value` as an absolute http(s) URL string, or null. */
export function safeUrl(value) {
  if (typeof value !== "string" || value.length > 2048) {
    return null;
  }
  let url;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
}

/** Turn one socketio bot message into the plain object the history stores, or null. */
export function normaliseBotMessage(data) {
  if (typeof data === "string") {
    return data.trim() ? { text: data } : null;
  }
  if (!data || typeof data !== "object") {
    return null;
  }
  const message = {};
  if (typeof data.text === "string" && data.text.trim()) {
    message.text = data.text;
  }
  // A person from the support team (live handoff): their name, and whether this line is a
  // notice (joined / left) rather than their own words.
  if (typeof data.agent === "string" && data.agent.trim()) {
    message.agent = data.agent.trim().slice(0, 60);
    if (data.kind === "joined" || data.kind === "left") {
      message.notice = data.kind;
    }
  }
  const rawButtons = Array.isArray(data.quick_replies)
    ? data.quick_replies
    : Array.isArray(data.buttons)
      ? data.buttons
      : [];
  const buttons = [];
  for (const button of rawButtons) {
    if (!button || typeof button.title !== "string" || !button.title.trim()) {
      continue;
    }
    const url = safeUrl(button.url);
    if (url) {
      buttons.push({ title: button.title, url });
    } else if (typeof button.payload === "string" && button.payload) {
      buttons.push({ title: button.title, payload: button.payload });
    }
  }
  if (buttons.length) {
    message.buttons = buttons;
  }
  const attachment = data.attachment;
  const source =
    attachment && typeof attachment === "object" && attachment.payload
      ? attachment.payload.src || attachment.payload.url
      : data.image;
  const sourceUrl = safeUrl(source);
  if (sourceUrl) {
    if (!attachment || attachment.type === "image" || typeof data.image === "string") {
      message.image = sourceUrl;
    } else {
      message.link = sourceUrl;
    }
  }
  return message.text || message.buttons || message.image || message.link ? message : null;
}

/** Split text into text nodes and safe links (a fragment; no HTML is ever parsed). */
export function linkify(text, doc = document) {
  const fragment = doc.createDocumentFragment();
  let last = 0;
  LINK_PATTERN.lastIndex = 0;
  for (let match = LINK_PATTERN.exec(text); match; match = LINK_PATTERN.exec(text)) {
    let raw = match[0];
    let label = match[1];
    let href = match[2];
    if (!label) {
      // A bare URL: leave sentence punctuation (and an unmatched ")") outside the link.
      href = raw.replace(TRAILING_PUNCTUATION, "");
      if (href.endsWith(")") && !href.includes("(")) {
        href = href.slice(0, -1).replace(TRAILING_PUNCTUATION, "");
      }
      raw = href;
      label = href;
    }
    const url = safeUrl(href);
    if (!url) {
      continue;
    }
    if (match.index > last) {
      fragment.append(doc.createTextNode(text.slice(last, match.index)));
    }
    fragment.append(safeLink(doc, url, label));
    last = match.index + raw.length;
    LINK_PATTERN.lastIndex = last;
  }
  if (last < text.length) {
    fragment.append(doc.createTextNode(text.slice(last)));
  }
  return fragment;
}

function safeLink(doc, url, label) {
  const link = doc.createElement("a");
  link.href = url;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  link.textContent = label;
  return link;
}

// --- colours ---------------------------------------------------------------------------------

function rgb(hex) {
  const digits = hex.length === 4 ? [...hex.slice(1)].map((d) => d + d).join("") : hex.slice(1);
  return [0, 2, 4].map((i) => parseInt(digits.slice(i, i + 2), 16));
}

function luminance(hex) {
  const [r, g, b] = rgb(hex).map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two hex colours. */
export function contrast(a, b) {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

function colours(primary) {
  return {
    primary,
    // Text on the primary colour: whichever of white or near-black reads better.
    onPrimary: contrast(primary, "#ffffff") >= contrast(primary, "#111111") ? "#ffffff" : "#111111",
    // The primary colour as text (links, reply buttons) only where it keeps 4.5:1 on the
    // bot bubble's grey, the darkest background it is shown on.
    accentText: contrast(primary, "#eef1f4") >= 4.5 ? primary : "#1f2328",
  };
}

// --- storage ---------------------------------------------------------------------------------

/** localStorage with an in-memory fallback (storage can be disabled or full). */
function createStore(key) {
  let memory = null;
  return {
    load() {
      try {
        const raw = window.localStorage.getItem(key);
        return raw ? JSON.parse(raw) : memory;
      } catch {
        return memory;
      }
    },
    save(state) {
      memory = state;
      try {
        window.localStorage.setItem(key, JSON.stringify(state));
      } catch {
        // Private mode or quota: the in-memory copy still works for this page.
      }
    },
    clear() {
      memory = null;
      try {
        window.localStorage.removeItem(key);
      } catch {
        // Nothing stored.
      }
    },
  };
}

function freshState() {
  return { version: 1, sessionId: null, initialSent: false, open: false, messages: [] };
}

/** A stored state, checked field by field; anything odd gives a fresh conversation. */
function validState(stored, ttlHours) {
  if (!stored || typeof stored !== "object" || stored.version !== 1) {
    return freshState();
  }
  const messages = Array.isArray(stored.messages)
    ? stored.messages.map(cleanMessage).filter(Boolean)
    : [];
  const lastTs = messages.length ? messages[messages.length - 1].ts : 0;
  if (lastTs && Date.now() - lastTs > ttlHours * 3600 * 1000) {
    return freshState();
  }
  const sessionId =
    typeof stored.sessionId === "string" && SESSION_ID_SHAPE.test(stored.sessionId)
      ? stored.sessionId
      : null;
  return {
    version: 1,
    sessionId,
    initialSent: stored.initialSent === true,
    open: stored.open === true,
    messages,
  };
}

/** A stored message with only known fields of the right types, or null. */
function cleanMessage(m) {
  if (!m || typeof m !== "object" || (m.from !== "user" && m.from !== "bot")) {
    return null;
  }
  if (typeof m.id !== "string" || typeof m.ts !== "number" || !Number.isFinite(m.ts)) {
    return null;
  }
  const clean = { id: m.id, from: m.from, ts: m.ts };
  for (const key of ["text", "image", "link", "payload"]) {
    if (typeof m[key] === "string") {
      clean[key] = m[key];
    }
  }
  if (m.pending === true) {
    clean.pending = true;
  }
  if (Array.isArray(m.buttons)) {
    clean.buttons = m.buttons
      .filter((b) => b && typeof b.title === "string")
      .map((b) => ({
        title: b.title,
        ...(typeof b.payload === "string" ? { payload: b.payload } : {}),
        ...(typeof b.url === "string" ? { url: b.url } : {}),
      }));
  }
  return clean.text || clean.image || clean.link || clean.buttons ? clean : null;
}

// --- the widget ------------------------------------------------------------------------------

let counter = 0;

function element(doc, tag, attributes = {}, text) {
  const node = doc.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) {
      node.setAttribute(name, "");
    } else if (value !== false && value != null) {
      node.setAttribute(name, String(value));
    }
  }
  if (text != null) {
    node.textContent = text;
  }
  return node;
}

function icon(doc, pathData) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = doc.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "20");
  svg.setAttribute("height", "20");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = doc.createElementNS(ns, "path");
  path.setAttribute("d", pathData);
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

const CHAT_ICON =
  "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2zm3 5v2h10V9H7zm0 4v2h7v-2H7z";
const CLOSE_ICON =
  "M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z";

class ChatWidget {
  constructor(config) {
    this.config = config;
    this.doc = document;
    this.store = createStore(`${config.storageKey}:${config.serverUrl}`);
    this.state = validState(this.store.load(), config.historyTtlHours);
    this.socket = null;
    this.ready = false; // connected and the session confirmed
    this.everConnected = false;
    this.typingTimer = null;
    this.statusTimer = null;
    this.unread = 0;
    this.uid = `sc${++counter}`;
    this.timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
    this.dateTimeFormat = new Intl.DateTimeFormat(undefined, {
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
    });
    this.build();
    if (!this.state.messages.length && config.greeting) {
      this.addMessage({ from: "bot", text: config.greeting });
    }
    this.renderAll();
    if (this.state.open || config.startOpen) {
      this.open({ focus: false });
    }
  }

  controller() {
    return Object.freeze({
      open: () => this.open(),
      close: () => this.close(),
      send: (text) => this.send(String(text)),
      reset: () => this.reset(),
      sessionId: () => this.state.sessionId,
      version,
    });
  }

  // --- DOM ---------------------------------------------------------------------------------

  build() {
    const doc = this.doc;
    const id = (name) => `${this.uid}-${name}`;
    this.host = element(doc, "div", { id: "signin-chat", "data-signin-chat": version });
    const { primary, onPrimary, accentText } = colours(this.config.primaryColor);
    this.host.style.setProperty("--sc-primary", primary);
    this.host.style.setProperty("--sc-on-primary", onPrimary);
    this.host.style.setProperty("--sc-accent-text", accentText);
    const root = this.host.attachShadow({ mode: "open" });
    adoptStyles(root, doc);

    this.launcher = element(doc, "button", {
      type: "button",
      class: "sc-launcher",
      "aria-controls": id("panel"),
      "aria-expanded": "false",
    });
    this.launcherText = element(doc, "span", {}, this.config.launcherLabel);
    this.badge = element(doc, "span", { class: "sc-badge", hidden: true, "aria-hidden": "true" });
    this.launcher.append(icon(doc, CHAT_ICON), this.launcherText, this.badge);
    this.launcher.addEventListener("click", () => this.open());

    this.panel = element(doc, "section", {
      id: id("panel"),
      class: "sc-panel",
      role: "dialog",
      "aria-modal": "false",
      "aria-labelledby": id("title"),
      hidden: true,
    });
    const header = element(doc, "header", { class: "sc-header" });
    const titles = element(doc, "div", { class: "sc-titles" });
    titles.append(
      element(doc, "h2", { id: id("title"), class: "sc-title" }, this.config.title),
      element(doc, "p", { class: "sc-subtitle" }, this.config.subtitle),
    );
    this.endButton = element(doc, "button", { type: "button", class: "sc-end" }, "End chat");
    this.endButton.addEventListener("click", () => this.reset());
    this.closeButton = element(doc, "button", {
      type: "button",
      class: "sc-close",
      "aria-label": "Close chat",
      title: "Close chat",
    });
    this.closeButton.append(icon(doc, CLOSE_ICON));
    this.closeButton.addEventListener("click", () => this.close());
    header.append(titles, this.endButton, this.closeButton);

    this.status = element(doc, "div", { class: "sc-status", role: "alert" });
    this.status.hidden = true;
    this.log = element(doc, "ol", {
      class: "sc-log",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      "aria-label": "Conversation",
      tabindex: "0",
    });
    this.typing = element(doc, "div", { class: "sc-typing", hidden: true });
    const dots = element(doc, "span", { class: "sc-dots", "aria-hidden": "true" });
    dots.append(element(doc, "span"), element(doc, "span"), element(doc, "span"));
    this.typing.append(dots, element(doc, "span", {}, "The assistant is typing…"));

    this.form = element(doc, "form", { class: "sc-form", novalidate: true });
    const label = element(doc, "label", { for: id("input"), class: "sc-sr" }, "Your message");
    this.input = element(doc, "input", {
      id: id("input"),
      class: "sc-input",
      type: "text",
      autocomplete: "off",
      maxlength: MAX_MESSAGE_LENGTH,
      placeholder: this.config.inputPlaceholder,
      enterkeyhint: "send",
    });
    this.sendButton = element(doc, "button", { type: "submit", class: "sc-send" }, "Send");
    this.form.append(label, this.input, this.sendButton);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.input.value;
      if (text.trim()) {
        this.input.value = "";
        this.send(text);
      }
      this.input.focus();
    });
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        this.close();
      }
    });
    this.panel.append(header, this.status, this.log, this.typing, this.form);
    root.append(this.launcher, this.panel);
  }

  /** Re-render every message (start-up and reset); only new ones are appended later. */
  renderAll() {
    this.log.replaceChildren(...this.state.messages.map((m) => this.renderMessage(m)));
    this.refreshReplies();
    // Attach after the history is in place so a screen reader does not read it all out.
    if (this.host.isConnected) {
      return;
    }
    if (this.doc.body) {
      this.doc.body.append(this.host);
    } else {
      // init() ran in <head>: attach once the body exists.
      this.doc.addEventListener("DOMContentLoaded", () => this.doc.body.append(this.host), {
        once: true,
      });
    }
  }

  renderMessage(message) {
    const doc = this.doc;
    const mine = message.from === "user";
    const person = !mine && message.agent && !message.notice;
    const kind = mine ? "sc-row--user" : message.notice ? "sc-row--notice" : person ? "sc-row--agent" : "sc-row--bot";
    const item = element(doc, "li", {
      class: `sc-row ${kind}`,
      "data-message-id": message.id,
    });
    const bubble = element(doc, "div", { class: "sc-bubble" });
    const speaker = mine ? "You:" : message.notice ? "Notice:" : person ? `${message.agent} (support team):` : "Assistant:";
    if (person) {
      bubble.append(element(doc, "span", { class: "sc-name", "aria-hidden": "true" }, `${message.agent} · support team`));
    }
    bubble.append(element(doc, "span", { class: "sc-sr" }, speaker));
    if (message.text) {
      const text = element(doc, "p", { class: "sc-text" });
      if (mine) {
        text.textContent = message.text;
      } else {
        text.append(linkify(message.text, doc));
      }
      bubble.append(text);
    }
    const imageUrl = message.image && safeUrl(message.image);
    if (imageUrl) {
      const image = element(doc, "img", {
        class: "sc-image",
        src: imageUrl,
        alt: "Image sent by the assistant",
        loading: "lazy",
        referrerpolicy: "no-referrer",
      });
      bubble.append(image);
    }
    const linkUrl = message.link && safeUrl(message.link);
    if (linkUrl) {
      const text = element(doc, "p", { class: "sc-text" });
      text.append(safeLink(doc, linkUrl, "Open the attachment"));
      bubble.append(text);
    }
    item.append(bubble);
    const meta = element(doc, "div", { class: "sc-meta" });
    const when = new Date(message.ts);
    const sameDay = when.toDateString() === new Date().toDateString();
    meta.append(
      element(
        doc,
        "time",
        { datetime: when.toISOString() },
        (sameDay ? this.timeFormat : this.dateTimeFormat).format(when),
      ),
    );
    if (message.pending) {
      meta.append(element(doc, "span", { class: "sc-pending" }, " · not sent yet"));
    }
    item.append(meta);
    if (message.buttons && message.buttons.length) {
      item.append(this.renderButtons(message));
    }
    return item;
  }

  renderButtons(message) {
    const doc = this.doc;
    const group = element(doc, "div", {
      class: "sc-replies",
      role: "group",
      "aria-label": "Suggested replies",
    });
    for (const button of message.buttons) {
      const url = button.url && safeUrl(button.url);
      if (url) {
        const link = safeLink(doc, url, button.title);
        link.className = "sc-reply sc-reply--link";
        group.append(link);
      } else if (typeof button.payload === "string") {
        const reply = element(doc, "button", { type: "button", class: "sc-reply" }, button.title);
        reply.addEventListener("click", () => {
          if (!reply.disabled) {
            this.send(button.payload, button.title);
            this.input.focus();
          }
        });
        group.append(reply);
      }
    }
    return group;
  }

  /** Quick replies stay usable until the customer answers; older ones are disabled. */
  refreshReplies() {
    const messages = this.state.messages;
    let lastUser = -1;
    messages.forEach((m, index) => {
      if (m.from === "user") {
        lastUser = index;
      }
    });
    const liveIds = new Set(messages.slice(lastUser + 1).map((m) => m.id));
    for (const item of this.log.querySelectorAll(".sc-row")) {
      const live = liveIds.has(item.dataset.messageId);
      for (const reply of item.querySelectorAll("button.sc-reply")) {
        reply.disabled = !live;
      }
      const group = item.querySelector(".sc-replies");
      if (group) {
        group.classList.toggle("sc-replies--used", !live);
      }
    }
  }

  addMessage(fields) {
    const message = { id: `m${Date.now().toString(36)}${(++counter).toString(36)}`, ts: Date.now() };
    Object.assign(message, fields);
    this.state.messages.push(message);
    const overflow = this.state.messages.length - this.config.maxHistory;
    if (overflow > 0) {
      const dropped = this.state.messages.splice(0, overflow);
      for (const old of dropped) {
        this.log.querySelector(`[data-message-id="${old.id}"]`)?.remove();
      }
    }
    this.save();
    if (this.log) {
      this.log.append(this.renderMessage(message));
      this.refreshReplies();
      this.scrollToEnd();
    }
    return message;
  }

  rerenderMessage(message) {
    const old = this.log.querySelector(`[data-message-id="${message.id}"]`);
    if (old) {
      old.replaceWith(this.renderMessage(message));
      this.refreshReplies();
    }
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  save() {
    this.store.save(this.state);
  }

  setStatus(text, { clearAfterMs = 0, tone = "warning" } = {}) {
    clearTimeout(this.statusTimer);
    this.status.textContent = text;
    this.status.hidden = !text;
    this.status.dataset.tone = tone;
    if (text && clearAfterMs) {
      this.statusTimer = setTimeout(() => this.setStatus(""), clearAfterMs);
    }
  }

  showTyping(on) {
    clearTimeout(this.typingTimer);
    this.typing.hidden = !on;
    if (on) {
      this.typingTimer = setTimeout(() => this.showTyping(false), this.config.typingTimeoutMs);
      this.scrollToEnd();
    }
  }

  updateBadge() {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = this.unread > 9 ? "9+" : String(this.unread);
    const label = this.config.launcherLabel;
    this.launcher.setAttribute(
      "aria-label",
      this.unread ? `${label} (${this.unread} new ${this.unread === 1 ? "message" : "messages"})` : label,
    );
  }

  // --- open / close ------------------------------------------------------------------------

  open({ focus = true } = {}) {
    this.panel.hidden = false;
    this.launcher.hidden = true;
    this.launcher.setAttribute("aria-expanded", "true");
    this.host.classList.add("sc-open");
    this.unread = 0;
    this.updateBadge();
    if (!this.state.open) {
      this.state.open = true;
      this.save();
    }
    this.connect();
    this.scrollToEnd();
    if (focus) {
      this.input.focus();
    }
  }

  close() {
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    this.host.classList.remove("sc-open");
    this.state.open = false;
    this.save();
    this.launcher.focus();
  }

  /** Forget this conversation (history and session id) and start a new one. */
  reset() {
    const wasOpen = !this.panel.hidden;
    if (this.socket) {
      this.socket.disconnect();
      this.socket = null;
    }
    this.ready = false;
    this.store.clear();
    this.state = freshState();
    this.state.open = wasOpen;
    this.showTyping(false);
    this.setStatus("");
    this.save();
    this.renderAll();
    if (this.config.greeting) {
      this.addMessage({ from: "bot", text: this.config.greeting });
    }
    if (wasOpen) {
      this.connect();
      this.input.focus();
    }
  }

  // --- the connection ----------------------------------------------------------------------

  connect() {
    if (this.socket) {
      return;
    }
    const socket = io(this.config.serverUrl, {
      path: this.config.socketPath,
      // WebSocket first: one connection stays on one server process, so the chat works when
      // the server runs several workers without sticky sessions (`make run`). Long-polling
      // only when WebSocket fails, tried again on every (re)connection attempt.
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      timeout: 10000,
      forceNew: true,
    });
    this.socket = socket;
    socket.on("connect", () => {
      socket.emit("session_request", { session_id: this.state.sessionId });
    });
    socket.on("session_confirm", (confirmed) => {
      const sessionId =
        confirmed && typeof confirmed === "object" ? confirmed.session_id : confirmed;
      if (typeof sessionId !== "string" || !SESSION_ID_SHAPE.test(sessionId)) {
        return;
      }
      if (sessionId !== this.state.sessionId) {
        this.state.sessionId = sessionId;
        this.save();
      }
      this.ready = true;
      if (this.everConnected && !this.status.hidden) {
        this.setStatus(RECONNECTED_TEXT, { clearAfterMs: 4000, tone: "ok" });
      } else {
        this.setStatus("");
      }
      this.everConnected = true;
      this.host.dataset.connection = "online";
      this.flush();
    });
    socket.on(this.config.botMessageEvent, (data) => this.receive(data));
    socket.on("disconnect", (reason) => {
      this.ready = false;
      this.host.dataset.connection = "offline";
      this.showTyping(false);
      if (reason === "io client disconnect") {
        return;
      }
      if (reason === "io server disconnect") {
        socket.connect(); // the server dropped us on purpose: ask again
      }
      this.setStatus(OFFLINE_TEXT);
    });
    socket.on("connect_error", () => {
      this.ready = false;
      this.host.dataset.connection = "offline";
      this.setStatus(socket.active ? OFFLINE_TEXT : REFUSED_TEXT);
    });
  }

  /** Send what waited for the session, and the initial payload of a new conversation. */
  flush() {
    if (!this.state.initialSent && this.config.initialPayload) {
      const anyUserMessage = this.state.messages.some((m) => m.from === "user");
      this.state.initialSent = true;
      this.save();
      if (!anyUserMessage) {
        this.emit(this.config.initialPayload);
      }
    }
    for (const message of this.state.messages) {
      if (message.pending) {
        this.emit(message.payload || message.text);
        message.pending = false;
        delete message.payload;
        this.rerenderMessage(message);
      }
    }
    this.save();
  }

  emit(text) {
    this.socket.emit(this.config.userMessageEvent, {
      message: text,
      session_id: this.state.sessionId,
    });
    if (!this.withAgent) {
      this.showTyping(true); // a person types at their own pace: no "typing" while they chat
    }
  }

  /** Send `payload` (a message or a button payload), showing `shown` in the history. */
  send(payload, shown = payload) {
    const text = payload.slice(0, MAX_MESSAGE_LENGTH).trim();
    if (!text) {
      return;
    }
    const message = { from: "user", text: shown.slice(0, MAX_MESSAGE_LENGTH).trim() };
    if (text !== message.text) {
      message.payload = text;
    }
    if (this.ready) {
      delete message.payload;
      this.addMessage(message);
      this.emit(text);
    } else {
      message.pending = true;
      this.addMessage(message);
      this.connect();
    }
  }

  receive(data) {
    const message = normaliseBotMessage(data);
    if (!message) {
      return;
    }
    this.showTyping(false);
    if (message.notice === "joined") {
      this.withAgent = message.agent;
    } else if (message.notice === "left") {
      this.withAgent = null;
    }
    this.addMessage({ from: "bot", ...message });
    if (this.panel.hidden) {
      this.unread += 1;
      this.updateBadge();
    }
  }
}

function adoptStyles(root, doc) {
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function") {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLES);
      root.adoptedStyleSheets = [sheet];
      return;
    } catch {
      // Fall back to a <style> element below.
    }
  }
  root.append(element(doc, "style", {}, STYLES));
}

const STYLES = `
:host { all: initial; }
:host, * { box-sizing: border-box; }
.sc-launcher, .sc-panel {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.45; color: #1f2328;
}
[hidden] { display: none !important; }
.sc-sr {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
button, input { font: inherit; }
:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 2px; box-shadow: 0 0 0 5px #ffffff; }
.sc-launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  display: inline-flex; align-items: center; gap: 8px; min-height: 48px; padding: 12px 20px;
  border: 0; border-radius: 999px; cursor: pointer; font-weight: 600;
  background: var(--sc-primary); color: var(--sc-on-primary);
  box-shadow: 0 6px 20px rgba(0, 0, 0, 0.25);
}
.sc-badge {
  min-width: 22px; height: 22px; padding: 0 6px; border-radius: 11px; font-size: 13px;
  line-height: 22px; text-align: center; background: #b42318; color: #ffffff;
}
.sc-panel {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  display: flex; flex-direction: column; width: 380px; max-width: calc(100vw - 40px);
  height: 600px; max-height: calc(100vh - 40px); overflow: hidden;
  background: #ffffff; border-radius: 14px; box-shadow: 0 12px 40px rgba(0, 0, 0, 0.28);
}
.sc-header {
  display: flex; align-items: center; gap: 8px; padding: 12px 12px 12px 16px;
  background: var(--sc-primary); color: var(--sc-on-primary);
}
.sc-titles { flex: 1; min-width: 0; }
.sc-title { margin: 0; font-size: 17px; font-weight: 700; line-height: 1.3; }
.sc-subtitle { margin: 0; font-size: 13px; opacity: 0.95; }
.sc-end, .sc-close {
  flex: none; min-width: 44px; min-height: 44px; border-radius: 8px; cursor: pointer;
  background: transparent; color: inherit; border: 1px solid transparent;
}
.sc-end { padding: 0 10px; font-size: 13px; text-decoration: underline; }
.sc-close { display: inline-flex; align-items: center; justify-content: center; padding: 0; }
.sc-end:hover, .sc-close:hover { border-color: currentColor; }
.sc-header :focus-visible { outline-color: currentColor; box-shadow: none; }
.sc-status {
  padding: 10px 16px; font-size: 14px; background: #fff4e5; color: #5c3200;
  border-bottom: 1px solid #f0c48a;
}
.sc-status[data-tone="ok"] { background: #e9f7ef; color: #14532d; border-color: #a7dcba; }
.sc-log {
  flex: 1; margin: 0; padding: 16px 12px 8px; list-style: none; overflow-y: auto;
  overscroll-behavior: contain; background: #ffffff;
}
.sc-log:focus-visible { outline-offset: -3px; box-shadow: none; }
.sc-row { display: flex; flex-direction: column; align-items: flex-start; margin: 0 0 12px; }
.sc-row--user { align-items: flex-end; }
.sc-row--notice { align-items: center; }
.sc-row--notice .sc-bubble { background: transparent; font-style: italic; text-align: center; }
.sc-row--agent .sc-bubble { border-left: 4px solid var(--sc-accent, #12355b); }
.sc-name { display: block; font-size: 0.8em; font-weight: 700; margin-bottom: 2px; }
.sc-bubble {
  max-width: 85%; padding: 9px 13px; border-radius: 16px 16px 16px 4px;
  background: #eef1f4; color: #1f2328; overflow-wrap: anywhere;
}
.sc-row--user .sc-bubble {
  border-radius: 16px 16px 4px 16px; background: var(--sc-primary); color: var(--sc-on-primary);
}
.sc-text { margin: 0; white-space: pre-wrap; }
.sc-text + .sc-text { margin-top: 6px; }
.sc-bubble a { color: var(--sc-accent-text); font-weight: 600; text-decoration: underline; }
.sc-row--user .sc-bubble a { color: inherit; }
.sc-image { display: block; max-width: 100%; height: auto; margin-top: 6px; border-radius: 8px; }
.sc-meta { margin: 3px 6px 0; font-size: 12px; color: #57606a; }
.sc-pending { color: #8a4b00; }
.sc-replies { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; max-width: 100%; }
.sc-reply {
  display: inline-flex; align-items: center; min-height: 40px; padding: 8px 14px;
  border: 2px solid var(--sc-accent-text); border-radius: 999px; cursor: pointer;
  background: #ffffff; color: var(--sc-accent-text); font-weight: 600; font-size: 14px;
  text-decoration: none; text-align: left;
}
.sc-reply:hover:not(:disabled) { background: var(--sc-primary); color: var(--sc-on-primary); border-color: var(--sc-primary); }
.sc-replies--used .sc-reply, .sc-reply:disabled {
  cursor: default; border-color: #c4c9d0; color: #57606a; background: #f6f8fa;
}
.sc-typing {
  display: flex; align-items: center; gap: 8px; padding: 4px 16px 8px; font-size: 13px;
  color: #57606a;
}
.sc-dots { display: inline-flex; gap: 3px; }
.sc-dots span {
  width: 7px; height: 7px; border-radius: 50%; background: #6e7781;
  animation: sc-blink 1.2s infinite ease-in-out;
}
.sc-dots span:nth-child(2) { animation-delay: 0.2s; }
.sc-dots span:nth-child(3) { animation-delay: 0.4s; }
@keyframes sc-blink { 0%, 80%, 100% { opacity: 0.25; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .sc-dots span { animation: none; opacity: 0.7; } }
.sc-form {
  display: flex; gap: 8px; padding: 10px 12px 12px; border-top: 1px solid #d8dee4;
  background: #ffffff;
}
.sc-input {
  flex: 1; min-width: 0; min-height: 44px; padding: 10px 12px; font-size: 16px;
  border: 1px solid #6e7781; border-radius: 10px; color: #1f2328; background: #ffffff;
}
.sc-input::placeholder { color: #6e7781; }
.sc-send {
  flex: none; min-height: 44px; padding: 0 16px; border: 0; border-radius: 10px; cursor: pointer;
  font-weight: 700; background: var(--sc-primary); color: var(--sc-on-primary);
}
@media (max-width: 480px) {
  .sc-launcher { right: 12px; bottom: 12px; }
  .sc-panel {
    right: 0; bottom: 0; width: 100%; max-width: 100%; height: 100%; max-height: 100%;
    border-radius: 0;
  }
  .sc-bubble { max-width: 92%; }
}
@media (forced-colors: active) {
  .sc-launcher, .sc-send, .sc-reply, .sc-bubble, .sc-status { border: 1px solid CanvasText; }
}
`;
