// Disclosures marked data-open-wide are folded on a phone (to keep the page short) and opened on
// a screen wide enough to show them beside the rest. Without JavaScript they stay folded.
(() => {
  const wide = window.matchMedia("(min-width: 48rem)");
  const openAll = () => {
    if (!wide.matches) return;
    for (const details of document.querySelectorAll("details[data-open-wide]:not([data-opened])")) {
      details.open = true;
      details.dataset.opened = "";
    }
  };
  openAll();
  new MutationObserver(openAll).observe(document.body, { childList: true, subtree: true });
})();
