// Bulk reporting: download the agency's template, upload the half-year report, follow the progress (NDJSON
// stream from POST /reports/import) and read every failing row's number, column and reason.
import { authHeaders } from "./lib/api.js";
import { clear, frame, h, message, table } from "./lib/ui.js";

const main = document.getElementById("main");
const PHASES = { read: "读取 Reading", validate: "校验 Validating", write: "写入 Writing" };

async function download(format, status) {
  const response = await fetch(`/reports/template?format=${format}`, { headers: authHeaders() });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    return message(status, body.errors?.[0]?.message || `the hub answered ${response.status}`);
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "")?.[1] || `template.${format}`;
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function showResult(result, container) {
  if (result.ok) {
    clear(container, h("div", { class: "message info", "data-testid": "import-ok" }, `已导入 ${result.imported} 条 Imported ${result.imported} rows.`));
    return;
  }
  const more = result.errorCount > result.errors.length ? ` (showing the first ${result.errors.length})` : "";
  clear(container,
    h("div", { class: "message error", role: "alert", "data-testid": "import-failed" },
      `未导入任何记录 Nothing was imported: ${result.errorCount} problem(s)${more}. Fix them and upload the whole file again.`),
    table(result.errors.map((e) => ({ row: e.row, column: e.column || "—", reason: e.reason })), { testid: "import-errors" }));
  for (const [index, th] of container.querySelectorAll("th").entries()) th.textContent = ["行 Row", "列 Column", "原因 Reason"][index];
}

async function upload(file, progress, output) {
  progress.hidden = false;
  progress.value = 0;
  const response = await fetch(`/reports/import?filename=${encodeURIComponent(file.name)}`, {
    method: "POST",
    headers: { ...authHeaders(), Accept: "application/x-ndjson", "Content-Type": file.type || "application/octet-stream" },
    body: file,
  });
  if (!response.ok || !response.body) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.errors?.[0]?.message || `the hub answered ${response.status}`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const label = document.getElementById("progress-label");
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      if (line.progress) {
        const { phase, done: count, total } = line.progress;
        progress.max = Math.max(total, 1);
        progress.value = count;
        label.textContent = `${PHASES[phase] || phase}: ${count.toLocaleString()} / ${total.toLocaleString()}`;
      } else if (line.result) {
        progress.value = progress.max;
        showResult(line.result, output);
      }
    }
  }
}

function start() {
  if (!frame("/import")) return;
  const status = h("div", { id: "status" });
  const output = h("div", { id: "import-result" });
  const file = h("input", { type: "file", id: "report-file", accept: ".xlsx,.csv" });
  const progress = h("progress", { id: "import-progress", max: 1, value: 0, hidden: true });
  const form = h("form", { class: "card", id: "import-form" },
    h("h1", {}, "报送导入 Half-year report"),
    h("p", { class: "muted" }, "每一行都会校验；任一行有误则全部不导入 Every row is checked; if any row fails, nothing is imported."),
    h("p", {}, "模板 Template: ",
      h("button", { type: "button", class: "link", id: "template-xlsx", onclick: () => download("xlsx", status) }, "Excel (.xlsx)"), " · ",
      h("button", { type: "button", class: "link", id: "template-csv", onclick: () => download("csv", status) }, "CSV")),
    h("label", { for: "report-file" }, "报送文件 Report file"), file,
    h("button", { type: "submit", id: "upload" }, "上传并导入 Upload and import"),
    progress, h("span", { id: "progress-label", class: "muted" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!file.files.length) return message(status, "请选择文件 Choose a file first.");
    message(status, "");
    clear(output);
    try {
      await upload(file.files[0], progress, output);
    } catch (error) {
      message(status, error.message);
    }
  });
  clear(main, h("div", { class: "narrow-wide" }, status, form, output));
}

start();
document.body.dataset.ready = "true";
