// Fills in the state from the ZIP code as the shopper types it, when they have not chosen one
// themselves (app/shop/places.py sends the table of ZIP prefixes once). The server fills in and
// checks the state the same way on submit, so without JavaScript nothing is lost.
(() => {
  const script = document.currentScript;
  const zip = document.getElementById("zip_code");
  const state = document.getElementById("state");
  if (!script || !zip || !state || !window.fetch) return;
  let table = null;
  let filledByUs = false;

  const load = () => {
    table = table || fetch(script.dataset.prefixes, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : {}))
      .catch(() => ({}));
    return table;
  };

  const fill = () => {
    const digits = zip.value.trim();
    if (!/^[0-9]{3}/.test(digits) || (state.value && !filledByUs)) return;
    load().then((prefixes) => {
      const code = prefixes[digits.slice(0, 3)];
      const known = code && Array.from(state.options).some((option) => option.value === code);
      if (!known || (state.value && !filledByUs)) return;
      state.value = code;
      filledByUs = true;
    });
  };

  zip.addEventListener("input", fill);
  state.addEventListener("change", () => { filledByUs = false; });
})();
