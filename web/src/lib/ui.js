// Small DOM helpers shared by the pages. Text is always set as text (never parsed as HTML).
import { agencySchema, session } from "./api.js";

/** Create an element: h("a", {href: "/x", class: "y"}, "text", childElement). */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
    else if (key === "class") element.className = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function clear(element, ...children) {
  element.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined));
  return element;
}

// Chinese labels of field names and enum values; anything without one is shown as it is.
export const LABELS = {
  id: "编号", name: "姓名", gender: "性别", birthDate: "出生日期", ethnicity: "民族", nativePlace: "籍贯",
  idNumber: "身份证号", partyJoinDate: "入党时间", workStartDate: "参加工作时间", education: "学历", rank: "职级",
  managementLevel: "管理权限", reserveTier: "后备层级", jurisdiction: "辖区", unit: "单位", title: "职务",
  startDate: "起始", endDate: "截止", post: "岗位", kind: "类别", person: "人员", occupation: "职业",
  employer: "工作单位", emigratedTo: "移居", source: "来源", otherCadre: "干部", reportingAgency: "报送单位",
  category: "类别", facts: "事实", occurredOn: "发生日期", reportedOn: "报送日期", severity: "严重程度",
  status: "状态", conclusion: "审定结论", year: "年度", submittedOn: "报告日期", verifiedOn: "核查日期",
  items: "事项", description: "内容", declared: "已申报", found: "已查实", finding: "核查结论", issuedBy: "发出单位",
  issuedOn: "发出日期", dueOn: "期限", reason: "事由", reply: "回复", repliedOn: "回复日期", approved: "已审批",
  paid: "取酬", organization: "组织", nominatedOn: "提名日期", selection: "选任", nominator: "提名人",
  nominee: "被提名人", agency: "单位", verdict: "结论", findings: "意见", answeredAt: "答复时间", deadline: "期限",
  openedOn: "发起日期", concludedAt: "审定时间", note: "说明", rule: "规则", explanation: "说明", candidate: "人选",
  score: "匹配度", eligible: "符合条件", isKeyPost: "重点岗位", pendingAgencies: "待答复",
};

export const VALUE_LABELS = {
  MALE: "男", FEMALE: "女", CITY: "市管", COUNTY: "县管", SECTION: "正科级", DEPUTY_SECTION: "副科级",
  DIVISION: "正处级", DEPUTY_DIVISION: "副处级", BACHELOR: "大学本科", MASTER: "硕士研究生", DOCTORATE: "博士研究生",
  JUNIOR_COLLEGE: "大专", SECONDARY: "中专", SPOUSE: "配偶", CHILD: "子女", PARENT: "父母", SIBLING: "兄弟姐妹",
  CLASSMATE: "同学", FORMER_COLLEAGUE: "原同事", COMRADE_IN_ARMS: "战友", NEIGHBOUR: "邻居", FELLOW_TOWNSMAN: "同乡",
  BUSINESS_PARTNER: "生意伙伴", MINOR: "轻微", SERIOUS: "严重", GRAVE: "特别严重", REPORTED: "已报送", VERIFYING: "核查中",
  CONFIRMED: "属实", PARTLY_CONFIRMED: "部分属实", CLEARED: "不实澄清", CLEAR: "无异常", CAUTION: "慎用",
  DISQUALIFIED: "取消资格", INSPECTING: "考察中", PUBLIC_NOTICE: "公示中", DECIDED: "已决定", STOPPED: "已终止", SUSPENDED: "已暂缓", NORMAL: "正常", ABNORMAL: "异常", PROCEED: "继续", STOP: "终止", SUSPEND: "暂缓",
  OPEN: "进行中", CONCLUDED: "已审定", PUBLIC_ORDER: "治安违法", LITIGATION: "涉法涉诉",
  PETITION_REPORT: "信访举报", DISCIPLINE_SANCTION: "党纪政务处分", INQUIRY_LETTER: "函询", REMINDER_TALK: "提醒谈话",
  FAMILY_PLANNING: "违反计划生育", FINANCIAL_DISCIPLINE: "违反财经纪律", INEFFECTIVE_WORK: "维稳政法环保安全生产工作不力",
  SUBMITTED: "已提交", ACCEPTED: "已受理", DECLINED: "未受理",
  // The agencies, as policies/agencies.csv names them (the schema's Agency enum describes each the same way).
  ORG: "组织部 Organization Department", DISCIPLINE: "纪委监委 Discipline Inspection", POLICE: "公安 Public Security",
  COURT: "法院 People's Court", PROCURATORATE: "检察院 Procuratorate", AUDIT: "审计 Audit Bureau",
  PETITION: "信访 Letters and Visits", UNIT: "用人单位 Employing unit",
  HEALTH: "卫生健康委员会 Health Commission", ECOLOGY: "生态环境局 Ecology and Environment Bureau",
  EMERGENCY: "应急管理局 Emergency Management Bureau", POLITICAL_LEGAL: "政法委 Political and Legal Affairs Commission",
  FINANCE: "财政局 Finance Bureau", MARKET: "市场监督管理局 Market Regulation Administration",
  REAL_ESTATE: "不动产登记中心 Real Estate Registration Center", BANKING: "银行保险监管局 Banking and Insurance Regulator",
  SECURITIES: "证券监管局 Securities Regulator",
};

export function label(name) {
  return LABELS[name] || name;
}

export function show(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (value === true) return "是";
  if (value === false) return "否";
  if (typeof value === "string" && VALUE_LABELS[value.toUpperCase()]) return VALUE_LABELS[value.toUpperCase()];
  if (Array.isArray(value)) return value.map(show).join("、");
  if (typeof value === "object") return Object.values(value).map(show).join(" · ");
  return String(value);
}

/** A table of rows; columns are the union of the rows' keys (nested objects shown inline). */
export function table(rows, { empty = "无记录 (none)", testid } = {}) {
  if (!rows || rows.length === 0) return h("p", { class: "muted", "data-testid": testid }, empty);
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((key) => key !== "__typename");
  return h(
    "table",
    { class: "grid", "data-testid": testid },
    h("thead", {}, h("tr", {}, columns.map((column) => h("th", { title: column }, label(column))))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((column) => h("td", { "data-field": column }, show(row[column])))))),
  );
}

/** Definition list of one object's fields. */
export function facts(object, testid) {
  const entries = Object.entries(object || {}).filter(([key, value]) => key !== "__typename" && !Array.isArray(value));
  return h(
    "dl",
    { class: "facts", "data-testid": testid },
    entries.flatMap(([key, value]) => [h("dt", { title: key }, label(key)), h("dd", { "data-field": key }, show(value))]),
  );
}

export function message(element, text, kind = "error") {
  clear(element, text ? h("div", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text) : null);
}

const NAV = [
  ["/explore", "关系图 Investigator"],
  ["/cadre", "干部档案 Cadre file"],
  ["/screening", "选任审查 Screening"],
  ["/import", "报送导入 Bulk report"],
  ["/cases", "案件 Cases"],
  ["/graphiql", "GraphiQL"],
];

/** The page header; returns false (after sending the user to the login page) when nobody is logged in. */
export function frame(current) {
  const claims = session.claims();
  const header = h(
    "header",
    { class: "top" },
    h("a", { href: "/", class: "brand" }, "干部数据中枢 Cadre data hub"),
    h("nav", {}, NAV.map(([href, text]) => h("a", { href, class: href === current ? "current" : null }, text))),
    session.token()
      ? h(
          "span",
          { class: "who", "data-testid": "who" },
          `${claims.agency || "?"} · ${claims.sub || "?"}`,
          h("button", { type: "button", class: "link", onclick: () => { session.logout(); location.href = "/"; } }, "退出 Log out"),
        )
      : null,
  );
  document.body.prepend(header);
  if (!session.token() && current !== "/") {
    location.replace(`/?next=${encodeURIComponent(location.pathname + location.search)}`);
    return false;
  }
  return true;
}

/**
 * The agency's schema, or null after showing why not in `status`. When the agency must state a purpose
 * (the policy requires it, e.g. for inspectors), a purpose form is shown that reloads the page once filled.
 */
export async function loadSchema(status) {
  try {
    return await agencySchema();
  } catch (error) {
    if (error.code !== "PURPOSE_REQUIRED") {
      message(status, error.message);
      return null;
    }
    const input = h("input", { id: "purpose-required", placeholder: "线索核查", required: true });
    const form = h("form", { class: "message error" }, h("label", { for: "purpose-required" }, "本机构查询须说明事由 Your agency must state the purpose of access: "), input, h("button", { type: "submit" }, "确定 OK"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      session.setPurpose(input.value);
      location.reload();
    });
    clear(status, form);
    return null;
  }
}
