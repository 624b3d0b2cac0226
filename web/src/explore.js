// The investigator's view: a cadre's network drawn with Cytoscape.js, expand on click, N-hop limit, edge-kind
// filters and the shortest path between two people highlighted. Everything comes from /graphql as the agency.
import cytoscape from "cytoscape";
import { gql, queryField, selection, session } from "./lib/api.js";
import { clear, frame, h, label, loadSchema, message, show } from "./lib/ui.js";

const EDGE_KINDS = {
  HOLDS: "任职 holds", PART_OF: "隶属 part of", RELATIVE_OF: "亲属 relative", TIE: "社会关系 tie", OWNS: "持有 owns",
  DIRECTS: "任职企业 directs", WORKS_AT: "就职 works at", MEMBER_OF: "兼职 member of", NOMINATED: "提名 nominated",
  SUPPLIES: "供货 supplies",
};
const KIND_NAMES = { cadre: "干部", person: "人员", post: "岗位", unit: "单位", org: "组织" };
const MAX_HOPS = 4;

const main = document.getElementById("main");
const state = { cy: null, schema: null, nodeFields: "", edgeFields: "" };

function nodeKind(id) {
  return String(id).split(":")[0];
}

const NODE_STRUCTURE = new Set(["id", "kind", "labels", "properties", "__typename"]);

// `{ id kind ... on CadreNode { name gender ... } ... }`: the typed properties of each node kind this agency may read.
function nodeSelection(schema) {
  const parts = ["id", "kind"];
  const graphNode = schema.getType("GraphNode");
  for (const type of graphNode ? schema.getPossibleTypes(graphNode) : []) {
    const fields = Object.keys(type.getFields()).filter((name) => !NODE_STRUCTURE.has(name));
    if (fields.length) parts.push(`... on ${type.name} { ${fields.join(" ")} }`);
  }
  return `{ ${parts.join(" ")} }`;
}

function propertiesOf(node) {
  return Object.fromEntries(Object.entries(node).filter(([key, value]) => !NODE_STRUCTURE.has(key) && value !== null));
}

function nodeLabel(node) {
  const p = propertiesOf(node);
  return p.name || p.title || node.id;
}

function edgeLabel(edge) {
  const kind = edge.properties && edge.properties.kind;
  return kind ? `${edge.kind} · ${show(kind)}` : edge.kind;
}

function controls() {
  const kinds = Object.entries(EDGE_KINDS).map(([kind, text]) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "edgeKind", value: kind, checked: true }), text),
  );
  return h(
    "form",
    { class: "card controls", id: "explore-form" },
    h("label", { for: "search" }, "查找干部 Find a cadre"),
    h("input", { id: "search", placeholder: "姓名 name", autocomplete: "off" }),
    h("ul", { id: "search-results", class: "picks", "data-testid": "search-results" }),
    h("label", { for: "person" }, "起点 Start node"),
    h("input", { id: "person", placeholder: "cadre:1", required: true }),
    h("label", { for: "hops" }, "跳数 Hops"),
    h("select", { id: "hops" }, [1, 2, 3, 4].map((n) => h("option", { value: n, selected: n === 2 }, `${n}`))),
    h("fieldset", {}, h("legend", {}, "关系类别 Edge kinds"), kinds),
    h("label", { for: "purpose" }, "查询事由 Purpose"),
    h("input", { id: "purpose", value: session.purpose(), placeholder: "线索核查" }),
    h("button", { type: "submit", id: "draw" }, "绘制 Draw"),
    h("hr"),
    h("label", { for: "path-from" }, "最短路径 Shortest path"),
    h("div", { class: "row" }, h("input", { id: "path-from", placeholder: "cadre:4" }), h("input", { id: "path-to", placeholder: "cadre:2" })),
    h("button", { type: "button", id: "find-path" }, "查找路径 Find path"),
  );
}

function selectedKinds() {
  return [...document.querySelectorAll("input[name=edgeKind]:checked")].map((input) => input.value);
}

function toElements(nodes, edges) {
  return [
    ...nodes.map((node) => ({
      group: "nodes",
      data: { id: node.id, label: nodeLabel(node), kind: nodeKind(node.id), properties: propertiesOf(node) },
    })),
    ...edges.map((edge) => ({
      group: "edges",
      data: { id: edge.id, source: edge.source, target: edge.target, kind: edge.kind, label: edgeLabel(edge), properties: edge.properties || {} },
    })),
  ];
}

function merge(nodes, edges) {
  const cy = state.cy;
  const fresh = toElements(nodes, edges).filter((element) => cy.getElementById(element.data.id).empty());
  const added = cy.add(fresh.filter((e) => e.group === "nodes"));
  cy.add(fresh.filter((e) => e.group === "edges" && !cy.getElementById(e.data.source).empty() && !cy.getElementById(e.data.target).empty()));
  if (added.length || fresh.length) cy.layout({ name: "cose", animate: false, nodeDimensionsIncludeLabels: true, randomize: false }).run();
  refreshList();
}

function refreshList() {
  const cy = state.cy;
  const list = document.getElementById("node-list");
  const rows = cy.nodes().sort((a, b) => a.id().localeCompare(b.id())).map((node) =>
    h("li", { "data-node": node.id(), class: node.hasClass("path") ? "path" : null }, `${KIND_NAMES[node.data("kind")] || node.data("kind")} ${node.data("label")}`, h("code", {}, node.id())),
  );
  clear(list, rows);
  document.getElementById("graph-summary").textContent = `${cy.nodes().length} 个节点 nodes · ${cy.edges().length} 条关系 edges`;
}

async function network(personId, hops) {
  const query = `query Network($id: ID!, $hops: Int!, $kinds: [GraphEdgeKind!]) {
    network(personId: $id, hops: $hops, edgeKinds: $kinds, limit: 200) { truncated nodes ${state.nodeFields} edges ${state.edgeFields} } }`;
  return (await gql(query, { id: personId, hops, kinds: selectedKinds() })).network;
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
    const result = await network(personId, hops);
    state.cy.elements().remove();
    merge(result.nodes, result.edges);
    const root = state.cy.getElementById(personId);
    root.addClass("root");
    const note = result.nodes.length === 0 ? "没有可见节点 Nothing visible to your agency from this start." : result.truncated ? "结果已截断 Truncated: narrow the hops or edge kinds." : "";
    message(status, note, "info");
    history.replaceState(null, "", `/explore?person=${encodeURIComponent(personId)}&hops=${hops}`);
  } catch (error) {
    message(status, `${error.message}`);
  }
}

async function expand(node) {
  const status = document.getElementById("status");
  if (!["cadre", "person"].includes(node.data("kind"))) return;
  try {
    const result = await network(node.id(), 1);
    merge(result.nodes, result.edges);
    message(status, `已展开 Expanded ${node.data("label")}`, "info");
  } catch (error) {
    message(status, error.message);
  }
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
    for (const element of [...path.nodes, ...path.edges]) state.cy.getElementById(element.id).addClass("path");
    const names = path.nodes.map((node) => nodeLabel(node)).join(" → ");
    message(status, `最短路径 Shortest path: ${names}`, "info");
    document.getElementById("path-summary").textContent = names;
    refreshList();
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

function details(node) {
  const panel = document.getElementById("details");
  const properties = node.data("properties") || {};
  clear(panel,
    h("h2", {}, `${KIND_NAMES[node.data("kind")] || ""} ${node.data("label")}`),
    h("dl", { class: "facts" }, Object.entries(properties).flatMap(([key, value]) => [h("dt", {}, label(key)), h("dd", {}, show(value))])),
    ["cadre", "person"].includes(node.data("kind")) ? h("p", { class: "muted" }, "点击节点展开一跳 Click to expand one hop.") : null,
  );
}

const STYLE = [
  { selector: "node", style: { label: "data(label)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 4, width: 26, height: 26, "background-color": "#8a98a8", color: "#1d2733" } },
  { selector: "node[kind = 'cadre']", style: { "background-color": "#c0392b", shape: "ellipse", width: 34, height: 34 } },
  { selector: "node[kind = 'person']", style: { "background-color": "#e67e22" } },
  { selector: "node[kind = 'post']", style: { "background-color": "#2980b9", shape: "round-rectangle" } },
  { selector: "node[kind = 'unit']", style: { "background-color": "#16a085", shape: "rectangle" } },
  { selector: "node[kind = 'org']", style: { "background-color": "#8e44ad", shape: "diamond" } },
  { selector: "node.root", style: { "border-width": 4, "border-color": "#1d2733" } },
  { selector: "edge", style: { label: "data(label)", "font-size": 9, color: "#555", width: 1.5, "line-color": "#b7c0c9", "target-arrow-shape": "triangle", "target-arrow-color": "#b7c0c9", "curve-style": "bezier", "text-rotation": "autorotate" } },
  { selector: ".path", style: { "line-color": "#f1c40f", "target-arrow-color": "#f1c40f", width: 5, "border-width": 5, "border-color": "#f1c40f" } },
];

async function start() {
  if (!frame("/explore")) return;
  const status = h("div", { id: "status", "aria-live": "polite" });
  clear(main, h("div", { class: "explore" },
    controls(),
    h("section", { class: "card graph-card" },
      h("div", { class: "graph-head" }, h("strong", { id: "graph-summary" }, ""), h("span", { id: "path-summary", class: "path-summary" })),
      status,
      h("div", { id: "graph", "data-testid": "graph" }),
      h("details", { open: true }, h("summary", {}, "图中节点 Nodes in view"), h("ul", { id: "node-list", class: "node-list", "data-testid": "node-list" }))),
    h("aside", { id: "details", class: "card details" }, h("p", { class: "muted" }, "选择节点查看属性 Select a node to see what your agency may read about it."))));
  state.schema = await loadSchema(status);
  if (!state.schema) return;
  if (!queryField(state.schema, "network")) {
    return message(status, "本机构的接口没有关系图查询 Your agency's schema has no graph queries (network).", "info");
  }
  state.nodeFields = nodeSelection(state.schema);
  state.edgeFields = selection(state.schema, "GraphEdge", ["id", "kind", "source", "target", "properties"]);
  state.cy = cytoscape({ container: document.getElementById("graph"), style: STYLE, wheelSensitivity: 0.3, minZoom: 0.2, maxZoom: 3 });
  window.hubGraph = state.cy;
  state.cy.on("tap", "node", (event) => { details(event.target); expand(event.target); });
  document.getElementById("explore-form").addEventListener("submit", draw);
  document.getElementById("find-path").addEventListener("click", findPath);
  document.getElementById("search").addEventListener("input", search);
  const params = new URLSearchParams(location.search);
  if (params.get("hops")) document.getElementById("hops").value = params.get("hops");
  if (params.get("from")) document.getElementById("path-from").value = params.get("from");
  if (params.get("to")) document.getElementById("path-to").value = params.get("to");
  if (params.get("person")) {
    document.getElementById("person").value = params.get("person");
    await draw();
  }
  if (params.get("from") && params.get("to")) await findPath();
}

start().finally(() => {
  document.body.dataset.ready = "true";
});
