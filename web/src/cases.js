// Cases (案件): the triage list (filters by status and assignee, bulk assignment) and a case's view (status,
// assignee, notes, links, history, the evidence subgraph around its linked cadres, persons and organizations, the
// detection rules it cites, and its dossier to download). Reading or working a case sends its number as the purpose
// (X-Purpose), so every audit entry of it names the case. The alerts tab triages detection alerts: filters by status,
// rule and assignee, each alert with its rule, the regulation it applies and its evidence; acknowledged, assigned or
// dismissed in bulk, or a case opened from the selected.
import cytoscape from "cytoscape";
import { authHeaders, mutationField, queryField, selection } from "./lib/api.js";
import { clear, enumText, frame, h, label, loadSchema, message, show, table } from "./lib/ui.js";

const main = document.getElementById("main");
const LIST_SIZE = 100;
const GRAPH_LIMIT = 100;
const NODE_STRUCTURE = new Set(["id", "kind", "labels", "properties", "__typename"]);
const STYLE = [
  { selector: "node", style: { label: "data(label)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 4, width: 24, height: 24, "background-color": "#8a98a8", color: "#1d2733" } },
  { selector: "node[kind = 'cadre']", style: { "background-color": "#c0392b", width: 32, height: 32 } },
  { selector: "node[kind = 'person']", style: { "background-color": "#e67e22" } },
  { selector: "node[kind = 'post']", style: { "background-color": "#2980b9", shape: "round-rectangle" } },
  { selector: "node[kind = 'unit']", style: { "background-color": "#16a085", shape: "rectangle" } },
  { selector: "node[kind = 'org']", style: { "background-color": "#8e44ad", shape: "diamond" } },
  { selector: "node.linked", style: { "border-width": 4, "border-color": "#1d2733" } },
  { selector: "edge", style: { label: "data(label)", "font-size": 9, color: "#555", width: 1.5, "line-color": "#b7c0c9", "target-arrow-shape": "triangle", "target-arrow-color": "#b7c0c9", "curve-style": "bezier", "text-rotation": "autorotate" } },
];

// Tabs of the page. Detection alerts join here: a tab whose `available(schema)` is true and whose `render` fills its panel.
const TABS = [
  { id: "cases", title: "案件 Cases", available: (schema) => queryField(schema, "cases"), render: renderList },
  { id: "alerts", title: "预警 Alerts", available: (schema) => queryField(schema, "detectionAlerts"), render: renderAlerts },
];

/** GraphQL with the purpose given (a case's number), whatever the session's purpose is. */
async function gqlFor(purpose, query, variables = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json", ...authHeaders() };
  if (purpose) headers["X-Purpose"] = encodeURIComponent(purpose);
  const response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new Error(`the hub answered ${response.status}`);
  }
  if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
  return body.data;
}

/** Download a dossier (`/dossiers/...`) with the token and the purpose; the browser saves the file. */
async function download(path, purpose, status) {
  const headers = authHeaders();
  if (purpose) headers["X-Purpose"] = encodeURIComponent(purpose);
  message(status, "生成中 Preparing the file…", "info");
  try {
    const response = await fetch(path, { headers });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.errors?.[0]?.message || `the hub answered ${response.status}`);
    }
    const blob = await response.blob();
    const disposition = response.headers.get("content-disposition") || "";
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] || path.split("/").pop();
    const link = h("a", { href: URL.createObjectURL(blob), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    message(status, `已下载 Downloaded ${name}`, "info");
  } catch (error) {
    message(status, error.message);
  }
}

function dossierButtons(path, purpose, status, testid) {
  return h("span", { class: "row dossier", "data-testid": testid },
    ["pdf", "xlsx"].map((kind) => h("button", { type: "button", class: "link", "data-kind": kind, onclick: () => download(`${path}.${kind}`, purpose, status) },
      `档案 ${kind.toUpperCase()}`)));
}

/** A case status with its Chinese label in front, as the schema describes it (`"""已立案 (Opened)""" OPEN`). */
function labelled(schema, value) {
  const description = schema.getType("CaseStatus")?.getValue(value)?.description || "";
  const chinese = description.split(" (")[0];
  return chinese ? `${chinese} ${value}` : value;
}

function statusValues(schema) {
  const type = schema.getType("CaseStatus");
  return type ? type.getValues().map((value) => value.name) : [];
}

// ---- the triage list ----

async function renderList(schema, panel) {
  const status = h("div", { id: "list-status" });
  const statusFilter = h("select", { id: "status-filter" }, h("option", { value: "" }, "全部 all"),
    statusValues(schema).map((value) => h("option", { value }, labelled(schema, value))));
  const assigneeFilter = h("input", { id: "assignee-filter", placeholder: "承办人 assignee" });
  const rows = h("div", { id: "case-rows" });
  const canAssign = Boolean(mutationField(schema, "assignCase"));
  const assignee = h("input", { id: "bulk-assignee", placeholder: "承办人 assignee" });
  const bulk = canAssign ? h("form", { class: "row", id: "bulk-assign" },
    h("label", { for: "bulk-assignee" }, "批量指派 Assign the selected to"), assignee, h("button", { type: "submit", id: "bulk-assign-button" }, "指派 Assign")) : null;
  clear(panel, h("section", { class: "card" },
    h("form", { class: "row", id: "case-filters" }, h("label", { for: "status-filter" }, "状态 Status"), statusFilter,
      h("label", { for: "assignee-filter" }, "承办人 Assignee"), assigneeFilter, h("button", { type: "submit" }, "筛选 Filter")),
    bulk, status, rows));
  const fields = selection(schema, "Case", ["id", "number", "title", "status", "assigneeUser", "openedAt", "closedAt", "outcome", "version"]);
  let shown = [];

  async function load() {
    const wanted = statusFilter.value || null;
    try {
      const data = await gqlFor("", `query Cases($status: CaseStatus, $first: Int) { cases(status: $status, first: $first) { totalCount edges { node ${fields} } } }`,
        { status: wanted, first: LIST_SIZE });
      const who = assigneeFilter.value.trim();
      shown = data.cases.edges.map(({ node }) => node).filter((row) => !who || (row.assigneeUser || "").includes(who));
      clear(rows, caseTable(schema, shown, canAssign));
      message(status, `${shown.length} / ${data.cases.totalCount} 件 cases`, "info");
    } catch (error) {
      message(status, error.message);
    }
  }

  panel.querySelector("#case-filters").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  bulk?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const picked = [...rows.querySelectorAll("input[name=pick]:checked")].map((input) => shown.find((row) => String(row.id) === input.value));
    if (!picked.length || !assignee.value.trim()) return message(status, "请选择案件并填写承办人 Pick cases and name the assignee.");
    const failed = [];
    for (const row of picked) {
      try {
        const answer = await gqlFor(row.number, `mutation Assign($id: Int!, $to: String!, $v: Int) { assignCase(caseId: $id, assignee: $to, expectedVersion: $v) {
          __typename ... on NotAllowed { message } ... on WrongState { message } ... on VersionConflict { message } } }`,
        { id: row.id, to: assignee.value.trim(), v: row.version ?? null });
        if (answer.assignCase.__typename !== "Case") failed.push(`${row.number}: ${answer.assignCase.message || answer.assignCase.__typename}`);
      } catch (error) {
        failed.push(`${row.number}: ${error.message}`);
      }
    }
    await load();
    message(status, failed.length ? `未指派 Not assigned: ${failed.join("; ")}` : `已指派 ${picked.length} 件 Assigned ${picked.length} to ${assignee.value.trim()}`, failed.length ? "error" : "info");
  });
  await load();
}

function caseTable(schema, rows, canAssign) {
  if (!rows.length) return h("p", { class: "muted", "data-testid": "case-list" }, "无案件 No cases.");
  return h("table", { class: "grid", "data-testid": "case-list" },
    h("thead", {}, h("tr", {}, canAssign ? h("th", {}, "") : null, ["案号 Number", "标题 Title", "状态 Status", "承办人 Assignee", "立案 Opened", "结案 Closed"].map((text) => h("th", {}, text)))),
    h("tbody", {}, rows.map((row) => h("tr", { "data-case": row.number },
      canAssign ? h("td", {}, h("input", { type: "checkbox", name: "pick", value: row.id, "aria-label": row.number })) : null,
      h("td", {}, h("a", { href: `/cases?number=${encodeURIComponent(row.number)}` }, row.number)),
      h("td", {}, row.title), h("td", { "data-field": "status" }, row.status ? labelled(schema, row.status) : "—"),
      h("td", { "data-field": "assigneeUser" }, row.assigneeUser ?? "—"),
      h("td", {}, (row.openedAt || "").slice(0, 10)), h("td", {}, (row.closedAt || "").slice(0, 10))))));
}

// ---- the alerts ----

const ALERT_WANTED = ["id", "rule", "subject", "status", "assigneeUser", "lastSeenAt", "timesReopened", "evidence", "version",
  ["cadre", ["id", "name"]], ["citation", ["code", "name", "nameEn", "regulation", "article", "severity"]]];
const CHANGED = "... on DetectionAlertsChanged { alerts { id status assigneeUser } } ... on NotFound { message } ... on NotAllowed { message } ... on WrongState { message } ... on ValidationErrors { errors { field message } }";

function enumValues(schema, name) {
  return schema.getType(name)?.getValues().map((value) => value.name) || [];
}

/** The evidence in one line: its keys labelled, dates and record keys as they are. */
function evidenceText(evidence) {
  return Object.entries(evidence || {}).filter(([, value]) => value !== null && value !== "")
    .map(([key, value]) => `${label(key)}: ${Array.isArray(value) ? value.map((item) => (typeof item === "object" ? show(item) : item)).join(" → ") : show(value)}`)
    .join("；");
}

function refusal(answer) {
  if (answer.__typename === "ValidationErrors") return answer.errors.map((error) => `${error.field}: ${error.message}`).join("; ");
  return answer.message || answer.__typename;
}

async function renderAlerts(schema, panel) {
  const status = h("div", { id: "alert-status" });
  const statusFilter = h("select", { id: "alert-status-filter" }, h("option", { value: "" }, "全部 all"),
    enumValues(schema, "AlertStatus").map((value) => h("option", { value }, `${enumText(value, "AlertStatus")} ${value}`)));
  const ruleFilter = h("select", { id: "alert-rule-filter" }, h("option", { value: "" }, "全部规则 every rule"));
  const assigneeFilter = h("input", { id: "alert-assignee-filter", placeholder: "承办人 assignee" });
  const rows = h("div", { id: "alert-rows" });
  const actions = alertActions(schema);
  clear(panel, h("section", { class: "card", "data-testid": "alerts-panel" },
    h("form", { class: "row", id: "alert-filters" }, h("label", { for: "alert-status-filter" }, "状态 Status"), statusFilter,
      h("label", { for: "alert-rule-filter" }, "规则 Rule"), ruleFilter,
      h("label", { for: "alert-assignee-filter" }, "承办人 Assignee"), assigneeFilter, h("button", { type: "submit" }, "筛选 Filter")),
    actions.form, status, rows));
  if (queryField(schema, "detectionRules")) {
    try {
      const data = await gqlFor("", `{ detectionRules ${selection(schema, "DetectionRule", ["code", "name"])} }`);
      ruleFilter.append(...data.detectionRules.map((rule) => h("option", { value: rule.code }, `${rule.name || ""} ${rule.code}`)));
    } catch (error) {
      message(status, error.message);
    }
  }
  const fields = selection(schema, "DetectionAlert", ALERT_WANTED);
  let shown = [];

  async function load() {
    try {
      const data = await gqlFor("", `query Alerts($status: [AlertStatus!], $rule: String, $assignee: String, $first: Int) {
        detectionAlerts(status: $status, rule: $rule, assignee: $assignee, first: $first) { totalCount edges { node ${fields} } } }`,
      { status: statusFilter.value ? [statusFilter.value] : null, rule: ruleFilter.value || null,
        assignee: assigneeFilter.value.trim() || null, first: LIST_SIZE });
      shown = data.detectionAlerts.edges.map(({ node }) => node);
      clear(rows, alertTable(shown, Boolean(actions.form)));
      message(status, `${shown.length} / ${data.detectionAlerts.totalCount} 条预警 alerts`, "info");
    } catch (error) {
      message(status, error.message);
    }
  }

  const picked = () => [...rows.querySelectorAll("input[name=pick-alert]:checked")].map((input) => Number(input.value));
  actions.bind({ picked, status, reload: load });
  panel.querySelector("#alert-filters").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  await load();
}

function alertTable(rows, canPick) {
  if (!rows.length) return h("p", { class: "muted", "data-testid": "alert-list" }, "无预警 No alerts.");
  return h("table", { class: "grid", "data-testid": "alert-list" },
    h("thead", {}, h("tr", {}, canPick ? h("th", {}, "") : null,
      ["规则 Rule", "干部 Cadre", "状态 Status", "承办人 Assignee", "最近发现 Last seen", "依据 Regulation", "证据 Evidence"].map((text) => h("th", {}, text)))),
    h("tbody", {}, rows.map((row) => h("tr", { "data-alert": row.id, "data-rule": row.rule },
      canPick ? h("td", {}, h("input", { type: "checkbox", name: "pick-alert", value: row.id, "aria-label": `${row.rule} ${row.id}` })) : null,
      h("td", { title: row.citation?.nameEn || null }, row.citation?.name || row.rule, h("div", { class: "muted" }, h("code", {}, row.rule))),
      h("td", {}, row.cadre ? h("a", { href: `/cadre?id=${row.cadre.id}` }, row.cadre.name || `#${row.cadre.id}`) : "—"),
      h("td", { "data-field": "status" }, row.status ? `${enumText(row.status, "AlertStatus")} ${row.status}` : "—",
        row.timesReopened ? h("div", { class: "muted" }, `重开 reopened ×${row.timesReopened}`) : null),
      h("td", { "data-field": "assigneeUser" }, row.assigneeUser ?? "—"),
      h("td", {}, (row.lastSeenAt || "").slice(0, 10)),
      h("td", { "data-field": "regulation" }, row.citation ? `${row.citation.regulation || ""}${row.citation.article ? ` ${row.citation.article}` : ""}` : "—"),
      h("td", { "data-field": "evidence", class: "evidence" }, evidenceText(row.evidence))))));
}

/** The bulk actions the agency's schema offers on the selected alerts (none for an agency that only reads them). */
function alertActions(schema) {
  const offered = ["acknowledgeAlerts", "assignAlerts", "dismissAlerts", "openCaseFromAlerts"].filter((name) => mutationField(schema, name));
  if (!offered.length) return { form: null, bind: () => {} };
  const assignee = h("input", { id: "alert-assignee", placeholder: "承办人 assignee" });
  const reason = h("input", { id: "alert-reason", placeholder: "不予处理的理由 why dismissed" });
  const number = h("input", { id: "alert-case-number", placeholder: "案号 case number" });
  const title = h("input", { id: "alert-case-title", placeholder: "案件标题 case title" });
  const button = (id, text) => h("button", { type: "button", id }, text);
  const parts = {
    acknowledgeAlerts: [button("alert-acknowledge", "确认 Acknowledge")],
    assignAlerts: [assignee, button("alert-assign", "指派 Assign")],
    dismissAlerts: [reason, button("alert-dismiss", "不予处理 Dismiss")],
    openCaseFromAlerts: [number, title, button("alert-open-case", "立案 Open a case")],
  };
  const form = h("form", { class: "row wrap", id: "alert-actions" }, h("span", {}, "所选预警 The selected:"), offered.flatMap((name) => parts[name]));

  function bind({ picked, status, reload }) {
    async function run(name, needed, query, variables, done) {
      const ids = picked();
      if (!ids.length || needed.some((input) => !input.value.trim())) {
        return message(status, "请选择预警并填写所需内容 Pick alerts and fill in what the action needs.");
      }
      try {
        // The session's purpose: a case to be opened cannot be named as one yet.
        const answer = (await gqlFor("", query, { ids, ...variables() }))[name];
        if (answer.__typename !== done) return message(status, `未完成 Not done: ${refusal(answer)}`);
        if (name === "openCaseFromAlerts") return location.assign(`/cases?number=${encodeURIComponent(answer.number)}`);
        await reload();
        message(status, `已处理 ${ids.length} 条 Done for ${ids.length} alerts`, "info");
      } catch (error) {
        message(status, error.message);
      }
    }
    const changed = "DetectionAlertsChanged";
    form.querySelector("#alert-acknowledge")?.addEventListener("click", () => run("acknowledgeAlerts", [],
      `mutation Ack($ids: [Int!]!) { acknowledgeAlerts(alertIds: $ids) { __typename ${CHANGED} } }`, () => ({}), changed));
    form.querySelector("#alert-assign")?.addEventListener("click", () => run("assignAlerts", [assignee],
      `mutation Assign($ids: [Int!]!, $to: String!) { assignAlerts(alertIds: $ids, assignee: $to) { __typename ${CHANGED} } }`,
      () => ({ to: assignee.value.trim() }), changed));
    form.querySelector("#alert-dismiss")?.addEventListener("click", () => run("dismissAlerts", [reason],
      `mutation Dismiss($ids: [Int!]!, $why: String!) { dismissAlerts(alertIds: $ids, reason: $why) { __typename ${CHANGED} } }`,
      () => ({ why: reason.value.trim() }), changed));
    form.querySelector("#alert-open-case")?.addEventListener("click", () => run("openCaseFromAlerts", [number, title],
      `mutation Open($ids: [Int!]!, $number: String!, $title: String!) { openCaseFromAlerts(alertIds: $ids, number: $number, title: $title) {
        __typename ... on Case { number } ... on NotAllowed { message } ... on WrongState { message } ... on ValidationErrors { errors { field message } } } }`,
      () => ({ number: number.value.trim(), title: title.value.trim() }), "Case"));
  }
  return { form, bind };
}

// ---- one case ----

function nodeSelection(schema) {
  const parts = ["id", "kind"];
  const graphNode = schema.getType("GraphNode");
  for (const type of graphNode ? schema.getPossibleTypes(graphNode) : []) {
    const fields = Object.keys(type.getFields()).filter((name) => !NODE_STRUCTURE.has(name));
    if (fields.length) parts.push(`... on ${type.name} { ${fields.join(" ")} }`);
  }
  return `{ ${parts.join(" ")} }`;
}

function edgeLabel(edge) {
  const p = edge.properties || {};
  const period = p.startDate || p.endDate ? ` ${p.startDate || "?"}–${p.endDate || ""}` : "";
  return `${edge.kind}${p.kind ? ` · ${show(p.kind)}` : ""}${period}`;
}

function linkedNodeId(link) {
  if (link.cadre) return `cadre:${link.cadre.id}`;
  if (link.person) return `person:${link.person.id}`;
  if (link.organization) return `org:${link.organization.id}`;
  return null;
}

async function evidence(schema, number, links, container, status) {
  if (!queryField(schema, "network")) {
    return clear(container, h("p", { class: "muted" }, "本机构的接口没有关系图查询 Your agency's schema has no graph queries."));
  }
  const starts = [...new Set(links.map(linkedNodeId).filter(Boolean))];
  if (!starts.length) return clear(container, h("p", { class: "muted" }, "尚无关联 Nothing is linked to the case yet."));
  const graph = h("div", { id: "graph", "data-testid": "evidence-graph" });
  const summary = h("p", { class: "muted", id: "graph-summary" });
  clear(container, summary, graph);
  const cy = cytoscape({ container: graph, style: STYLE, wheelSensitivity: 0.3, minZoom: 0.2, maxZoom: 3 });
  window.hubCaseGraph = cy;
  const nodes = nodeSelection(schema);
  const edges = selection(schema, "GraphEdge", ["id", "kind", "source", "target", "properties"]);
  let truncated = false;
  for (const start of starts) {
    try {
      const data = await gqlFor(number, `query Evidence($id: ID!) { network(personId: $id, hops: 1, limit: ${GRAPH_LIMIT}) { truncated nodes ${nodes} edges ${edges} } }`, { id: start });
      truncated ||= data.network.truncated;
      for (const node of data.network.nodes) {
        if (!cy.getElementById(node.id).empty()) continue;
        const properties = Object.fromEntries(Object.entries(node).filter(([key, value]) => !NODE_STRUCTURE.has(key) && value !== null));
        cy.add({ group: "nodes", data: { id: node.id, kind: String(node.id).split(":")[0], label: properties.name || properties.title || node.id } });
      }
      for (const edge of data.network.edges) {
        if (cy.getElementById(edge.id).empty() && !cy.getElementById(edge.source).empty() && !cy.getElementById(edge.target).empty()) {
          cy.add({ group: "edges", data: { id: edge.id, source: edge.source, target: edge.target, label: edgeLabel(edge) } });
        }
      }
    } catch (error) {
      message(status, `${start}: ${error.message}`);
    }
  }
  for (const start of starts) cy.getElementById(start).addClass("linked");
  cy.layout({ name: "cose", animate: false, nodeDimensionsIncludeLabels: true }).run();
  summary.textContent = `关联对象一跳以内 Within one hop of the linked: ${cy.nodes().length} 个节点 nodes · ${cy.edges().length} 条关系 edges${truncated ? " (已截断 truncated)" : ""}`;
}

/** The detection rules the case cites: a rule's code named in its title, outcome, notes or history. */
async function citedRules(schema, number, kase, container) {
  if (!queryField(schema, "detectionRules")) return clear(container);
  const fields = selection(schema, "DetectionRule", ["code", "name", "nameEn", "regulation", "article", "severity"]);
  const data = await gqlFor(number, `{ detectionRules ${fields} }`);
  const text = [kase.title, kase.outcome, ...(kase.notes || []).map((n) => n.text), ...(kase.history || []).map((e) => e.detail)].join("\n");
  const cited = data.detectionRules.filter((rule) => text.includes(rule.code));
  clear(container, h("h2", {}, "所涉规则 Rules cited"),
    cited.length ? h("dl", { class: "facts", "data-testid": "rules" }, cited.flatMap((rule) => [
      h("dt", {}, h("code", {}, rule.code)),
      h("dd", {}, `${rule.name || ""} ${rule.nameEn ? `(${rule.nameEn})` : ""}`, rule.regulation ? h("div", { class: "muted" }, `${rule.regulation}${rule.article ? ` ${rule.article}` : ""}`) : null)]))
      : h("p", { class: "muted", "data-testid": "rules" }, "案件未引用检测规则 The case cites no detection rule (an alert that opens a case names its rule's code)."));
}

async function renderCase(schema, number) {
  const status = h("div", { id: "case-status" });
  clear(main, h("p", {}, h("a", { href: "/cases" }, "← 案件列表 All cases")), status);
  if (!queryField(schema, "case")) return message(status, "本机构不承办案件 Your agency does not work cases.", "info");
  const wanted = ["id", "number", "title", "status", "agency", "assigneeUser", "openedByUser", "openedAt", "closedAt", "outcome", "version",
    ["notes", ["writtenAt", "authorUser", "text"]],
    ["links", ["linkedAt", "linkedByUser", ["cadre", ["id", "name"]], ["person", ["id", "name"]], ["organization", ["id", "name"]]]],
    ["history", ["at", "agency", "user", "action", "detail"]]];
  let kase;
  try {
    kase = (await gqlFor(number, `query Case($number: String!) { case(number: $number) ${selection(schema, "Case", wanted)} }`, { number })).case;
  } catch (error) {
    return message(status, error.message);
  }
  if (!kase) return message(status, `没有案件 ${number} No such case in your agency's window.`);
  const graph = h("section", { class: "card graph-card", "data-testid": "evidence" });
  const rules = h("section", { class: "card" });
  const { notes = [], links = [], history = [] } = kase;
  main.append(
    h("section", { class: "card", "data-testid": "case" },
      h("h1", {}, `${kase.number} ${kase.title}`),
      h("dl", { class: "facts" },
        [["状态 Status", labelled(schema, kase.status), "status"], ["承办人 Assignee", kase.assigneeUser, "assigneeUser"],
          ["立案 Opened", `${(kase.openedAt || "").slice(0, 16).replace("T", " ")} ${kase.openedByUser || ""}`, "openedAt"],
          ["结案 Closed", (kase.closedAt || "").slice(0, 16).replace("T", " "), "closedAt"], ["结论 Outcome", kase.outcome, "outcome"]]
          .filter(([, , key]) => key in kase)
          .flatMap(([name, value, key]) => [h("dt", {}, name), h("dd", { "data-field": key }, value || "—")])),
      dossierButtons(`/dossiers/case/${encodeURIComponent(kase.number)}`, kase.number, status, "case-dossier")),
    h("section", { class: "card" }, h("h2", {}, `关联 Links (${links.length})`),
      table(links.map((link) => ({ linkedAt: (link.linkedAt || "").slice(0, 10), linkedByUser: link.linkedByUser,
        cadre: link.cadre?.name, person: link.person?.name, organization: link.organization?.name })), { testid: "links" }),
      h("ul", { class: "picks" }, links.filter((link) => link.cadre).map((link) => h("li", {},
        h("a", { href: `/cadre?id=${link.cadre.id}` }, link.cadre.name || `#${link.cadre.id}`), " ",
        dossierButtons(`/dossiers/cadre/${link.cadre.id}`, kase.number, status, "cadre-dossier"))))),
    graph, rules,
    h("section", { class: "card" }, h("h2", {}, `记录 Notes (${notes.length})`),
      table(notes.map((note) => ({ writtenAt: (note.writtenAt || "").slice(0, 16).replace("T", " "), authorUser: note.authorUser, text: note.text })), { testid: "notes" }),
      noteForm(schema, kase, status)),
    h("section", { class: "card" }, h("h2", {}, `经过 History (${history.length})`),
      table(history.map((event) => ({ at: (event.at || "").slice(0, 16).replace("T", " "), agency: event.agency, user: event.user, action: event.action, detail: event.detail })), { testid: "history" })),
  );
  clear(graph, h("h2", {}, "证据图 Evidence"), h("div", { id: "evidence-body" }));
  await Promise.all([
    evidence(schema, kase.number, links, graph.querySelector("#evidence-body"), status),
    citedRules(schema, kase.number, kase, rules).catch((error) => message(status, error.message)),
  ]);
}

function noteForm(schema, kase, status) {
  if (!mutationField(schema, "addCaseNote") || !("id" in kase)) return null;
  const text = h("textarea", { id: "note-text", rows: 3, placeholder: "记录 note" });
  const form = h("form", { id: "note-form" }, text, h("button", { type: "submit" }, "添加记录 Add note"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!text.value.trim()) return;
    try {
      const answer = await gqlFor(kase.number, `mutation Note($id: Int!, $text: String!) { addCaseNote(caseId: $id, text: $text) { __typename ... on NotAllowed { message } } }`,
        { id: kase.id, text: text.value });
      if (answer.addCaseNote.__typename !== "CaseNote") return message(status, answer.addCaseNote.message || answer.addCaseNote.__typename);
      location.reload();
    } catch (error) {
      message(status, error.message);
    }
  });
  return form;
}

async function start() {
  if (!frame("/cases")) return;
  const status = h("div");
  clear(main, status);
  const schema = await loadSchema(status);
  if (!schema) return;
  const number = new URLSearchParams(location.search).get("number");
  if (number) return renderCase(schema, number);
  const tabs = TABS.filter((tab) => tab.available(schema));
  if (!tabs.some((tab) => tab.id === "cases")) message(status, "本机构不承办案件 Your agency does not work or read cases.", "info");
  const panel = h("div", { id: "tab-panel" });
  const bar = h("nav", { class: "tabs row", role: "tablist" }, tabs.map((tab) => h("button", {
    type: "button", role: "tab", class: "link", "data-tab": tab.id,
    onclick: async () => {
      for (const button of bar.children) button.setAttribute("aria-selected", String(button.dataset.tab === tab.id));
      await tab.render(schema, panel);
    },
  }, tab.title)));
  main.append(h("h1", {}, "案件与预警 Cases and alerts"), bar, panel);
  const first = tabs[0];
  if (first) {
    bar.firstChild.setAttribute("aria-selected", "true");
    await first.render(schema, panel);
  }
}

start().finally(() => {
  document.body.dataset.ready = "true";
});
