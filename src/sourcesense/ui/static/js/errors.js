// What an API error means and what to do about it.

import { errorBox } from "./dom.js";

const ADVICE = {
  AuthenticationError: ["The server rejected the user name or password",
    "Check the user and the password. The role also needs the LOGIN attribute."],
  PasswordRequiredError: ["The server asks for a password",
    "Enter the password of the role and try again."],
  ConnectionFailedError: ["Cannot reach the PostgreSQL server",
    "Check the host and the port, that PostgreSQL listens on that address " +
    "(listen_addresses) and that no firewall is in the way."],
  DatabaseNotFoundError: ["The database does not exist",
    "Check the spelling of the database name; names are case-sensitive."],
  PermissionDeniedError: ["The role may not do this",
    "Grant CONNECT on the database (and USAGE on the schemas) to the role, or use another role."],
  UnsupportedServerError: ["This PostgreSQL version is not supported",
    "SourceSense needs PostgreSQL 12 or newer."],
  InvalidFilterError: ["A filter pattern is not valid",
    "Fix the pattern in step 2; patterns use PostgreSQL regular expression syntax."],
  ConfigError: ["Some input was refused", "Correct the highlighted values and try again."],
  TransientError: ["A temporary failure", "Try again in a moment."],
  TemporalUnavailableError: ["The workflow service is unavailable",
    "SourceSense's Temporal server is restarting or cannot be reached; try again in a moment."],
  ValidationError: ["Some values were refused", "Correct the highlighted values and try again."],
  NetworkError: ["The SourceSense server cannot be reached",
    "Check that the server is running and reload the page."],
  Unauthorized: ["An API token is needed",
    "Choose “API token” at the top of the page and enter the server's token."],
  TooManyRequests: ["Too many requests", "Wait a minute, then try again."],
  RunNotFoundError: ["Not found", "The run may have been deleted. Open the run history."],
  InternalError: ["The server hit an unexpected error",
    "Try again; if it persists, the server log has the details."],
};

/** {title, advice} for an ApiError (or any Error). */
export function explain(error, fallbackTitle = "Something went wrong") {
  const [title, advice] = ADVICE[error.type] || [fallbackTitle, ""];
  return { title, advice };
}

/** An alert box for an error, with optional action buttons. */
export function errorView(error, fallbackTitle, actions = []) {
  const { title, advice } = explain(error, fallbackTitle);
  return errorBox({ title, message: error.message, advice, actions });
}

/** Advice for a failed run, from the words of its error message. */
export function runAdvice(message) {
  const text = (message || "").toLowerCase();
  if (text.includes("password") || text.includes("authentication")) {
    return "Go back to step 1, check the user and password, and test the connection again.";
  }
  if (text.includes("does not exist")) return "Check the database name in step 1.";
  if (text.includes("regular expression") || text.includes("pattern")) {
    return "Fix the table patterns in step 2.";
  }
  if (text.includes("permission") || text.includes("privilege")) {
    return "Grant the role the privileges named above, or use another role.";
  }
  if (text.includes("connect")) return "Check that the database server is reachable, then retry.";
  return "Check the message above; the server log has the details under this run's id.";
}
