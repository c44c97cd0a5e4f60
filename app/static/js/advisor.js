// Console shortcuts: Alt+N new call, Alt+R run the comparison, Alt+O go to the outcome.
// Without JavaScript the same keys work through accesskey attributes (in Firefox with Alt+Shift);
// with it they are the same in every browser, so the accesskeys are removed to avoid firing twice.
(function () {
  "use strict";
  const targets = {};
  for (const element of document.querySelectorAll("[data-shortcut]")) {
    const key = element.dataset.shortcut;
    if (!(key in targets)) targets[key] = element;
  }
  for (const element of document.querySelectorAll("[accesskey]")) element.removeAttribute("accesskey");
  // A refused outcome: its error summary takes the focus, so it is read out and seen first.
  const problems = document.querySelector("[data-focus-on-load]");
  if (problems) problems.focus();

  function activate(key) {
    const target = targets[key];
    if (!target) return false;
    if (key === "n") {
      window.location.assign(target.href);
    } else if (key === "r") {
      const form = target.form;
      if (form.requestSubmit) form.requestSubmit(target); else form.submit();
    } else if (key === "o") {
      const section = document.getElementById("outcome");
      if (section) section.scrollIntoView({ block: "start" });
      const checked = target.form.querySelector("input[type=radio]:checked");
      (checked || target).focus();
    }
    return true;
  }

  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.repeat) return;
    // event.code, not event.key: on a Mac, Option+N types "˜".
    const key = event.code.startsWith("Key") ? event.code.slice(3).toLowerCase() : "";
    if (key in targets && activate(key)) event.preventDefault();
  });
})();
