// Inline validation: a message under the field, aria-invalid on it, checked as the user types.

import { $ } from "./dom.js";

/** Show (or clear, with "") the message of a field; its element is #<id>-error. */
export function setFieldError(input, message) {
  const target = $(`#${input.id}-error`);
  if (target) target.textContent = message;
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

/** Check the field on every keystroke and on leaving it; returns a function re-checking it. */
export function bindField(input, check, onChange = () => {}) {
  const validate = () => {
    const message = check(input.value);
    setFieldError(input, message);
    return message === "";
  };
  input.addEventListener("input", () => {
    validate();
    onChange();
  });
  input.addEventListener("blur", validate);
  return validate;
}

/** Run every check; focus the first failing field. True when all pass. */
export function validateAll(validators) {
  let first = null;
  for (const [input, validate] of validators) {
    if (!validate() && !first) first = input;
  }
  first?.focus();
  return first === null;
}

/** Put the API's 422 details on the fields they name (by the last part of `loc`). */
export function showServerDetails(details, inputsByName) {
  let shown = 0;
  for (const item of details) {
    const name = (item.loc || []).at(-1);
    const input = inputsByName[name];
    if (input) {
      setFieldError(input, `The server says: ${item.msg}`);
      shown += 1;
    }
  }
  return shown;
}
