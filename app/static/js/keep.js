// "Copy link" on the results page: puts the permalink on the clipboard. Without JavaScript the
// button stays hidden and the link itself is there to select and copy.
(() => {
  "use strict";

  const status = document.querySelector("[data-copy-status]");
  for (const button of document.querySelectorAll("[data-copy-link]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(button.dataset.copyLink);
        status.textContent = "Link copied. Paste it wherever you keep things.";
      } catch (refused) {
        const link = document.querySelector("[data-permalink]");
        window.getSelection().selectAllChildren(link);
        status.textContent = "Your browser did not let us copy. The link is selected: copy it with your keyboard.";
      }
    });
  }
})();
