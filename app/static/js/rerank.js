// Re-ranking in place. The preference form on the results page works without JavaScript (it
// posts, the server records the new ranking and sends the page again). With it, choosing a
// preset or moving a slider sends the same form with fetch; the server records the new ranking
// and answers with the re-rendered results, which replace the old ones without a page load.
(() => {
  const region = document.querySelector("[data-results]");
  const status = document.querySelector("[data-rerank-status]");
  if (!region || !window.fetch || !window.FormData) return;

  // Each ranking is recorded, so wait for the shopper to settle (arrow keys step through presets
  // and sliders one change at a time).
  const PRESET_PAUSE_MS = 350;
  const SLIDER_PAUSE_MS = 600;
  let timer = null;
  let inFlight = null;

  const say = (text) => {
    if (status) status.textContent = text;
  };

  const sliders = (form) => Array.from(form.querySelectorAll('input[type="range"]'));

  const showShares = (form) => {
    const all = sliders(form);
    const total = all.reduce((sum, slider) => sum + Number(slider.value), 0);
    for (const slider of all) {
      const output = form.querySelector(`output[data-share-of="${CSS.escape(slider.id)}"]`);
      if (!output) continue;
      const share = total > 0 ? Math.round((100 * Number(slider.value)) / total) : 0;
      output.textContent = `weight ${slider.value}: ${share}% of the score`;
    }
  };

  const followPreset = (form, radio) => {
    const weights = new Map(
      (radio.dataset.weights || "").split(" ").filter(Boolean).map((pair) => pair.split("=")),
    );
    for (const slider of sliders(form)) {
      const key = slider.name.replace(/^weight_/, "");
      if (weights.has(key)) slider.value = weights.get(key);
    }
    showShares(form);
  };

  const send = async (form, apply) => {
    window.clearTimeout(timer);
    if (inFlight) inFlight.abort();
    const controller = new AbortController();
    inFlight = controller;
    const focused = document.activeElement && region.contains(document.activeElement) ? document.activeElement.id : null;
    const body = new FormData(form);
    body.set("apply", apply);
    region.setAttribute("aria-busy", "true");
    say("Ranking the offers again…");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body,
        headers: { "X-Candor-Fragment": "results" },
        credentials: "same-origin",
        signal: controller.signal,
      });
      if (!response.ok && response.status !== 400 && response.status !== 409) throw new Error(String(response.status));
      const open = Array.from(region.querySelectorAll("details[open][id]"), (details) => details.id);
      region.innerHTML = await response.text();
      for (const id of open) document.getElementById(id)?.setAttribute("open", "");
      const errors = region.querySelector("[data-preference-errors]");
      if (errors) {
        errors.focus();
        say("We could not rank again with that. The reasons are listed above the form.");
      } else {
        const best = region.querySelector("[data-top-provider]");
        const ranked = region.querySelector("[data-ranked-for]");
        say(`Ranked again for ${ranked ? ranked.textContent : "your choice"}. Best fit: ${best ? best.textContent : "none"}.`);
        const again = focused && document.getElementById(focused);
        if (again) again.focus();
      }
    } catch (error) {
      if (error.name === "AbortError") return;
      // Let the browser post the form the ordinary way: the server then shows what happened.
      const fallback = document.createElement("input");
      fallback.type = "hidden";
      fallback.name = "apply";
      fallback.value = apply;
      form.append(fallback);
      form.submit();
    } finally {
      if (inFlight === controller) {
        inFlight = null;
        region.removeAttribute("aria-busy");
      }
    }
  };

  region.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-rerank]");
    if (!form) return;
    event.preventDefault();
    const apply = event.submitter && event.submitter.name === "apply" ? event.submitter.value : "preset";
    send(form, apply);
  });

  region.addEventListener("input", (event) => {
    const form = event.target.closest("form[data-rerank]");
    if (form && event.target.type === "range") showShares(form);
  });

  region.addEventListener("change", (event) => {
    const form = event.target.closest("form[data-rerank]");
    if (!form) return;
    if (event.target.type === "radio" && event.target.name === "preset") {
      followPreset(form, event.target);
      window.clearTimeout(timer);
      timer = window.setTimeout(() => send(form, "preset"), PRESET_PAUSE_MS);
    } else if (event.target.type === "range") {
      for (const radio of form.querySelectorAll('input[name="preset"]')) radio.checked = false;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => send(form, "custom"), SLIDER_PAUSE_MS);
    }
  });
})();
