// A cadre's file as the logged-in agency may read it: each section is asked for only when its fields exist
// in the agency's schema, so the page shows exactly the agency's window and never asks for a missing field.
import { gql, queryField, selection, typeFields } from "./lib/api.js";
import { clear, facts, frame, h, label, loadSchema, message, show, table } from "./lib/ui.js";

const BASICS = [
  "id", "name", "gender", "birthDate", "ethnicity", "nativePlace", "idNumber", "partyJoinDate", "workStartDate",
  "education", "rank", "managementLevel", "reserveTier", "jurisdiction", ["unit", ["name"]],
];

// Sections of the file: [Cadre field, heading, wanted sub-fields].
const SECTIONS = [
  ["posts", "现任职务 Current posts", ["title", "rank", "isKeyPost", ["unit", ["name"]]]],
  ["tenures", "任职经历 Work history", ["startDate", "endDate", ["post", ["title", ["unit", ["name"]]]]]],
  ["relatives", "家庭成员 Relatives", ["kind", ["person", ["name", "gender", "birthDate", "idNumber", "occupation", "employer", "emigratedTo"]]]],
  ["ties", "社会关系 Social ties", ["kind", "source", ["person", ["name", "occupation", "employer"]], ["otherCadre", ["name"]]]],
  ["negativeRecords", "负面信息 Negative records", ["reportingAgency", "category", "facts", "occurredOn", "reportedOn", "severity", "status", "conclusion"]],
  ["reports", "个人有关事项 Personal matters reports", ["year", "submittedOn", "verifiedOn", ["items", ["category", "description", "declared", "found", "finding"]]]],
  ["supervisionActions", "监督措施 Supervision", ["kind", "issuedBy", "issuedOn", "dueOn", "reason", "reply", "repliedOn"]],
  ["partTimePositions", "兼职 Part-time positions", ["title", "approved", "paid", "startDate", "endDate", ["organization", ["name"]]]],
  ["nominations", "提名 Nominations", ["nominatedOn", ["selection", ["id", ["post", ["title"]]]], ["nominator", ["name"]]]],
];

// The timeline band: every dated event the agency may read (Cadre.timeline), one lane per kind.
const TIMELINE = ["timeline", ["kind", "recordType", "recordId", "start", "end", "reportedOn", "source", "title"]];
const DAY = 86400000;

const main = document.getElementById("main");

function kindLabel(schema, kind) {
  const type = schema.getType("TimelineEventKind");
  return (type && type.getValue(kind)?.description) || kind;
}

function timelineBand(schema, events) {
  if (!events.length) return h("p", { class: "muted", "data-testid": "timeline-empty" }, "没有可读的日期事件 No dated events in your window.");
  const time = (day) => Date.parse(`${day}T00:00:00Z`);
  const first = Math.min(...events.map((event) => time(event.start)));
  const last = Math.max(Date.now(), ...events.map((event) => time(event.end || event.start)));
  const span = Math.max(last - first, DAY);
  const at = (moment) => `${(100 * (moment - first)) / span}%`;
  const kinds = [...new Set(events.map((event) => event.kind))];
  const lanes = kinds.map((kind) => h("div", { class: "lane", "data-kind": kind },
    h("span", { class: "lane-label" }, kindLabel(schema, kind)),
    h("div", { class: "lane-track" }, events.filter((event) => event.kind === kind).map((event) => {
      const start = time(event.start);
      const end = event.end ? time(event.end) : start;
      return h("span", {
        class: event.end ? "span" : "point", "data-event": `${event.recordType}:${event.recordId}`,
        style: `left: ${at(start)}; width: ${event.end ? at(first + end - start) : "8px"}`,
        title: `${event.start}${event.end ? ` – ${event.end}` : ""} ${show(event.title)}${event.source ? ` (${event.source})` : ""}`,
      });
    }))));
  const years = [new Date(first).getUTCFullYear(), new Date(last).getUTCFullYear()];
  const rows = events.map((event) => ({
    start: event.start, end: event.end, kind: kindLabel(schema, event.kind), title: event.title, source: event.source,
    reportedOn: event.reportedOn,
  }));
  return h("div", { class: "timeline", "data-testid": "timeline" },
    h("div", { class: "axis muted" }, h("span", {}, years[0]), h("span", {}, years[1])), lanes,
    table(rows, { testid: "timeline-events" }));
}

function flatten(row, prefix = "") {
  const out = {};
  for (const [key, value] of Object.entries(row || {})) {
    if (value && typeof value === "object" && !Array.isArray(value)) Object.assign(out, flatten(value, `${prefix}${key}.`));
    else if (Array.isArray(value)) out[`${prefix}${key}`] = value.map((item) => Object.values(flatten(item)).join(" · "));
    else out[`${prefix}${key}`] = value;
  }
  return out;
}

function leafLabel(path) {
  const parts = path.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "name") parts.pop(); // unit.name → 单位
  return parts.map(label).join(" · ");
}

function sectionTable(rows, testid) {
  const flat = rows.map((row) => flatten(row));
  const rendered = table(flat, { testid });
  for (const th of rendered.querySelectorAll("th")) th.textContent = leafLabel(th.title);
  return rendered;
}

async function picker(schema, list, text) {
  const cadre = selection(schema, "Cadre", ["id", "name", "rank", ["unit", ["name"]]]);
  const data = await gql(
    `query Cadres($text: String) { cadres(filter: {nameContains: $text}, first: 50) { totalCount edges { node ${cadre} } } }`,
    { text: text || null },
  );
  clear(list, data.cadres.edges.map(({ node }) =>
    h("li", {}, h("a", { href: `/cadre?id=${node.id}`, "data-cadre": node.id }, node.name, h("span", { class: "muted" }, node.unit ? ` ${node.unit.name}` : "")))));
}

async function showFile(schema, id, body) {
  const wanted = [...BASICS, ...SECTIONS.map(([field, , sub]) => [field, sub]), TIMELINE];
  const query = `query CadreFile($id: Int!) { cadre(id: $id) ${selection(schema, "Cadre", wanted)} }`;
  const { cadre } = await gql(query, { id });
  if (!cadre) {
    clear(body, h("p", { class: "muted", "data-testid": "not-visible" }, `没有编号为 ${id} 的可见干部 No cadre ${id} is visible to your agency.`));
    return;
  }
  const basics = Object.fromEntries(Object.entries(cadre).filter(([, value]) => !Array.isArray(value)));
  if (basics.unit) basics.unit = basics.unit.name;
  const fields = typeFields(schema, "Cadre");
  const timeline = "timeline" in cadre
    ? h("section", { class: "card", "data-section": "timeline" }, h("h2", {}, "时间轴 Timeline"), timelineBand(schema, cadre.timeline))
    : null;
  const sections = SECTIONS.filter(([field]) => field in cadre).map(([field, heading]) =>
    h("section", { class: "card", "data-section": field }, h("h2", {}, heading), sectionTable(cadre[field], `section-${field}`)));
  clear(body,
    h("section", { class: "card", "data-section": "basics" }, h("h1", { "data-testid": "cadre-name" }, cadre.name || `#${id}`), facts(basics, "basics")),
    timeline,
    sections,
    h("footer", { class: "card muted window", "data-testid": "window" },
      h("strong", {}, "本机构可读字段 Your agency's window on Cadre: "),
      Object.keys(fields).join(", ")),
  );
  document.title = `${cadre.name || id} · 干部档案`;
}

async function start() {
  if (!frame("/cadre")) return;
  const status = h("div", { id: "status" });
  const list = h("ul", { class: "picks", "data-testid": "cadre-list" });
  const search = h("input", { id: "cadre-search", placeholder: "姓名 name", autocomplete: "off" });
  const body = h("div", { id: "file", "data-testid": "file" }, h("p", { class: "muted" }, "选择干部 Pick a cadre."));
  clear(main, h("div", { class: "split" },
    h("aside", { class: "card" }, h("label", { for: "cadre-search" }, "查找干部 Find a cadre"), search, list),
    h("div", {}, status, body)));
  const schema = await loadSchema(status);
  if (!schema) return;
  if (!queryField(schema, "cadre")) return message(status, "本机构的接口没有干部档案 Your agency's schema has no cadre records.", "info");
  let timer = 0;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => picker(schema, list, search.value.trim()).catch((error) => message(status, error.message)), 250);
  });
  try {
    await picker(schema, list, "");
    const id = Number(new URLSearchParams(location.search).get("id"));
    if (id) await showFile(schema, id, body);
  } catch (error) {
    message(status, error.message);
  }
}

start().finally(() => {
  document.body.dataset.ready = "true";
});
