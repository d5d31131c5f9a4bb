// Number, size, time and name formatting.

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });

export function count(value) {
  return value === null || value === undefined ? "—" : integer.format(value);
}

/** "1 column", "3 columns". */
export function plural(n, one, many) {
  return `${count(n)} ${n === 1 ? one : many}`;
}

export function number(value) {
  return value === null || value === undefined ? "—" : decimal.format(value);
}

export function ratio(value) {
  return value === null || value === undefined ? "—" : percent.format(value);
}

export function bytes(value) {
  if (value === null || value === undefined) return "—";
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let size = value;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return `${unit ? decimal.format(size) : integer.format(size)} ${units[unit]}`;
}

export function seconds(value) {
  if (value === null || value === undefined) return "";
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value < 60) return `${decimal.format(value)} s`;
  const minutes = Math.floor(value / 60);
  return `${minutes} min ${String(Math.round(value % 60)).padStart(2, "0")} s`;
}

export function clock(totalSeconds) {
  const whole = Math.max(0, Math.floor(totalSeconds));
  const minutes = Math.floor(whole / 60);
  return `${minutes}:${String(whole % 60).padStart(2, "0")}`;
}

export function dateTime(value) {
  if (!value) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

export function yesNo(value) {
  if (value === null || value === undefined) return "—";
  return value ? "Yes" : "No";
}

export function qualified(schema, table) {
  return `${schema}.${table}`;
}

export function humanize(name) {
  const text = String(name).replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function list(values) {
  return Array.isArray(values) ? values.join(", ") : values ?? "";
}
