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

// htmx does not swap error responses; rather than leave a dead button, show the full page
// (the server renders the same URL as a normal page with its error message).
document.body.addEventListener("htmx:responseError", (event) => {
  const path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
  if (event.detail.requestConfig && event.detail.requestConfig.verb === "get" && path) {
    window.location.href = path;
  }
});
