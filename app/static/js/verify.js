// The /verify page, checked again in the browser from nothing but what the page shows: each
// entry's inclusion proof up to the root hash in its checkpoint (RFC 9162 section 2.1.3.2), and
// each checkpoint's Ed25519 signature with the verifier key (C2SP signed note), where the browser
// supports Ed25519. Without JavaScript the page still shows the server's check and the steps.
(() => {
  "use strict";

  const section = document.querySelector("[data-receipt-proof]");
  const output = section ? section.querySelector("[data-browser-check]") : null;
  if (!output || !window.crypto || !window.crypto.subtle) {
    return;
  }

  const encoder = new TextEncoder();
  const toHex = (bytes) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  const fromHex = (text) => new Uint8Array((text.match(/[0-9a-f]{2}/g) || []).map((pair) => parseInt(pair, 16)));
  const fromBase64 = (text) => Uint8Array.from(atob(text), (character) => character.charCodeAt(0));
  const half = (number) => Math.floor(number / 2);
  const odd = (number) => number % 2 === 1;

  async function sha256(...parts) {
    const joined = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
  }

  const nodeHash = (left, right) => sha256(Uint8Array.of(1), left, right);

  async function rootFromInclusionPath(index, size, leafHash, path) {
    if (index >= size) {
      return null;
    }
    let fn = index;
    let sn = size - 1;
    let result = leafHash;
    for (const item of path) {
      if (sn === 0) {
        return null;
      }
      if (odd(fn) || fn === sn) {
        result = await nodeHash(item, result);
        while (fn !== 0 && !odd(fn)) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        result = await nodeHash(result, item);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 ? result : null;
  }

  // "valid", "invalid", or "unsupported" when this browser has no Ed25519.
  async function checkSignature(note, verifierKey) {
    // name+keyid+base64 key, split at the first two plus signs only: base64 has plus signs too.
    const text = verifierKey.trim();
    const first = text.indexOf("+");
    const second = text.indexOf("+", first + 1);
    const name = text.slice(0, first);
    const keyIdHex = text.slice(first + 1, second);
    const encodedKey = text.slice(second + 1);
    const typedKey = fromBase64(encodedKey);
    if (typedKey.length !== 33 || typedKey[0] !== 1) {
      return "invalid";
    }
    const publicKey = typedKey.slice(1);
    const keyId = (await sha256(encoder.encode(name + "\n"), Uint8Array.of(1), publicKey)).slice(0, 4);
    if (toHex(keyId) !== keyIdHex) {
      return "invalid";
    }
    const split = note.lastIndexOf("\n\n");
    const signed = note.slice(0, split + 1);
    let key;
    try {
      key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    } catch (error) {
      return "unsupported";
    }
    for (const line of note.slice(split + 2).split("\n")) {
      const [dash, signer, encoded] = line.split(" ");
      if (dash !== "\u2014" || signer !== name || !encoded) {
        continue;
      }
      const signature = fromBase64(encoded);
      if (toHex(signature.slice(0, 4)) !== keyIdHex) {
        continue;
      }
      const valid = await crypto.subtle.verify({ name: "Ed25519" }, key, signature.slice(4), encoder.encode(signed));
      return valid ? "valid" : "invalid";
    }
    return "invalid";
  }

  async function check() {
    // Our key, then any earlier ones (a signing-key rotation): a checkpoint signed by one is ours.
    const verifierKeys = Array.from(section.querySelectorAll("[data-verifier-key]"), (item) => item.textContent);
    const notes = Array.from(section.querySelectorAll("[data-checkpoint]"));
    for (const entry of section.querySelectorAll("[data-proof-entry]")) {
      const note = notes.find((item) => item.dataset.treeSize === entry.dataset.treeSize);
      if (!note) {
        return `Your browser checked this too, and found a problem: entry ${entry.dataset.index} has no checkpoint on this page.`;
      }
      const lines = note.textContent.split("\n");
      const size = Number.parseInt(lines[1], 10);
      const root = toHex(fromBase64(lines[2]));
      const path = entry.dataset.path ? entry.dataset.path.split(" ").map(fromHex) : [];
      const computed = await rootFromInclusionPath(
        Number.parseInt(entry.dataset.index, 10), size, fromHex(entry.dataset.leafHash), path);
      if (computed === null || toHex(computed) !== root) {
        return `Your browser checked this too, and found a problem: the proof of entry ${entry.dataset.index} does not lead to its checkpoint's root.`;
      }
    }
    let unsupported = false;
    for (const note of notes) {
      let signature = "invalid";
      for (const verifierKey of verifierKeys) {
        const result = await checkSignature(note.textContent, verifierKey);
        if (result !== "invalid") {
          signature = result;
          break;
        }
      }
      if (signature === "invalid") {
        return "Your browser checked this too, and found a problem: a checkpoint's signature does not match the keys shown under Technical details.";
      }
      unsupported = unsupported || signature === "unsupported";
    }
    if (unsupported) {
      return "Your browser checked that every proof leads to its checkpoint's root. It cannot check Ed25519 signatures, so check the signatures with the steps under Technical details.";
    }
    return "Your browser checked this too: the checkpoints are signed by the key shown under Technical details, and every proof leads to its checkpoint's root.";
  }

  check().then((message) => {
    output.textContent = message;
    output.hidden = false;
  }).catch(() => {
    output.textContent = "Your browser could not check the proof itself; the steps under Technical details show how to check it another way.";
    output.hidden = false;
  });
})();
