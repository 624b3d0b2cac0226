// The investigator's view: a cadre's network drawn with Cytoscape.js. The first view is two hops of the most
// connected neighbours with the rest counted; a node's relations are counted per kind before expanding, and it
// expands by kind or by its most connected neighbours up to a cap (badges say what is left), or collapses again.
// Conflicts of interest and shared connections are listed with their paths and dates highlighted; shortest paths
// too; the drawing can be saved to a case. Everything comes from /graphql as the agency.
import cytoscape from "cytoscape";
import { gql, mutationField, queryField, selection, session } from "./lib/api.js";
import { clear, enumHint, enumText, frame, h, hint, label, loadSchema, message, show } from "./lib/ui.js";

const MAX_HOPS = 4;
const EXPAND_HOPS = 2; // up to two hops come capped and summarized; three and four come from `network`
const EDGE_KIND_ENUM = "GraphEdgeKind";
const NODE_KIND_ENUM = "GraphNodeKind";
// The closed vocabulary of an edge's `kind` property, for its label.
const EDGE_PROPERTY_ENUMS = { RELATIVE_OF: { kind: "KinshipKind" }, TIE: { kind: "TieKind" } };
const NODE_KIND_OF_PREFIX = { cadre: "CADRE", person: "PERSON", post: "POST", unit: "UNIT", org: "ORGANIZATION" };

const main = document.getElementById("main");
const state = { cy: null, schema: null, nodeFields: "", edgeFields: "", expandedBy: new Map(), degree: new Map() };

function nodeKind(id) {
  return String(id).split(":")[0];
}

function kindName(prefix) {
  return enumText(NODE_KIND_OF_PREFIX[prefix] || prefix, NODE_KIND_ENUM);
}

const NODE_STRUCTURE = new Set(["id", "kind", "labels", "properties", "__typename"]);

// `{ id kind ... on CadreNode { name gender ... } ... }`: the typed properties of each node kind this agency may read.
function nodeSelection(schema) {
  const parts = ["__typename", "id", "kind"];
  const graphNode = schema.getType("GraphNode");
  for (const type of graphNode ? schema.getPossibleTypes(graphNode) : []) {
    const fields = Object.keys(type.getFields()).filter((name) => !NODE_STRUCTURE.has(name));
    if (fields.length) parts.push(`... on ${type.name} { ${fields.join(" ")} }`);
  }
  return `{ ${parts.join(" ")} }`;
}

// The enum type of each typed node property, to show its value by that enum's label.
function propertyEnums(schema) {
  const enums = {};
  const graphNode = schema.getType("GraphNode");
  for (const type of graphNode ? schema.getPossibleTypes(graphNode) : []) {
    for (const [name, field] of Object.entries(type.getFields())) {
      const named = field.type.ofType || field.type;
      if (named.getValues) enums[`${type.name}.${name}`] = named.name;
    }
  }
  return enums;
}

function propertiesOf(node) {
  return Object.fromEntries(Object.entries(node).filter(([key, value]) => !NODE_STRUCTURE.has(key) && value !== null));
}

function nodeLabel(node) {
  const p = propertiesOf(node);
  return p.name || p.title || node.id;
}

function edgeText(edge) {
  const kind = edge.properties && edge.properties.kind;
  const enumOfKind = EDGE_PROPERTY_ENUMS[edge.kind]?.kind;
  const zh = enumText(edge.kind, EDGE_KIND_ENUM);
  const en = enumHint(edge.kind, EDGE_KIND_ENUM);
  if (!kind) return { zh, en };
  return { zh: `${zh} · ${enumText(kind, enumOfKind)}`, en: `${en} · ${enumHint(kind, enumOfKind)}` };
}

function controls(schema) {
  const kindType = schema.getType(EDGE_KIND_ENUM);
  const kinds = (kindType ? kindType.getValues() : []).map((value) =>
    h("label", { class: "check", title: enumHint(value.name, EDGE_KIND_ENUM) },
      h("input", { type: "checkbox", name: "edgeKind", value: value.name, checked: true }), enumText(value.name, EDGE_KIND_ENUM)),
  );
  return h(
    "form",
    { class: "card controls", id: "explore-form" },
    h("label", { for: "search" }, "查找干部 Find a cadre"),
    h("input", { id: "search", placeholder: "姓名 name", autocomplete: "off" }),
    h("ul", { id: "search-results", class: "picks", "data-testid": "search-results" }),
    h("label", { for: "person" }, "起点 Start node"),
    h("input", { id: "person", placeholder: "cadre:1", required: true }),
    h("div", { class: "row" },
      h("label", { for: "hops" }, "跳数 Hops", h("select", { id: "hops" }, [1, 2, 3, 4].map((n) => h("option", { value: n, selected: n === 2 }, `${n}`)))),
      h("label", { for: "cap", title: "Most nodes drawn at once; the rest are counted" }, "上限 Cap", h("input", { id: "cap", type: "number", min: 1, max: 200, value: 40 }))),
    h("fieldset", {}, h("legend", {}, "关系类别 Edge kinds"), kinds),
    h("label", { for: "purpose" }, "查询事由 Purpose"),
    h("input", { id: "purpose", value: session.purpose(), placeholder: "线索核查" }),
    h("button", { type: "submit", id: "draw" }, "绘制 Draw"),
    h("hr"),
    h("label", { for: "path-from" }, "最短路径 Shortest path"),
    h("div", { class: "row" }, h("input", { id: "path-from", placeholder: "cadre:4" }), h("input", { id: "path-to", placeholder: "cadre:2" })),
    h("button", { type: "button", id: "find-path" }, "查找路径 Find path"),
    queryField(schema, "conflictsOfInterest") ? [h("hr"), h("button", { type: "button", id: "find-conflicts" }, "利益冲突 Conflicts of interest")] : null,
    queryField(schema, "sharedConnections") ? [
      h("hr"),
      h("label", { for: "shared-ids" }, "共同关系 Shared connections"),
      h("input", { id: "shared-ids", placeholder: "cadre:2, cadre:3" }),
      h("button", { type: "button", id: "find-shared" }, "查找共同关系 Find shared"),
    ] : null,
  );
}

function selectedKinds() {
  return [...document.querySelectorAll("input[name=edgeKind]:checked")].map((input) => input.value);
}

function cap() {
  return Math.max(1, Math.min(Number(document.getElementById("cap").value) || 40, 200));
}

function toElements(nodes, edges) {
  return [
    ...nodes.map((node) => ({
      group: "nodes",
      data: { id: node.id, name: nodeLabel(node), label: nodeLabel(node), kind: nodeKind(node.id), typename: node.__typename, properties: propertiesOf(node) },
    })),
    ...edges.map((edge) => {
      const text = edgeText(edge);
      return {
        group: "edges",
        data: { id: edge.id, source: edge.source, target: edge.target, kind: edge.kind, label: text.zh, hint: text.en, properties: edge.properties || {} },
      };
    }),
  ];
}

/** Add what is not drawn yet; returns the ids of the nodes added. */
function merge(nodes, edges) {
  const cy = state.cy;
  const fresh = toElements(nodes, edges).filter((element) => cy.getElementById(element.data.id).empty());
  const added = cy.add(fresh.filter((e) => e.group === "nodes"));
  cy.add(fresh.filter((e) => e.group === "edges" && !cy.getElementById(e.data.source).empty() && !cy.getElementById(e.data.target).empty()));
  if (fresh.length) cy.layout({ name: "cose", animate: false, nodeDimensionsIncludeLabels: true, randomize: false, idealEdgeLength: 90, nodeRepulsion: 9000 }).run();
  refreshBadges();
  refreshList();
  return added.map((node) => node.id());
}

// A node's badge: how many of its visible neighbours are not drawn (known from the last answer that counted them).
function refreshBadges() {
  state.cy.nodes().forEach((node) => {
    const degree = state.degree.get(node.id());
    const undrawn = degree === undefined ? 0 : Math.max(0, degree - node.neighborhood("node").length);
    node.data("badge", undrawn);
    node.data("label", undrawn ? `${node.data("name")}  +${undrawn}` : node.data("name"));
    node.toggleClass("more", undrawn > 0);
  });
}

function noteBadges(badges) {
  for (const badge of badges || []) state.degree.set(badge.nodeId, badge.neighbours);
}

function refreshList() {
  const cy = state.cy;
  const list = document.getElementById("node-list");
  const rows = cy.nodes().sort((a, b) => a.id().localeCompare(b.id())).map((node) =>
    h("li", { "data-node": node.id(), class: node.hasClass("path") ? "path" : null },
      `${kindName(node.data("kind"))} ${node.data("name")}`, node.data("badge") ? h("span", { class: "more-badge" }, ` +${node.data("badge")}`) : null, h("code", {}, node.id())),
  );
  clear(list, rows);
  document.getElementById("graph-summary").textContent = `${cy.nodes().length} 个节点 nodes · ${cy.edges().length} 条关系 edges`;
}

function leftOutText(leftOut) {
  if (!leftOut || !leftOut.length) return "";
  const parts = leftOut.map((count) => `${enumText(count.kind, NODE_KIND_ENUM)} ${count.count}`);
  return `未显示 Not drawn: ${parts.join("、")}（点击节点展开 click a node to expand）`;
}

const NEIGHBOURHOOD = () => `{ truncated nodes ${state.nodeFields} edges ${state.edgeFields} badges { nodeId neighbours undrawn } leftOut { kind count } }`;

async function neighbourhood(nodeId, { hops, kinds, limit, drawn = [] }) {
  const query = `query Expand($id: ID!, $hops: Int!, $kinds: [GraphEdgeKind!], $limit: Int!, $drawn: [ID!]) {
    expand(nodeId: $id, hops: $hops, kinds: $kinds, limit: $limit, order: MOST_CONNECTED, drawn: $drawn) ${NEIGHBOURHOOD()} }`;
  return (await gql(query, { id: nodeId, hops, kinds, limit, drawn })).expand;
}

async function network(personId, hops) {
  const query = `query Network($id: ID!, $hops: Int!, $kinds: [GraphEdgeKind!]) {
    network(personId: $id, hops: $hops, edgeKinds: $kinds, limit: 200) { truncated nodes ${state.nodeFields} edges ${state.edgeFields} } }`;
  return (await gql(query, { id: personId, hops, kinds: selectedKinds() })).network;
}

function reset() {
  state.cy.elements().remove();
  state.expandedBy.clear();
  state.degree.clear();
  clear(document.getElementById("findings"));
  document.getElementById("path-summary").textContent = "";
}

async function draw(event) {
  event?.preventDefault();
  const status = document.getElementById("status");
  const personId = document.getElementById("person").value.trim();
  if (!personId) return;
  session.setPurpose(document.getElementById("purpose").value);
  const hops = Math.min(Number(document.getElementById("hops").value) || 2, MAX_HOPS);
  message(status, "加载中 Loading…", "info");
  try {
    const capped = hops <= EXPAND_HOPS && queryField(state.schema, "expand");
    const result = capped ? await neighbourhood(personId, { hops, kinds: selectedKinds(), limit: cap() }) : await network(personId, hops);
    reset();
    noteBadges(result.badges);
    merge(result.nodes, result.edges);
    state.cy.getElementById(personId).addClass("root");
    const note = result.nodes.length === 0 ? "没有可见节点 Nothing visible to your agency from this start."
      : capped ? leftOutText(result.leftOut)
      : result.truncated ? "结果已截断 Truncated: narrow the hops or edge kinds." : "";
    message(status, note, "info");
    history.replaceState(null, "", `/explore?person=${encodeURIComponent(personId)}&hops=${hops}`);
  } catch (error) {
    message(status, `${error.message}`);
  }
}

/** Expand a node (by `kinds`, or every selected kind) up to the cap, most connected first; remember what it added. */
async function expand(node, kinds) {
  const status = document.getElementById("status");
  try {
    if (!queryField(state.schema, "expand")) {
      if (!["cadre", "person"].includes(node.data("kind"))) return;
      const result = await network(node.id(), 1);
      merge(result.nodes, result.edges);
      return;
    }
    const drawn = state.cy.nodes().map((n) => n.id()).filter((id) => id !== node.id());
    const result = await neighbourhood(node.id(), { hops: 1, kinds: kinds || selectedKinds(), limit: Math.min(cap(), 25), drawn });
    noteBadges(result.badges);
    const added = merge(result.nodes, result.edges);
    state.expandedBy.set(node.id(), [...(state.expandedBy.get(node.id()) || []), ...added]);
    const left = result.badges.find((badge) => badge.nodeId === node.id());
    message(status, `已展开 Expanded ${node.data("name")}${left && left.undrawn ? `（另有 ${left.undrawn} 个未显示 ${left.undrawn} more not drawn）` : ""}`, "info");
  } catch (error) {
    message(status, error.message);
  }
}

/** Remove what expanding the node added (and what those nodes added in turn), unless it is a root or on a path. */
function collapse(node) {
  const removing = new Set();
  const visit = (id) => {
    for (const child of state.expandedBy.get(id) || []) {
      if (removing.has(child)) continue;
      removing.add(child);
      visit(child);
    }
    state.expandedBy.delete(id);
  };
  visit(node.id());
  const kept = state.cy.nodes(".root, .path, .finding");
  state.cy.nodes().filter((n) => removing.has(n.id()) && !kept.contains(n)).remove();
  refreshBadges();
  refreshList();
  message(document.getElementById("status"), `已收起 Collapsed ${node.data("name")}`, "info");
}

function highlight(nodes, edges, className = "path") {
  state.cy.elements().removeClass("path finding");
  for (const element of [...nodes, ...edges]) state.cy.getElementById(element.id).addClass(className);
  state.cy.elements(`.${className}`).length && state.cy.fit(state.cy.elements(`.${className}`), 60);
  refreshList();
}

async function findPath() {
  const status = document.getElementById("status");
  const from = document.getElementById("path-from").value.trim();
  const to = document.getElementById("path-to").value.trim();
  if (!from || !to) return;
  session.setPurpose(document.getElementById("purpose").value);
  const query = `query Paths($from: ID!, $to: ID!, $kinds: [GraphEdgeKind!]) {
    paths(fromId: $from, toId: $to, maxHops: ${MAX_HOPS}, edgeKinds: $kinds, limit: 1) { nodes ${state.nodeFields} edges ${state.edgeFields} } }`;
  try {
    const [path] = (await gql(query, { from, to, kinds: selectedKinds() })).paths;
    state.cy.elements().removeClass("path");
    if (!path) {
      message(status, `${from} 与 ${to} 之间没有可见路径 No visible path within ${MAX_HOPS} hops.`, "info");
      refreshList();
      return;
    }
    merge(path.nodes, path.edges);
    highlight(path.nodes, path.edges);
    const names = path.nodes.map((node) => nodeLabel(node)).join(" → ");
    message(status, `最短路径 Shortest path: ${names}`, "info");
    document.getElementById("path-summary").textContent = names;
  } catch (error) {
    message(status, error.message);
  }
}

function period(start, end) {
  return `${start || "…"} — ${end || "至今 now"}`;
}

function findingItem(testid, title, detail, path) {
  const item = h("li", { "data-testid": testid }, h("button", { type: "button", class: "link" }, title), h("div", { class: "muted" }, detail));
  item.querySelector("button").addEventListener("click", () => {
    merge(path.nodes, path.edges);
    highlight(path.nodes, path.edges, "finding");
    document.getElementById("path-summary").textContent = path.nodes.map((node) => nodeLabel(node)).join(" → ");
    for (const other of document.querySelectorAll("#findings li")) other.classList.toggle("chosen", other === item);
  });
  return item;
}

async function findConflicts() {
  const status = document.getElementById("status");
  const cadreId = document.getElementById("person").value.trim();
  if (!cadreId) return;
  session.setPurpose(document.getElementById("purpose").value);
  const node = state.nodeFields;
  const query = `query Conflicts($id: ID!) { conflictsOfInterest(cadreId: $id) {
    via ${node} organization ${node} unit ${node} post ${node} windowStart windowEnd explanation
    path { nodes ${node} edges ${state.edgeFields} } } }`;
  try {
    const found = (await gql(query, { id: cadreId })).conflictsOfInterest;
    const items = found.map((conflict) => findingItem("conflict",
      `${nodeLabel(conflict.via)} → ${nodeLabel(conflict.organization)} → ${nodeLabel(conflict.unit)}`,
      `${period(conflict.windowStart, conflict.windowEnd)} · ${nodeLabel(conflict.post)}`, conflict.path));
    clear(document.getElementById("findings"), h("h3", {}, `利益冲突 Conflicts of interest (${found.length})`),
      found.length ? h("ol", { class: "findings" }, items) : h("p", { class: "muted" }, "未发现 None found."));
    if (items.length) items[0].querySelector("button").click();
    message(status, "", "info");
  } catch (error) {
    message(status, error.message);
  }
}

async function findShared() {
  const status = document.getElementById("status");
  const ids = document.getElementById("shared-ids").value.split(/[\s,，]+/).map((id) => id.trim()).filter(Boolean);
  const start = document.getElementById("person").value.trim();
  if (start && !ids.includes(start)) ids.unshift(start);
  if (ids.length < 2) return message(status, "至少两名干部 Give at least two cadres.", "info");
  session.setPurpose(document.getElementById("purpose").value);
  const query = `query Shared($ids: [ID!]!) { sharedConnections(personIds: $ids) {
    node ${state.nodeFields} connected paths { nodes ${state.nodeFields} edges ${state.edgeFields} } } }`;
  try {
    const found = (await gql(query, { ids })).sharedConnections;
    const items = found.map((shared) => {
      const nodes = shared.paths.flatMap((path) => path.nodes);
      const edges = shared.paths.flatMap((path) => path.edges);
      const dates = edges.map((edge) => edge.properties || {}).filter((p) => p.startDate || p.endDate).map((p) => period(p.startDate, p.endDate));
      return findingItem("shared", `${nodeLabel(shared.node)} ← ${shared.connected.join("、")}`, dates.join("；") || "日期不详 dates unknown", { nodes, edges });
    });
    clear(document.getElementById("findings"), h("h3", {}, `共同关系 Shared connections (${found.length})`),
      found.length ? h("ol", { class: "findings" }, items) : h("p", { class: "muted" }, "未发现 None found."));
    if (items.length) items[0].querySelector("button").click();
    message(status, "", "info");
  } catch (error) {
    message(status, error.message);
  }
}

let searchTimer = 0;
function search(event) {
  clearTimeout(searchTimer);
  const text = event.target.value.trim();
  searchTimer = setTimeout(async () => {
    const results = document.getElementById("search-results");
    if (!text) return clear(results);
    const cadre = selection(state.schema, "Cadre", ["id", "name", ["unit", ["name"]]]);
    try {
      const data = await gql(`query Find($text: String!) { cadres(filter: {nameContains: $text}, first: 10) { edges { node ${cadre} } } }`, { text });
      clear(results, data.cadres.edges.map(({ node }) =>
        h("li", {}, h("button", { type: "button", class: "link", onclick: () => { document.getElementById("person").value = `cadre:${node.id}`; draw(); } },
          `${node.name}${node.unit ? ` · ${node.unit.name}` : ""}`)),
      ));
    } catch (error) {
      message(results, error.message);
    }
  }, 250);
}

function propertyValue(node, key, value) {
  const enumName = state.propertyEnums[`${node.data("typename")}.${key}`];
  return enumName ? h("dd", { title: enumHint(value, enumName), "data-field": key }, enumText(value, enumName))
    : h("dd", { title: hint(value) || null, "data-field": key }, show(value));
}

async function details(node) {
  const panel = document.getElementById("details");
  const properties = node.data("properties") || {};
  const counts = h("ul", { class: "relation-counts", "data-testid": "relation-counts" });
  clear(panel,
    h("h2", {}, `${kindName(node.data("kind"))} ${node.data("name")}`),
    h("dl", { class: "facts" }, Object.entries(properties).flatMap(([key, value]) => [h("dt", { title: key }, label(key)), propertyValue(node, key, value)])),
    queryField(state.schema, "neighbourCounts") ? [h("h3", {}, "关系 Relations"), counts,
      h("div", { class: "row" },
        h("button", { type: "button", id: "expand-most", onclick: () => expand(node) }, "展开关联最多 Expand most connected"),
        h("button", { type: "button", id: "collapse", onclick: () => collapse(node) }, "收起 Collapse"))] : null,
  );
  if (!queryField(state.schema, "neighbourCounts")) return;
  try {
    const found = (await gql("query Counts($id: ID!) { neighbourCounts(nodeId: $id) { kind count } }", { id: node.id() })).neighbourCounts;
    clear(counts, found.map((count) => h("li", { "data-kind": count.kind },
      h("span", { title: enumHint(count.kind, EDGE_KIND_ENUM) }, `${enumText(count.kind, EDGE_KIND_ENUM)} ${count.count}`), " ",
      h("button", { type: "button", class: "link", "data-expand-kind": count.kind, onclick: () => expand(node, [count.kind]) },
        count.count > Math.min(cap(), 25) ? `展开前 ${Math.min(cap(), 25)} expand top ${Math.min(cap(), 25)}` : "展开 expand"))));
    if (!found.length) clear(counts, h("li", { class: "muted" }, "无可见关系 No visible relations."));
  } catch (error) {
    message(counts, error.message);
  }
}

const STYLE = [
  { selector: "node", style: { label: "data(label)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 4, width: 26, height: 26, "min-zoomed-font-size": 6, "background-color": "#8a98a8", color: "#1d2733", "text-background-color": "#fbfcfd", "text-background-opacity": 0.8, "text-background-padding": 1 } },
  { selector: "node[kind = 'cadre']", style: { "background-color": "#c0392b", shape: "ellipse", width: 34, height: 34 } },
  { selector: "node[kind = 'person']", style: { "background-color": "#e67e22" } },
  { selector: "node[kind = 'post']", style: { "background-color": "#2980b9", shape: "round-rectangle" } },
  { selector: "node[kind = 'unit']", style: { "background-color": "#16a085", shape: "rectangle" } },
  { selector: "node[kind = 'org']", style: { "background-color": "#8e44ad", shape: "diamond" } },
  { selector: "node.more", style: { "border-width": 2, "border-style": "dashed", "border-color": "#1d2733" } },
  { selector: "node.root", style: { "border-width": 4, "border-style": "solid", "border-color": "#1d2733" } },
  { selector: "edge", style: { label: "data(label)", "font-size": 9, "min-zoomed-font-size": 7, color: "#555", width: 1.5, "line-color": "#b7c0c9", "target-arrow-shape": "triangle", "target-arrow-color": "#b7c0c9", "curve-style": "bezier", "text-rotation": "autorotate", "text-background-color": "#fbfcfd", "text-background-opacity": 0.8 } },
  // A highlighted path keeps its nodes' size and shape: only a ring and a wide line mark it (a thick border on a
  // small node would leave a sliver of it).
  { selector: "node.path, node.finding", style: { "overlay-color": "#f1c40f", "overlay-opacity": 0.35, "overlay-padding": 6, "font-weight": "bold", "z-index": 10 } },
  { selector: "edge.path, edge.finding", style: { "line-color": "#f1c40f", "target-arrow-color": "#f1c40f", width: 5, color: "#7a5c00", "font-size": 11, "z-index": 10 } },
];

function showHint(event) {
  const hint = event.target.isEdge() ? event.target.data("hint") : enumHint(NODE_KIND_OF_PREFIX[event.target.data("kind")], NODE_KIND_ENUM);
  document.getElementById("graph").title = hint || "";
}

async function start() {
  if (!frame("/explore")) return;
  const status = h("div", { id: "status", "aria-live": "polite" });
  const head = h("div", { class: "explore" });
  clear(main, head);
  state.schema = await loadSchema(status);
  clear(head,
    state.schema ? controls(state.schema) : h("div"),
    h("section", { class: "card graph-card" },
      h("div", { class: "graph-head" }, h("strong", { id: "graph-summary" }, ""), h("span", { id: "path-summary", class: "path-summary" })),
      status,
      h("div", { id: "graph", "data-testid": "graph" }),
      h("div", { id: "findings", "data-testid": "findings" }),
      h("details", { open: true }, h("summary", {}, "图中节点 Nodes in view"), h("ul", { id: "node-list", class: "node-list", "data-testid": "node-list" }))),
    h("aside", { id: "details", class: "card details" }, h("p", { class: "muted" }, "选择节点查看属性 Select a node to see what your agency may read about it.")));
  if (!state.schema) return;
  if (!queryField(state.schema, "network") && !queryField(state.schema, "expand")) {
    return message(status, "本机构的接口没有关系图查询 Your agency's schema has no graph queries (network).", "info");
  }
  state.nodeFields = nodeSelection(state.schema);
  state.propertyEnums = propertyEnums(state.schema);
  state.edgeFields = selection(state.schema, "GraphEdge", ["id", "kind", "source", "target", "properties"]);
  state.cy = cytoscape({ container: document.getElementById("graph"), style: STYLE, wheelSensitivity: 0.3, minZoom: 0.2, maxZoom: 3 });
  window.hubGraph = state.cy;
  state.cy.on("tap", "node", (event) => { details(event.target); expand(event.target); });
  state.cy.on("mouseover", "node, edge", showHint);
  document.getElementById("explore-form").addEventListener("submit", draw);
  document.getElementById("find-path").addEventListener("click", findPath);
  document.getElementById("find-conflicts")?.addEventListener("click", findConflicts);
  document.getElementById("find-shared")?.addEventListener("click", findShared);
  document.getElementById("search").addEventListener("input", search);
  if (mutationField(state.schema, "saveInvestigation")) import("./lib/investigations.js").then((module) => module.mount(state, { merge, highlight, reset }));
  const params = new URLSearchParams(location.search);
  if (params.get("hops")) document.getElementById("hops").value = params.get("hops");
  if (params.get("from")) document.getElementById("path-from").value = params.get("from");
  if (params.get("to")) document.getElementById("path-to").value = params.get("to");
  if (params.get("person")) {
    document.getElementById("person").value = params.get("person");
    await draw();
  }
  if (params.get("from") && params.get("to")) await findPath();
  if (params.get("view") === "conflicts") await findConflicts();
  if (params.get("shared")) {
    document.getElementById("shared-ids").value = params.get("shared");
    await findShared();
  }
}

start().finally(() => {
  document.body.dataset.ready = "true";
});
