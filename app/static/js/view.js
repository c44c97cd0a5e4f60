// Sort, filter and compare in place. The form on the results page is a plain GET of the same
// page (it works without JavaScript); with it, the page is fetched and its results put in place,
// the address updated, the disclosures that were open kept open and the change announced.
(() => {
  const region = document.querySelector("[data-results]");
  const status = document.querySelector("[data-rerank-status]");
  if (!region || !window.fetch || !window.DOMParser || !window.history.replaceState) return;

  const addressOf = (form, action) => {
    const url = new URL(action || form.action, window.location.href);
    url.search = new URLSearchParams(new FormData(form)).toString();
    return url;
  };

  const show = async (url, focusId) => {
    const open = Array.from(region.querySelectorAll("details[open][id]"), (details) => details.id);
    const focused = document.activeElement && document.activeElement.id;
    region.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) throw new Error(String(response.status));
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("[data-results]");
      if (!fresh) throw new Error("no results in the answer");
      region.innerHTML = fresh.innerHTML;
      for (const id of open) document.getElementById(id)?.setAttribute("open", "");
      window.history.replaceState(null, "", url);
      const state = region.querySelector("[data-view-state]");
      if (status) status.textContent = (state && state.textContent.trim().replace(/\s+/g, " ")) || "Every offer, best fit first.";
      (document.getElementById(focusId) || document.getElementById(focused) || region).focus();
    } catch (error) {
      window.location.assign(url);
    } finally {
      region.removeAttribute("aria-busy");
    }
  };

  region.addEventListener("change", (event) => {
    const form = event.target.form;
    if (!form || !form.matches("[data-results-view]") || event.target.name === "compare") return;
    show(addressOf(form), event.target.id);
  });

  region.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("[data-results-view]")) return;
    event.preventDefault();
    const action = event.submitter ? event.submitter.formAction : form.action;
    const url = addressOf(form, action);
    show(url, url.hash.slice(1));
  });

  region.addEventListener("click", (event) => {
    if (event.target.closest("[data-open-preferences]")) document.getElementById("preferences-details")?.setAttribute("open", "");
  });
})();
