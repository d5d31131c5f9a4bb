// Checks of what the user types; each returns "" when fine, else a message saying what to do.

const MAX_NAME_BYTES = 63;
const MAX_PATTERN = 1000;

export function byteLength(text) {
  return new TextEncoder().encode(text).length;
}

export function checkHost(value) {
  const host = value.trim();
  if (!host) return "Enter the server's host name or IP address.";
  if (/\s/.test(host)) return "A host name cannot contain spaces.";
  if (host.length > 255) return "A host name is at most 255 characters.";
  return "";
}

export function checkPort(value) {
  const text = value.trim();
  if (!text) return "Enter the port, usually 5432.";
  if (!/^\d+$/.test(text)) return "The port is a whole number, e.g. 5432.";
  const port = Number(text);
  if (port < 1 || port > 65535) return "Ports run from 1 to 65535.";
  return "";
}

export function nameCheck(what) {
  return (value) => {
    if (!value) return `Enter the ${what}.`;
    const size = byteLength(value);
    if (size > MAX_NAME_BYTES) {
      return `PostgreSQL names are at most ${MAX_NAME_BYTES} bytes; this one has ${size}.`;
    }
    return "";
  };
}

export function checkPassword(value) {
  return value.length > 1000 ? "The password is longer than 1000 characters." : "";
}

/** A quick check with the browser's engine; the server checks again with PostgreSQL's. */
export function checkPattern(value) {
  if (!value) return "";
  if (value.length > MAX_PATTERN) return `A pattern is at most ${MAX_PATTERN} characters.`;
  try {
    new RegExp(value); // eslint-disable-line no-new
  } catch (error) {
    return `Not a valid regular expression: ${error.message.replace(/^Invalid regular expression: /, "")}`;
  }
  return "";
}

export function checkWebhook(value) {
  const text = value.trim();
  if (!text) return "";
  let url;
  try {
    url = new URL(text);
  } catch {
    return "Enter a full URL, e.g. https://example.com/hooks/sourcesense.";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return "The webhook URL must start with http:// or https://.";
  }
  return "";
}

/** Fields of a postgresql:// URL, or null when the text is not one. */
export function parsePostgresUrl(text) {
  if (!/^postgres(ql)?:\/\//i.test(text.trim())) return null;
  let url;
  try {
    url = new URL(text.trim().replace(/^postgres(ql)?:/i, "http:"));
  } catch {
    return null;
  }
  const params = url.searchParams;
  return {
    host: decodeURIComponent(url.hostname.replace(/^\[|\]$/g, "")),
    port: url.port || "5432",
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, "")) || "postgres",
    sslmode: params.get("sslmode") || "",
  };
}
