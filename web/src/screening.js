// The Organization Department's screening page for a nomination: the selection's nominees checked against the
// negative list (screenNominees) and each candidate's joint review board (who answered, what is pending, the
// conclusion). Other agencies see what their own schema holds of the same operations.
import { gql, queryField, selection } from "./lib/api.js";
import { clear, frame, h, loadSchema, message, show, table } from "./lib/ui.js";

const main = document.getElementById("main");

function verdictBadge(verdict) {
  return h("span", { class: `badge ${String(verdict).toLowerCase()}`, "data-verdict": verdict }, show(verdict), ` ${verdict}`);
}

async function reviewList(schema, container) {
  if (!queryField(schema, "jointReviews")) return;
  const review = selection(schema, "JointReview", ["id", "status", "deadline", "conclusion", ["candidate", ["id", "name"]], ["post", ["title", ["unit", ["name"]]]], ["selection", ["id"]]]);
  const data = await gql(`{ jointReviews(first: 30) { totalCount edges { node ${review} } } }`);
  const rows = data.jointReviews.edges.map(({ node }) => node);
  clear(container, h("h2", {}, `联审 Joint reviews (${data.jointReviews.totalCount})`),
    rows.length === 0 ? h("p", { class: "muted" }, "暂无联审 No joint reviews visible to your agency.") :
      h("ul", { class: "picks", "data-testid": "review-list" }, rows.map((row) => h("li", {},
        row.selection ? h("a", { href: `/screening?selection=${row.selection.id}` }, `#${row.id} ${row.candidate?.name || ""} → ${row.post?.title || ""}`)
          : h("span", {}, `#${row.id} ${row.candidate?.name || ""} → ${row.post?.title || ""}`),
        " ", h("span", { class: "muted" }, show(row.status), " ", show(row.conclusion))))));
}

async function ranking(schema, selectionId) {
  const wanted = [
    ["selection", ["id", "openedOn", "status", "notes", ["nominations", ["id", "nominatedOn", ["nominee", ["id", "name"]], ["nominator", ["id", "name"]]]]]],
    ["post", ["id", "title", "rank", "isKeyPost", ["unit", ["name"]]]],
    "minimumCandidates", "eligibleCandidates", "meetsMinimum",
    ["candidates", ["rank", "score", "verdict", "eligible", ["nomination", [["nominee", ["id", "name"]]]]]],
  ];
  const data = await gql(`query Ranking($id: Int!) { rankCandidates(selectionId: $id) ${selection(schema, "FitRanking", wanted)} }`, { id: selectionId });
  return data.rankCandidates;
}

async function screen(schema, cadreIds, postId) {
  const wanted = [
    ["results", [["cadre", ["id", "name"]], "verdict", ["reasons", ["rule", "verdict", "explanation", ["negativeRecord", ["category", "status", "reportingAgency"]]]]]],
    "unknownCadreIds",
  ];
  const data = await gql(`query Screen($ids: [Int!]!, $post: Int!) { screenNominees(cadreIds: $ids, postId: $post) ${selection(schema, "Screening", wanted)} }`, { ids: cadreIds, post: postId });
  return data.screenNominees;
}

async function boards(schema, candidateIds) {
  const review = selection(schema, "JointReview", [
    "id", "status", "deadline", "openedOn", "conclusion", "concludedAt", "note", ["post", ["title"]], ["candidate", ["id", "name"]],
    ["answers", ["agency", "verdict", "findings", "answeredAt"]], "pendingAgencies",
  ]);
  const found = [];
  for (const id of candidateIds) {
    const data = await gql(`query Reviews($id: Int) { jointReviews(candidateId: $id, first: 5) { edges { node ${review} } } }`, { id });
    found.push(...data.jointReviews.edges.map(({ node }) => node));
  }
  return found;
}

function board(review) {
  const answers = review.answers || [];
  return h("section", { class: "card board", "data-review": review.id, "data-testid": "review-board" },
    h("h3", {}, `联审 #${review.id} ${review.candidate?.name || ""} → ${review.post?.title || ""}`),
    h("p", {}, "状态 Status: ", h("strong", { "data-field": "status" }, show(review.status)),
      review.deadline ? ` · 期限 deadline ${review.deadline}` : "",
      " · 结论 Conclusion: ", h("strong", { "data-field": "conclusion" }, review.conclusion ? `${show(review.conclusion)} ${review.conclusion}` : "待审定 pending")),
    h("h4", {}, `已答复 Answered (${answers.filter((a) => a.answeredAt).length})`),
    table(answers.filter((a) => a.answeredAt).map((a) => ({ agency: a.agency, verdict: a.verdict, findings: a.findings, answeredAt: a.answeredAt?.slice(0, 16).replace("T", " ") })), { testid: "answers", empty: "尚无答复 No answers yet." }),
    "pendingAgencies" in review ? h("p", { "data-testid": "pending" }, "待答复 Pending: ",
      review.pendingAgencies.length ? review.pendingAgencies.map((agency) => `${show(agency)} ${agency}`).join("、") : "无 none") : null,
    review.note ? h("p", { class: "muted" }, review.note) : null);
}

function screeningResults(screening) {
  return h("section", { class: "card", "data-testid": "screening" }, h("h2", {}, "负面清单筛查 Screening against the negative list"),
    (screening.results || []).map((result) => h("div", { class: "nominee", "data-cadre": result.cadre?.id },
      h("h3", {}, result.cadre?.name || "", " ", verdictBadge(result.verdict)),
      table((result.reasons || []).map((r) => ({ verdict: r.verdict, rule: r.rule, explanation: r.explanation,
        category: r.negativeRecord?.category, status: r.negativeRecord?.status })), { empty: "无负面信息 Nothing on the negative list." }))),
    screening.unknownCadreIds?.length ? h("p", { class: "muted" }, `不可见的编号 Not visible to you: ${screening.unknownCadreIds.join(", ")}`) : null);
}

/** For agencies that screen nomination lists without seeing selections (e.g. the discipline commission). */
function directScreening(schema, body) {
  const post = h("input", { id: "screen-post", type: "number", min: 1, placeholder: "岗位编号 post id" });
  const cadres = h("input", { id: "screen-cadres", placeholder: "干部编号 cadre ids: 2, 4" });
  const output = h("div");
  const form = h("form", { class: "card" }, h("h2", {}, "名单筛查 Screen a nomination list"),
    h("label", { for: "screen-post" }, "岗位 Post"), post, h("label", { for: "screen-cadres" }, "人选 Nominees"), cadres,
    h("button", { type: "submit" }, "筛查 Screen"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ids = cadres.value.split(/[,，\s]+/).map(Number).filter((id) => id > 0);
    try {
      clear(output, screeningResults(await screen(schema, ids, Number(post.value))));
    } catch (error) {
      message(output, error.message);
    }
  });
  clear(body, form, output);
}

async function showSelection(schema, selectionId, body) {
  if (!queryField(schema, "rankCandidates")) {
    return clear(body, h("p", { class: "muted" }, "本机构的接口不能查看选任 Your agency's schema has no selections (rankCandidates)."));
  }
  const rank = await ranking(schema, selectionId);
  const nominations = rank.selection?.nominations || [];
  const cadreIds = [...new Set(nominations.map((n) => n.nominee?.id).filter(Boolean))];
  const parts = [
    h("section", { class: "card" },
      h("h1", { "data-testid": "selection-title" }, `选任 #${selectionId}: ${rank.post?.title || ""} · ${rank.post?.unit?.name || ""}`),
      h("p", {}, `${show(rank.selection?.status)} · ${rank.post?.isKeyPost ? "重点岗位 key post · " : ""}`,
        `候选人 ${rank.eligibleCandidates ?? "?"} / 至少 ${rank.minimumCandidates ?? "?"} `, rank.meetsMinimum === false ? h("span", { class: "badge caution" }, "人选不足 too few candidates") : ""),
      h("h2", {}, "提名 Nominations"),
      table(nominations.map((n) => ({ nominee: n.nominee?.name, nominator: n.nominator?.name, nominatedOn: n.nominatedOn })), { testid: "nominations" })),
  ];
  if (queryField(schema, "screenNominees") && rank.post && cadreIds.length) {
    parts.push(screeningResults(await screen(schema, cadreIds, rank.post.id)));
  }
  if (queryField(schema, "jointReviews") && cadreIds.length) {
    const reviews = await boards(schema, cadreIds);
    parts.push(h("section", { class: "card" }, h("h2", {}, "联审 Joint review board"),
      reviews.length ? reviews.map(board) : h("p", { class: "muted" }, "尚未发起联审 No joint review opened for these nominees.")));
  }
  clear(body, parts);
}

async function start() {
  if (!frame("/screening")) return;
  const status = h("div", { id: "status" });
  const input = h("input", { id: "selection-id", type: "number", min: 1, placeholder: "1" });
  const form = h("form", { class: "row" }, input, h("button", { type: "submit" }, "打开 Open"));
  form.addEventListener("submit", (event) => { event.preventDefault(); location.href = `/screening?selection=${Number(input.value)}`; });
  const reviews = h("div");
  const body = h("div", { id: "screening-body" });
  clear(main, h("div", { class: "split" },
    h("aside", { class: "card" }, h("label", { for: "selection-id" }, "选任编号 Selection id"), form, reviews),
    h("div", {}, status, body)));
  const schema = await loadSchema(status);
  if (!schema) return;
  try {
    await reviewList(schema, reviews);
    const selectionId = Number(new URLSearchParams(location.search).get("selection"));
    if (selectionId) {
      input.value = selectionId;
      await showSelection(schema, selectionId, body);
    } else if (!queryField(schema, "rankCandidates") && queryField(schema, "screenNominees")) {
      directScreening(schema, body);
    } else {
      clear(body, h("p", { class: "muted" }, "输入选任编号或选择联审 Enter a selection id or pick a joint review."));
    }
  } catch (error) {
    message(status, error.message);
  }
}

start().finally(() => {
  document.body.dataset.ready = "true";
});
