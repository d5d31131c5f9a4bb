// The dialog asking for the API token.

import { forgetToken, getToken, setToken, setTokenPrompt } from "./api.js";
import { $, announce } from "./dom.js";

export function initTokenDialog() {
  const dialog = $("#token-dialog");
  setTokenPrompt((reason) => ask(dialog, reason));
  // Once every waiting question has read the answer, the token leaves the form.
  dialog.addEventListener("close", () => setTimeout(() => {
    $("#token-input", dialog).value = "";
    landFocus();
  }, 0));
  $("#token-button").addEventListener("click", () => changeToken(dialog));
  $("#token-forget").addEventListener("click", () => {
    forgetToken();
    $("#token-input", dialog).value = "";
    dialog.close("cancel");
    announce("API token forgotten.");
  });
}

/**
 * A dialog the page opened itself (not from a button) gives focus back to nothing: the body.
 * Focus goes to the page's heading (or its main region) instead, where the reader was going.
 */
function landFocus() {
  if (document.activeElement && document.activeElement !== document.body) return;
  const title = [...document.querySelectorAll("#main h1")].find((h1) => !h1.closest("[hidden]"));
  title?.setAttribute("tabindex", "-1");
  (title || $("#main"))?.focus({ preventScroll: true });
}

/**
 * Show the dialog (or join the question already shown); resolves with the token entered, or
 * null when cancelled.
 */
function ask(dialog, reason) {
  $("#token-reason", dialog).textContent = reason;
  const input = $("#token-input", dialog);
  const answer = new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "save" ? input.value.trim() || null : null);
    }, { once: true });
  });
  if (!dialog.open) {
    input.value = "";
    dialog.returnValue = "";
    dialog.showModal();
    input.focus();
  }
  return answer;
}

async function changeToken(dialog) {
  const reason = getToken()
    ? "A token is set for this tab. Enter a new one to replace it."
    : "No token is set for this tab yet.";
  const token = await ask(dialog, reason);
  if (token) {
    setToken(token);
    announce("API token saved for this tab.");
  }
}
