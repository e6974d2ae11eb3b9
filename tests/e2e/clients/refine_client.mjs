#!/usr/bin/env node
// refine_client.mjs - a black-box Refine client for one table of a
// generated backend: the real @refinedev/simple-rest data provider (the one
// the generated frontend uses) over an axios instance, as a Refine app
// wires it.
//
//   BASE_URL=http://127.0.0.1:8000 [TOKEN=...] node refine_client.mjs SPEC
//
// SPEC is JSON text, a file name, or "-" / absent for standard input:
//
//   {
//     "name": "venues",                        the resource (table)
//     "create": {...},                         a valid create body
//     "more": [{...}, {...}],                  optional: more valid bodies;
//                                              the list checks use every row
//     "patch": {...},                          a valid PATCH body
//     "sort": "capacity",                      a column to sort by
//     "filter": {"column": "capacity", "value": 2},   eq/ne/gte/lte/in
//     "contains": {"column": "name", "value": "HALL"} optional; default: the
//                                              filter column when its value is text
//   }
//
// Give the rows distinct values in the sort and filter columns, and none
// of them null, so that every check has something to tell apart.
//
// Checks (expectations are computed here from the rows the API returned,
// with SQL semantics: ne/gte/lte never match null): create, getOne, getList
// pagination (current/pageSize -> _start/_end, pagination mode off), total
// from X-Total-Count, sorters asc/desc (_sort/_order), filters eq, ne, gte,
// lte, contains (col_like, case-insensitive), in (col=a&col=b), getMany
// (id=a&id=b), update (PATCH) and update with meta.method "put", a create
// with an unknown field rejected with 422 and a message, getOne of an
// unknown id rejected with 404, deleteOne, and the deleted row gone
// (getOne rejects with statusCode 404). Every list check is scoped to the
// rows created here (an "in" filter on id), so other rows in the table do
// not matter. The rows are deleted at the end.
//
// Prints "ok   ..." / "FAIL ..." / "skip ..." lines (details indented by
// five spaces) and "N passed, N failed[, N skipped]"; exits 1 on a failure, 2 on a bad invocation.
// Only BASE_URL is contacted, without any proxy.

import { readFileSync } from "node:fs";
import axios from "axios";
import dataProvider from "@refinedev/simple-rest";

const NO_SUCH_ID = "00000000-0000-4000-8000-000000000000";

function usage(message) {
  process.stderr.write(`refine_client.mjs: ${message}\n`);
  process.exit(2);
}

function readSpec(arg) {
  let text;
  if (arg === undefined || arg === "-") text = readFileSync(0, "utf8");
  else if (arg.trimStart().startsWith("{")) text = arg;
  else text = readFileSync(arg, "utf8");
  const spec = JSON.parse(text);
  for (const key of ["name", "create", "patch", "sort", "filter"]) {
    if (spec[key] === undefined) usage(`the spec has no "${key}"`);
  }
  if (!spec.filter || typeof spec.filter.column !== "string" || !("value" in spec.filter)) {
    usage('"filter" must be {"column": ..., "value": ...}');
  }
  return spec;
}

// ---- reporting -------------------------------------------------------------

let passed = 0;
let failed = 0;
let skipped = 0;

function skip(name) {
  skipped += 1;
  console.log(`skip ${name}`);
}

function report(cond, name, detail) {
  if (cond) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name}`);
    if (detail !== undefined) {
      const text = typeof detail === "string" ? detail : JSON.stringify(detail);
      for (const line of text.slice(0, 1500).split("\n")) console.log(`     ${line}`);
    }
  }
  return cond;
}

// What a rejected data-provider call carried, for a failure message.
function describe(err) {
  if (err && err.statusCode !== undefined) {
    return `rejected: statusCode ${err.statusCode}, message ${JSON.stringify(err.message)}` +
      (err.response ? `, body ${JSON.stringify(err.response.data)}` : "");
  }
  return `rejected: ${err && err.stack ? err.stack : String(err)}`;
}

// run(name, fn): fn returns [cond, detail]; a rejection is a failure.
async function run(name, fn) {
  try {
    const [cond, detail] = await fn();
    return report(cond, name, detail);
  } catch (err) {
    return report(false, name, `${describe(err)}\n${lastRequest}`);
  }
}

// ---- values ----------------------------------------------------------------

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

// The value the client sent and the one the API answered are the same
// (numbers by value, timestamps by instant, uuids by case, JSON by content).
function same(a, b) {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === "number" || typeof b === "number") {
    return Math.abs(Number(a) - Number(b)) <= 1e-9 * Math.max(1, Math.abs(Number(a)));
  }
  if (typeof a === "string" && typeof b === "string") {
    if (ISO_TIME.test(a) && ISO_TIME.test(b)) return Date.parse(a) === Date.parse(b);
    if (UUID.test(a) && UUID.test(b)) return a.toLowerCase() === b.toLowerCase();
    return a === b;
  }
  return canonical(a) === canonical(b);
}

// SQL ordering of two non-null values of one column (C collation for text).
function compare(a, b) {
  if (typeof a === "number" || typeof a === "boolean") return Number(a) - Number(b);
  if (typeof a === "string" && ISO_TIME.test(a) && ISO_TIME.test(b)) return Date.parse(a) - Date.parse(b);
  const x = Buffer.from(String(a)); // byte order, as PostgreSQL's C collation
  const y = Buffer.from(String(b));
  return Buffer.compare(x, y);
}

const ordered = (v) => typeof v === "number" || (typeof v === "string" && !UUID.test(v));

function mismatches(sent, got) {
  return Object.keys(sent)
    .filter((k) => !same(sent[k], got ? got[k] : undefined))
    .map((k) => `${k}: sent ${JSON.stringify(sent[k])}, got ${JSON.stringify(got ? got[k] : undefined)}`);
}

const idsOf = (rows) => rows.map((r) => r.id);
const sortedIds = (ids) => [...ids].sort();
const sameSet = (a, b) => canonical(sortedIds(a)) === canonical(sortedIds(b));

// ---- the client --------------------------------------------------------------

const baseUrl = (process.env.BASE_URL || "").replace(/\/+$/, "");
if (!/^https?:\/\//.test(baseUrl)) usage("BASE_URL must be set to http(s)://host:port");
const spec = readSpec(process.argv[2]);
const resource = spec.name;

// As a Refine app does it: its own axios instance with the token in the
// Authorization header, and the error interceptor of simple-rest's default
// instance (src/utils/axios.ts), so a rejection is Refine's HttpError
// {message: body.message, statusCode: HTTP status}.
const headers = process.env.TOKEN ? { Authorization: `Bearer ${process.env.TOKEN}` } : {};
const http = axios.create({ headers, timeout: 15000, proxy: false, maxRedirects: 0 });
let lastRequest = "";
http.interceptors.request.use((config) => {
  let url = config.url;
  try {
    url = decodeURIComponent(url);
  } catch {
    // keep it encoded
  }
  lastRequest = `${(config.method || "get").toUpperCase()} ${url}`;
  return config;
});
http.interceptors.response.use(
  (response) => response,
  (error) => Promise.reject({ ...error, message: error.response?.data?.message, statusCode: error.response?.status }),
);
const dp = dataProvider(baseUrl, http);

const bodies = [spec.create, ...(spec.more || [])];
const rows = []; // as the API answered them, current
const scope = () => ({ field: "id", operator: "in", value: idsOf(rows) });
const list = (params) => dp.getList({ resource, ...params });

async function expectRejection(promise, status) {
  try {
    const res = await promise;
    return [false, `resolved, expected statusCode ${status}: ${JSON.stringify(res).slice(0, 400)}\n${lastRequest}`];
  } catch (err) {
    const ok = err && err.statusCode === status && typeof err.message === "string" && err.message.length > 0;
    return [ok, `${describe(err)}\n${lastRequest}`];
  }
}

async function checkCreate() {
  for (const [i, body] of bodies.entries()) {
    await run(`${resource}: create row ${i + 1} of ${bodies.length}`, async () => {
      const { data } = await dp.create({ resource, variables: body });
      const bad = mismatches(body, data);
      if (data && typeof data.id === "string") rows.push(data);
      return [typeof data?.id === "string" && bad.length === 0, { mismatches: bad, data }];
    });
  }
}

async function checkGetOne() {
  const want = rows[0];
  await run(`${resource}: getOne returns the created row`, async () => {
    const { data } = await dp.getOne({ resource, id: want.id });
    const bad = mismatches(want, data);
    return [bad.length === 0, bad.join("\n")];
  });
  await run(`${resource}: getOne of an unknown id rejects with statusCode 404 and a message`, () =>
    expectRejection(dp.getOne({ resource, id: NO_SUCH_ID }), 404));
}

async function checkPagination() {
  const n = rows.length;
  const sort = spec.sort;
  const seen = [];
  let ok = true;
  const detail = [];
  for (let current = 1; current <= n + 1; current += 1) {
    const { data, total } = await list({ pagination: { current, pageSize: 1 }, sorters: [{ field: sort, order: "asc" }], filters: [scope()] });
    const want = current <= n ? 1 : 0;
    const urlOk = lastRequest.includes(`_start=${current - 1}`) && lastRequest.includes(`_end=${current}`);
    if (data.length !== want || total !== n || !urlOk) {
      ok = false;
      detail.push(`page ${current}: ${data.length} rows (want ${want}), total ${total} (want ${n}); ${lastRequest}`);
    }
    seen.push(...data);
  }
  report(ok && sameSet(idsOf(seen), idsOf(rows)), `${resource}: getList pages of 1 (current/pageSize -> _start/_end) give each row once, total ${n} from X-Total-Count`, detail.join("\n") || { seen: idsOf(seen) });
  const vals = seen.map((r) => r[sort]);
  const inOrder = vals.every((v, i) => i === 0 || compare(vals[i - 1], v) <= 0);
  report(inOrder, `${resource}: the pages follow the sort on ${sort}`, vals);

  await run(`${resource}: getList with pagination mode off sends no _start/_end and returns every row`, async () => {
    const { data, total } = await list({ pagination: { mode: "off" }, filters: [scope()] });
    return [!/_start=|_end=/.test(lastRequest) && sameSet(idsOf(data), idsOf(rows)) && total === n, { total, lastRequest }];
  });
  await run(`${resource}: getList with default pagination (_start=0&_end=10), X-Total-Count >= ${n}`, async () => {
    const { data, total } = await list({});
    return [lastRequest.includes("_start=0") && lastRequest.includes("_end=10") && data.length <= 10 && total >= n,
      { rows: data.length, total, lastRequest }];
  });
}

async function checkSorters() {
  const sort = spec.sort;
  for (const order of ["asc", "desc"]) {
    await run(`${resource}: sorters ${sort} ${order}, id asc (_sort=${sort},id&_order=${order},asc)`, async () => {
      const { data } = await list({ sorters: [{ field: sort, order }, { field: "id", order: "asc" }], filters: [scope()] });
      const vals = data.map((r) => r[sort]);
      const sign = order === "asc" ? 1 : -1;
      const inOrder = vals.every((v, i) => i === 0 || sign * compare(vals[i - 1], v) <= 0);
      return [inOrder && sameSet(idsOf(data), idsOf(rows)) && lastRequest.includes(`_sort=${sort},id`) && lastRequest.includes(`_order=${order},asc`), { vals, lastRequest }];
    });
  }
}

async function checkFilters() {
  const { column, value } = spec.filter;
  const present = rows.filter((r) => r[column] !== null && r[column] !== undefined);
  const cases = [
    ["eq", value, (v) => same(v, value)],
    ["ne", value, (v) => !same(v, value)],
  ];
  if (ordered(value)) {
    cases.push(["gte", value, (v) => compare(v, value) >= 0]);
    cases.push(["lte", value, (v) => compare(v, value) <= 0]);
  } else {
    skip(`${resource}: gte/lte: ${column} is not an ordered type`);
  }
  let contains = spec.contains;
  if (!contains && typeof value === "string" && !UUID.test(value)) contains = { column, value: value.toUpperCase() };
  if (!contains) skip(`${resource}: contains: no text column given`);
  else {
    cases.push(["contains", contains.value, (v) => String(v).toLowerCase().includes(String(contains.value).toLowerCase()), contains.column]);
  }
  const inValues = [...new Set(present.map((r) => canonical(r[column])))].map((s) => JSON.parse(s));
  const picked = inValues.length > 2 ? [inValues[0], inValues[inValues.length - 1]] : inValues;
  cases.push(["in", picked, (v) => picked.some((p) => same(v, p))]);

  for (const [operator, operand, match, col = column] of cases) {
    await run(`${resource}: filter ${col} ${operator} ${JSON.stringify(operand)}`, async () => {
      const want = rows.filter((r) => r[col] !== null && r[col] !== undefined && match(r[col]));
      const { data, total } = await list({ filters: [scope(), { field: col, operator, value: operand }] });
      const ok = sameSet(idsOf(data), idsOf(want)) && total === want.length;
      return [ok, { want: want.map((r) => r[col]), got: data.map((r) => r[col]), total, lastRequest }];
    });
  }
  if (rows.length < 2) skip(`${resource}: the list checks tell rows apart only with "more" rows`);
  else report(present.some((r) => !same(r[column], value)), `${resource}: the filter value tells the rows apart`,
    `every row has ${column} = ${JSON.stringify(value)}`);
}

async function checkGetMany() {
  const ids = rows.length > 2 ? [rows[0].id, rows[rows.length - 1].id] : idsOf(rows);
  await run(`${resource}: getMany of ${ids.length} ids (id=a&id=b)`, async () => {
    const { data } = await dp.getMany({ resource, ids });
    return [Array.isArray(data) && sameSet(idsOf(data), ids), { got: Array.isArray(data) ? idsOf(data) : data, lastRequest }];
  });
}

async function checkUpdate() {
  const before = rows[0];
  await run(`${resource}: update (PATCH) changes the given fields only`, async () => {
    const { data } = await dp.update({ resource, id: before.id, variables: spec.patch });
    const kept = Object.fromEntries(Object.entries(before).filter(([k]) => !(k in spec.patch) && k !== "updated_at"));
    const bad = [...mismatches(spec.patch, data), ...mismatches(kept, data)];
    if (data) rows[0] = data;
    return [bad.length === 0 && lastRequest.startsWith("PATCH "), `${bad.join("\n")}\n${lastRequest}`];
  });
  await run(`${resource}: getOne after update shows the patch`, async () => {
    const { data } = await dp.getOne({ resource, id: before.id });
    const bad = mismatches(spec.patch, data);
    return [bad.length === 0, bad.join("\n")];
  });
  await run(`${resource}: update with meta.method "put" replaces the row`, async () => {
    const body = { ...spec.create, ...spec.patch };
    const { data } = await dp.update({ resource, id: before.id, variables: body, meta: { method: "put" } });
    const bad = mismatches(body, data);
    return [bad.length === 0 && lastRequest.startsWith("PUT "), `${bad.join("\n")}\n${lastRequest}`];
  });
}

async function checkRejections() {
  await run(`${resource}: create with an unknown field rejects with statusCode 422 and a message`, () =>
    expectRejection(dp.create({ resource, variables: { ...spec.create, __no_such_field: 1 } }), 422));
}

async function checkDelete() {
  const gone = rows[0];
  await run(`${resource}: deleteOne`, async () => {
    const { data } = await dp.deleteOne({ resource, id: gone.id });
    return [lastRequest.startsWith("DELETE ") && (!data || !data.id || data.id === gone.id), { data }];
  });
  await run(`${resource}: getOne of the deleted row rejects with statusCode 404 and a message`, () =>
    expectRejection(dp.getOne({ resource, id: gone.id }), 404));
  await run(`${resource}: getList no longer has the deleted row`, async () => {
    const { data, total } = await list({ filters: [scope()] });
    return [!idsOf(data).includes(gone.id) && total === rows.length - 1, { total, ids: idsOf(data) }];
  });
  rows.shift();
  for (const row of rows.splice(0)) {
    await run(`${resource}: deleteOne of created row ${row.id}`, async () => {
      await dp.deleteOne({ resource, id: row.id });
      return [true];
    });
  }
}

async function main() {
  await checkCreate();
  if (rows.length !== bodies.length) {
    report(false, `${resource}: the other checks need every row created`);
  } else {
    await checkGetOne();
    await checkPagination();
    await checkSorters();
    await checkFilters();
    await checkGetMany();
    await checkUpdate();
    await checkRejections();
    await checkDelete();
  }
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((err) => {
  console.log(`FAIL ${resource}: the client crashed`);
  console.log(`     ${String(err && err.stack ? err.stack : err).split("\n").join("\n     ")}`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exitCode = 1;
});
