/* Search snippets from a file (issue 20). The search page quotes each result's page, which
 * Sphinx fetches; a browser refuses fetch() on file:// pages, so opened from a folder or a
 * USB stick the results had no text. There, the pages' text comes from COURSE_PAGE_TEXT
 * (written with the site) instead. Over http nothing changes.
 */
"use strict";

(() => {
  if (window.location.protocol !== "file:" || !window.COURSE_PAGE_TEXT) return;
  const fetchFromNetwork = window.fetch.bind(window);
  window.fetch = (resource, options) => {
    const address = new URL(String(resource), document.baseURI);
    const root = new URL(document.documentElement.dataset.content_root || "./", document.baseURI);
    const name = address.href.startsWith(root.href)
      ? address.href.slice(root.href.length).replace(/\.html$/, "")
      : null;
    if (name === null || !(name in window.COURSE_PAGE_TEXT)) {
      return fetchFromNetwork(resource, options);
    }
    const main = document.createElement("div");
    main.setAttribute("role", "main");
    main.textContent = window.COURSE_PAGE_TEXT[name];
    return Promise.resolve(new Response(`<html><body>${main.outerHTML}</body></html>`));
  };
})();
