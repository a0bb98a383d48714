/* The course site's fixes to the theme's scripts (issue 20). Runs after them (deferred).
 *
 * pydata-sphinx-theme 0.20 wires only the first ".primary-toggle" and ".secondary-toggle"
 * of a page to its sidebars (pydata-sphinx-theme#2451, sphinx-book-theme#988); with the
 * book theme the first ones are hidden, so the visible buttons did nothing and a phone had
 * no way to the navigation. Every other toggle now passes its click to the first one.
 */
"use strict";

function courseWireToggles() {
  for (const kind of ["primary-toggle", "secondary-toggle"]) {
    const [wired, ...others] = document.querySelectorAll(`.${kind}`);
    for (const button of others) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        wired.click();
      });
    }
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", courseWireToggles);
} else {
  courseWireToggles();
}

/* The header's two drop-down menus (colour mode, download), opened without Bootstrap's
 * 81 kB script: a click on the button shows its menu, a click elsewhere or Escape hides it. */
function courseWireMenus() {
  const buttons = document.querySelectorAll('[data-bs-toggle="dropdown"]');
  const close = (except) => {
    for (const button of buttons) {
      const menu = button.parentElement.querySelector(".dropdown-menu");
      if (button === except || !menu) continue;
      menu.classList.remove("show");
      button.setAttribute("aria-expanded", "false");
    }
  };
  for (const button of buttons) {
    const menu = button.parentElement.querySelector(".dropdown-menu");
    if (!menu) continue;
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", (event) => {
      event.preventDefault();
      event.stopPropagation();
      close(button);
      const open = menu.classList.toggle("show");
      button.setAttribute("aria-expanded", String(open));
    });
    menu.addEventListener("click", () => close(null));
  }
  document.addEventListener("click", () => close(null));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close(null);
  });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", courseWireMenus);
} else {
  courseWireMenus();
}
