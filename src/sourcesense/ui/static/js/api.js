// The REST API client: the bearer token, error bodies, downloads.

const TOKEN_KEY = "sourcesense.apiToken";

export class ApiError extends Error {
  /** status: HTTP status (0 when the server was not reached); type: the API's error type. */
  constructor(status, type, message, details = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = type;
    this.details = details;
  }
}

let askToken = async () => null;
let pendingAsk = null;

/** Install the function that asks the user for a token: (reason) => Promise<string|null>. */
export function setTokenPrompt(prompt) {
  askToken = prompt;
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * Call the API; the JSON body, or the Response itself with `raw`.
 * A 401 for the API token asks the user for one and retries; other failures throw ApiError.
 */
export async function request(path, { method = "GET", body, headers = {}, signal, raw } = {}) {
  for (;;) {
    const response = await send(path, { method, body, headers, signal });
    if (response.status === 401 && (await wantsApiToken(response))) {
      await obtainToken(getToken() !== null);
      continue;
    }
    if (!response.ok) throw await toError(response);
    if (raw) return response;
    return response.status === 204 ? null : response.json();
  }
}

async function send(path, { method, body, headers, signal }) {
  const all = { Accept: "application/json", ...headers };
  const token = getToken();
  if (token) all.Authorization = `Bearer ${token}`;
  if (body !== undefined) all["Content-Type"] = "application/json";
  try {
    return await fetch(path, {
      method, headers: all, signal, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "NetworkError",
      "Cannot reach the SourceSense server. Check that `sourcesense serve` is running.");
  }
}

/** A 401 about the API token, not one about the database password (AuthenticationError). */
async function wantsApiToken(response) {
  const body = await response.clone().json().catch(() => ({}));
  return body?.error?.type === "Unauthorized";
}

/** Ask for the token before the first protected call, when /health says one is needed. */
export async function ensureToken() {
  if (getToken() === null) await obtainToken(false);
}

async function obtainToken(refused) {
  if (refused) forgetToken();
  const reason = refused
    ? "The server refused that token. Enter the current API token."
    : "This SourceSense server needs an API token.";
  pendingAsk ??= askToken(reason).finally(() => { pendingAsk = null; });
  const token = await pendingAsk;
  if (!token) {
    throw new ApiError(401, "Unauthorized",
      "An API token is needed to use this server. Choose “API token” at the top to enter it.");
  }
  setToken(token);
}

async function toError(response) {
  const body = await response.json().catch(() => null);
  if (body?.error) return new ApiError(response.status, body.error.type, body.error.message);
  if (Array.isArray(body?.detail)) {
    const message = body.detail.map(describeDetail).join("; ");
    return new ApiError(response.status, "ValidationError", message, body.detail);
  }
  return new ApiError(response.status, "HttpError",
    `The server answered ${response.status} ${response.statusText}.`);
}

function describeDetail(item) {
  const where = (item.loc || []).filter((part) => part !== "body" && part !== "query").join(".");
  return where ? `${where}: ${item.msg}` : item.msg;
}

/** Fetch a file with the token and save it through a temporary blob URL. */
export async function download(path, fallbackName) {
  const response = await request(path, { raw: true, headers: { Accept: "*/*" } });
  const blob = await response.blob();
  const name = fileName(response.headers.get("Content-Disposition")) || fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
  return { name, size: blob.size };
}

function fileName(disposition) {
  if (!disposition) return null;
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (encoded) return decodeURIComponent(encoded[1]);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1] : null;
}

/** A query string from the defined, non-empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
