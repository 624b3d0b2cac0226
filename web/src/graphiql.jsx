// GraphiQL on the logged-in agency's own schema, opened with the example operations that are valid in it.
import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";
import { parse, validate } from "graphql";
import { createRoot } from "react-dom/client";
import { authHeaders, session } from "./lib/api.js";
import { clear, frame, h, loadSchema } from "./lib/ui.js";

const EXAMPLES = [
  {
    title: "Cadres on the negative list",
    query: `# 负面清单上的干部 Cadres with a negative record that is not cleared
query OnTheList {
  cadres(filter: {onNegativeList: true}, first: 10) {
    totalCount
    edges { node { id name rank unit { name } negativeRecords { category status reportingAgency } } }
  }
}`,
  },
  {
    title: "A cadre's file",
    query: `# 干部档案 One cadre's file
query CadreFile($id: Int!) {
  cadre(id: $id) { id name gender birthDate idNumber rank managementLevel unit { name } posts { title unit { name } } }
}`,
    variables: { id: 1 },
  },
  {
    title: "Relatives and ties",
    query: `# 生活圈、社交圈 Relatives and social ties
query Circles($id: Int!) {
  cadre(id: $id) { name relatives { kind person { name occupation employer } } ties { kind source person { name } otherCadre { name } } }
}`,
    variables: { id: 1 },
  },
  {
    title: "Network around a cadre",
    query: `# 关系网络 The network within two hops
query Network($id: ID!) {
  network(personId: $id, hops: 2, edgeKinds: [RELATIVE_OF, TIE, OWNS, SUPPLIES]) {
    truncated
    nodes {
      id kind
      ... on CadreNode { name rank managementLevel }
      ... on PersonNode { name occupation employer }
      ... on OrganizationNode { name organizationKind industry }
    }
    edges { kind source target properties }
  }
}`,
    variables: { id: "cadre:1" },
  },
  {
    title: "Nominator to nominee",
    query: `# 提名人与被提名人的关系 Shortest paths between two people
query Paths($from: ID!, $to: ID!) {
  paths(fromId: $from, toId: $to, maxHops: 4) { nodes { id kind ... on CadreNode { name } ... on PersonNode { name } } edges { kind } }
}`,
    variables: { from: "cadre:4", to: "cadre:2" },
  },
  {
    title: "Report a negative record",
    query: `# 报送负面信息 Report one negative record
mutation Report($input: CreateNegativeRecordInput!) {
  createNegativeRecord(input: $input) {
    __typename
    ... on NegativeRecord { id category status }
    ... on ValidationErrors { errors { field message } }
  }
}`,
    variables: { input: { cadreId: 1, reportingAgency: "POLICE", category: "PUBLIC_ORDER", facts: "…", occurredOn: "2025-03-01", reportedOn: "2025-04-01", severity: "MINOR", status: "REPORTED" } },
  },
  {
    title: "Screen nominees",
    query: `# 负面清单筛查 Screen nominees for a post
query Screen($ids: [Int!]!, $post: Int!) {
  screenNominees(cadreIds: $ids, postId: $post) { results { cadre { name } verdict reasons { rule verdict explanation } } }
}`,
    variables: { ids: [2], post: 1 },
  },
  {
    title: "Joint reviews",
    query: `# 联审 Joint reviews and their answers
query Reviews {
  jointReviews(first: 10) { edges { node { id status deadline conclusion candidate { name } answers { agency verdict findings } pendingAgencies } } }
}`,
  },
  {
    title: "Access audit",
    query: `# 访问审计 Who read which cadre, when, and why
query Audit {
  accessAudit(first: 20) { edges { node { at agency user operationName cadreIds fields purpose } } }
}`,
  },
];

/** The examples that validate against this agency's schema (an agency never gets one it cannot run). */
function examplesFor(schema) {
  return EXAMPLES.filter((example) => {
    try {
      return validate(schema, parse(example.query)).length === 0;
    } catch {
      return false;
    }
  }).map((example) => ({ query: example.query, variables: example.variables ? JSON.stringify(example.variables, null, 2) : undefined }));
}

/**
 * GraphiQL keeps tabs, queries and results in storage. Kept in this tab's sessionStorage under the user and
 * agency (cleared at login and logout), never in localStorage where the next user of the browser would find them.
 */
function tabStorage() {
  const claims = session.claims();
  const prefix = `graphiql:${claims.agency || ""}:${claims.sub || ""}:`;
  return {
    getItem: (key) => sessionStorage.getItem(prefix + key),
    setItem: (key, value) => sessionStorage.setItem(prefix + key, value),
    removeItem: (key) => sessionStorage.removeItem(prefix + key),
    clear: () => {
      for (const key of Object.keys(sessionStorage)) if (key.startsWith(prefix)) sessionStorage.removeItem(key);
    },
    get length() {
      return Object.keys(sessionStorage).filter((key) => key.startsWith(prefix)).length;
    },
  };
}

async function fetcher(params) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...authHeaders() },
    body: JSON.stringify(params),
  });
  return response.json();
}

async function start() {
  if (!frame("/graphiql")) return;
  const main = document.getElementById("main");
  const status = h("div", { id: "status" });
  const root = h("div", { id: "graphiql", "data-testid": "graphiql" });
  clear(main, status, root);
  const schema = await loadSchema(status);
  if (!schema) return;
  const tabs = examplesFor(schema);
  document.body.dataset.examples = String(tabs.length);
  createRoot(root).render(
    <GraphiQL fetcher={fetcher} schema={schema} storage={tabStorage()} defaultTabs={tabs.length ? tabs : undefined} defaultEditorToolsVisibility={true} />,
  );
}

start().finally(() => {
  document.body.dataset.ready = "true";
});
