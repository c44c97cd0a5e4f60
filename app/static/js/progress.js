// Progress while quotes arrive. The page streams one line per provider as it answers; this turns
// those lines into a list of providers with a state each and a running count, and opens the
// results as soon as they are recorded. Without JavaScript the lines and the link still work.
(() => {
  const root = document.querySelector("[data-progress]");
  if (!root) return;
  const states = root.querySelector("[data-progress-states]");
  const count = root.querySelector("[data-progress-count]");
  const asking = root.querySelector("[data-progress-asking]");
  const total = Number(root.dataset.total);

  states.hidden = false;
  count.hidden = false;
  if (asking) asking.hidden = true;

  const onEvent = (item) => {
    const row = states.querySelector(`li[data-provider="${CSS.escape(item.dataset.provider)}"]`);
    const state = row && row.querySelector("[data-state]");
    if (state) {
      state.dataset.state = item.dataset.state;
      state.textContent = item.dataset.words;
    }
    count.textContent = `${item.dataset.answered} of ${total} answered`;
  };

  let leaving = false;
  const onNode = (node) => {
    if (!(node instanceof HTMLElement)) return;
    if (node.matches("[data-progress-log]")) node.hidden = true;
    if (node.matches("[data-event]")) onEvent(node);
    if (node.matches("[data-progress-ranking]")) count.textContent = node.textContent;
    const link = node.matches("[data-results-link]") ? node : node.querySelector("[data-results-link]");
    if (link && !leaving) {
      leaving = true;
      window.location.replace(link.href);
    }
  };

  new MutationObserver((changes) => {
    for (const change of changes) change.addedNodes.forEach(onNode);
  }).observe(root, { childList: true, subtree: true });
})();
