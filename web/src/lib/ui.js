// Small DOM helpers shared by the pages. Text is always set as text (never parsed as HTML).
import { isEnumType } from "graphql";
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

// Agencies as their codes appear in free text (the schema's Agency enum labels them too, for typed values).
export const VALUE_LABELS = {
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

// Enum values' labels, read from the agency's own schema (each value's description is "中文 (English)", declared
// once in hub/models/enum_labels.csv): per enum, and by value alone for values whose enum is not known here.
const ENUM_LABELS = new Map();
const ANY_ENUM = new Map();

function parseLabel(description) {
  const match = /^(.*?)\s*\((.*)\)\s*$/s.exec(description || "");
  return match ? { zh: match[1], en: match[2] } : null;
}

/** Learn the labels of every enum value of `schema` (done by loadSchema for every page). */
export function installLabels(schema) {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isEnumType(type) || type.name.startsWith("__")) continue;
    const values = new Map();
    for (const value of type.getValues()) {
      const parsed = parseLabel(value.description);
      if (!parsed) continue;
      values.set(value.name, parsed);
      if (!ANY_ENUM.has(value.name)) ANY_ENUM.set(value.name, parsed);
    }
    ENUM_LABELS.set(type.name, values);
  }
}

function enumLabelOf(value, enumName) {
  if (typeof value !== "string") return null;
  const name = value.toUpperCase();
  return (enumName && ENUM_LABELS.get(enumName)?.get(name)) || ANY_ENUM.get(name) || null;
}

/** An enum value in Chinese (of `enumName` when known), or the value itself. */
export function enumText(value, enumName) {
  return enumLabelOf(value, enumName)?.zh || show(value);
}

/** An enum value in English, for hovering (empty when unlabelled). */
export function enumHint(value, enumName) {
  return enumLabelOf(value, enumName)?.en || "";
}

/** What to show on hover for a value: the English label of an enum value, true/false for booleans. */
export function hint(value) {
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.map(hint).filter(Boolean).join(", ");
  return enumHint(value);
}

export function show(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (value === true) return "是";
  if (value === false) return "否";
  if (typeof value === "string" && VALUE_LABELS[value.toUpperCase()]) return VALUE_LABELS[value.toUpperCase()];
  if (typeof value === "string" && enumLabelOf(value)) return enumLabelOf(value).zh;
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
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((column) => h("td", { "data-field": column, title: hint(row[column]) || null }, show(row[column])))))),
  );
}

/** Definition list of one object's fields. */
export function facts(object, testid) {
  const entries = Object.entries(object || {}).filter(([key, value]) => key !== "__typename" && !Array.isArray(value));
  return h(
    "dl",
    { class: "facts", "data-testid": testid },
    entries.flatMap(([key, value]) => [h("dt", { title: key }, label(key)), h("dd", { "data-field": key, title: hint(value) || null }, show(value))]),
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
    const schema = await agencySchema();
    installLabels(schema);
    return schema;
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
