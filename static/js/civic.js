// Progressive enhancement only: every page works without this file.
import { initAll } from "../vendor/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Content that htmx swaps in (forms, error summaries) gets the same enhancements.
document.body.addEventListener("htmx:load", (event) => {
  if (event.detail.elt !== document.body) {
    initAll({ scope: event.detail.elt });
  }
});

// A swap can replace the control that was used (a "Move up" button in a list that is
// re-rendered), leaving keyboard focus nowhere. An element that made the request can name,
// in data-civic-focus-after, the ids to focus afterwards: the first that exists gets focus.
// On afterSettle, once htmx has enhanced the new content (hx-post...): a control focused
// before that would submit natively when Enter is pressed. (templates/base.html sets the
// settle delay to 0, so this is still the task that swapped, and nothing is pressed between.)
document.body.addEventListener("htmx:afterSettle", (event) => {
  const config = event.detail.requestConfig;
  const ids = config && config.elt && config.elt.getAttribute("data-civic-focus-after");
  if (!ids) {
    return;
  }
  for (const id of ids.split(/\s+/)) {
    const target = id && document.getElementById(id);
    if (target) {
      if (document.activeElement !== target) {
        target.focus();
      }
      return;
    }
  }
});

// When a request that changes something fails: what went wrong, by status, unless the
// response is one of Civic's error pages (templates/errors/error.html), whose heading and
// first paragraph say it better. Read as text, never inserted as HTML.
const FAILURES = {
  400: "Sorry, there is a problem with that request.",
  403: "You do not have permission to do this.",
  404: "Page not found.",
  409: "That cannot be done now.",
  413: "What you sent is too large.",
  429: "Too many attempts. Wait a minute and try again.",
};
const UNKNOWN = "Sorry, there is a problem with the service. Try again later.";
const UNREACHABLE = "Civic could not be reached. Check your connection and try again.";
const KEPT = "What you entered is still on this page.";
const messages = new WeakMap(); // the element a message is placed before -> the message

function anchorOf(elt) {
  return elt.closest("[data-civic-error-anchor]") || elt.closest("form") || elt;
}

function clearFailure(elt) {
  const anchor = anchorOf(elt);
  const message = messages.get(anchor);
  if (message) {
    message.remove();
    messages.delete(anchor);
  }
}

function sentence(text) {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function explain(xhr) {
  if (!xhr || !xhr.status) {
    return UNREACHABLE;
  }
  const type = xhr.getResponseHeader("Content-Type") || "";
  if (type.startsWith("text/html") && xhr.responseText) {
    const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    const title = page.querySelector("main h1");
    const detail = page.querySelector("main h1 + p.govuk-body");
    if (title && detail && title.textContent.trim()) {
      return `${sentence(title.textContent)} ${sentence(detail.textContent)}`;
    }
  }
  return FAILURES[xhr.status] || UNKNOWN;
}

// The message goes just before the form (or the group of controls marked
// data-civic-error-anchor) and is read out at once (role="alert"); focus stays put.
function showFailure(elt, xhr) {
  clearFailure(elt);
  const anchor = anchorOf(elt);
  const message = document.createElement("p");
  message.className = "govuk-error-message civic-request-error";
  message.setAttribute("role", "alert");
  const prefix = document.createElement("span");
  prefix.className = "govuk-visually-hidden";
  prefix.textContent = "Error:";
  const code = xhr && xhr.status ? ` (Error ${xhr.status})` : "";
  message.append(prefix, ` ${explain(xhr)} ${KEPT}${code}`);
  anchor.before(message);
  messages.set(anchor, message);
  message.scrollIntoView({ block: "nearest" });
}

// A new attempt starts without the last failure's message.
document.body.addEventListener("htmx:beforeRequest", (event) => {
  clearFailure(event.detail.elt);
});

// htmx does not swap error responses. For a page (GET), show the full page instead (the
// server renders the same URL as a normal page with its error message). A failed change
// (POST) is not resent or reloaded, which would lose what was typed: say what happened.
document.body.addEventListener("htmx:responseError", (event) => {
  const config = event.detail.requestConfig;
  const path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
  if (config && config.verb === "get") {
    if (path) {
      window.location.href = path;
    }
    return;
  }
  showFailure(event.detail.elt, event.detail.xhr);
});

document.body.addEventListener("htmx:sendError", (event) => {
  const config = event.detail.requestConfig;
  if (!(config && config.verb === "get")) {
    showFailure(event.detail.elt, null);
  }
});
