// Log in with a token from `hub token --agency X --user Y`; list the views this agency's schema supports.
import { agencySchema, gql, mutationField, queryField, session } from "./lib/api.js";
import { sameOriginTarget } from "./lib/redirect.js";
import { clear, frame, h, message } from "./lib/ui.js";

const main = document.getElementById("main");
frame("/");

function loginForm() {
  const token = h("textarea", { id: "token", name: "token", rows: 4, required: true, placeholder: "eyJhbGciOi…", spellcheck: "false" });
  const purpose = h("input", { id: "purpose", name: "purpose", placeholder: "例如：线索核查 (required for inspectors)" });
  const status = h("div", { id: "login-status" });
  const form = h(
    "form",
    { class: "card narrow", id: "login" },
    h("h1", {}, "登录 Log in"),
    h("p", { class: "muted" }, "Paste a token from ", h("code", {}, "hub token --agency X --user Y"), ". It stays in this browser tab only (sessionStorage)."),
    h("label", { for: "token" }, "令牌 Token"), token,
    h("label", { for: "purpose" }, "查询事由 Purpose of access"), purpose,
    h("button", { type: "submit", id: "login-button" }, "登录 Log in"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    session.login(token.value, purpose.value);
    try {
      await gql("{ __typename }");
    } catch (error) {
      if (error.code === "UNAUTHENTICATED" || error.code === "FORBIDDEN") session.logout();
      message(status, `登录失败 Login failed: ${error.message}`);
      return;
    }
    const next = new URLSearchParams(location.search).get("next");
    location.href = sameOriginTarget(next);
  });
  return form;
}

const VIEWS = [
  ["/explore", "关系图 Investigator view", "A cadre's network: relatives, ties, organizations, posts, nominations; shortest paths.", (s) => queryField(s, "network")],
  ["/cadre", "干部档案 Cadre file", "A cadre's file as your agency may read it.", (s) => queryField(s, "cadre")],
  ["/screening", "选任审查 Screening and joint review", "Nominees screened against the negative list; the joint review board.", (s) => queryField(s, "screenNominees") || queryField(s, "jointReviews")],
  ["/import", "报送导入 Bulk report", "Upload the half-year report (.xlsx / .csv); download your template.", (s) => mutationField(s, "createNegativeRecord")],
  ["/cases", "案件 Cases", "Cases you work or whose outcomes you read: triage, assignment, evidence, dossiers.", (s) => queryField(s, "cases")],
  ["/graphiql", "GraphiQL", "Your agency's schema with example operations.", () => true],
];

async function home() {
  const claims = session.claims();
  const list = h("ul", { class: "views", "data-testid": "views" });
  const status = h("div");
  clear(main, h("section", { class: "card" }, h("h1", {}, `欢迎 ${claims.sub || ""} (${claims.agency || ""})`), status, list));
  try {
    const schema = await agencySchema();
    for (const [href, title, text, available] of VIEWS) {
      if (available(schema)) list.append(h("li", {}, h("a", { href }, title), h("p", { class: "muted" }, text)));
    }
  } catch (error) {
    message(status, error.message);
  }
}

if (session.token()) home();
else clear(main, loginForm());
