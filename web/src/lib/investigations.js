// Saved investigations on the investigator's view: the drawn subgraph, its layout and notes, saved to a case and
// opened again by anyone of the agency (the hub audits each opening, with the case number as its purpose).
import { gql } from "./api.js";
import { clear, h, message } from "./ui.js";

function snapshot(cy) {
  const nodes = cy.nodes().map((node) => ({ id: node.id(), kind: node.data("kind"), name: node.data("name"), typename: node.data("typename"), properties: node.data("properties") }));
  const edges = cy.edges().map((edge) => ({ id: edge.id(), kind: edge.data("kind"), source: edge.data("source"), target: edge.data("target"), properties: edge.data("properties") }));
  const layout = Object.fromEntries(cy.nodes().map((node) => [node.id(), node.position()]));
  return { subgraph: { nodes, edges, root: cy.nodes(".root").map((node) => node.id()) }, layout };
}

function restore(state, helpers, saved) {
  const cy = state.cy;
  helpers.reset();
  const nodes = saved.subgraph.nodes.map((node) => ({ id: node.id, __typename: node.typename, name: node.name, ...node.properties }));
  helpers.merge(nodes, saved.subgraph.edges);
  cy.nodes().forEach((node) => {
    const position = saved.layout[node.id()];
    if (position) node.position(position);
  });
  for (const id of saved.subgraph.root || []) cy.getElementById(id).addClass("root");
  cy.fit(undefined, 30);
}

export function mount(state, helpers) {
  const caseNumber = h("input", { id: "investigation-case", placeholder: "案件编号 case number" });
  const title = h("input", { id: "investigation-title", placeholder: "标题 title" });
  const notes = h("textarea", { id: "investigation-notes", rows: 3, placeholder: "笔记 notes" });
  const list = h("ul", { id: "investigations", class: "findings", "data-testid": "investigations" });
  const status = h("div", { id: "investigation-status" });
  const save = h("button", { type: "button", id: "save-investigation" }, "保存到案件 Save to case");
  const refresh = h("button", { type: "button", id: "list-investigations", class: "link" }, "本机构已保存 Saved by my agency");

  async function listSaved() {
    try {
      const found = (await gql("query Saved($case: String) { investigations(caseNumber: $case) { id caseNumber title author savedAt } }",
        { case: caseNumber.value.trim() || null })).investigations;
      clear(list, found.map((item) => h("li", { "data-investigation": item.id },
        h("button", { type: "button", class: "link", onclick: () => open(item.id) }, `${item.caseNumber} · ${item.title}`),
        h("div", { class: "muted" }, `${item.author} · ${item.savedAt.slice(0, 16).replace("T", " ")}`))));
    } catch (error) {
      message(status, error.message);
    }
  }

  async function open(id) {
    try {
      const saved = (await gql("query Open($id: Int!) { openInvestigation(id: $id) { id caseNumber title notes subgraph layout } }", { id })).openInvestigation;
      restore(state, helpers, saved);
      caseNumber.value = saved.caseNumber;
      title.value = saved.title;
      notes.value = saved.notes;
      message(status, `已打开 Opened ${saved.caseNumber} · ${saved.title}`, "info");
    } catch (error) {
      message(status, error.message);
    }
  }

  save.addEventListener("click", async () => {
    const { subgraph, layout } = snapshot(state.cy);
    const input = { caseNumber: caseNumber.value.trim(), title: title.value.trim() || caseNumber.value.trim(), notes: notes.value, subgraph, layout };
    try {
      const saved = (await gql("mutation Save($input: InvestigationInput!) { saveInvestigation(input: $input) { id caseNumber } }", { input })).saveInvestigation;
      message(status, `已保存 Saved to ${saved.caseNumber}`, "info");
      await listSaved();
    } catch (error) {
      message(status, error.message);
    }
  });
  refresh.addEventListener("click", listSaved);
  const form = document.getElementById("explore-form");
  form.append(h("hr"), h("label", { for: "investigation-case" }, "调查存档 Saved investigation"), caseNumber, title, notes, save, refresh, status, list);
}
