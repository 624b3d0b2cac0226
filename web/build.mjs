// Bundle the pages into ../hub/web/static (committed, so the hub serves them without npm).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "hub", "web", "static");
const pages = ["index", "explore", "cadre", "screening", "import", "graphiql", "cases"];

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "assets"), { recursive: true });

await build({
  entryPoints: Object.fromEntries(pages.map((page) => [page, join(here, "src", `${page}.${page === "graphiql" ? "jsx" : "js"}`)])),
  bundle: true,
  minify: true,
  format: "esm",
  splitting: true,
  target: ["chrome110", "firefox110", "safari16"],
  outdir: join(out, "assets"),
  chunkNames: "chunk-[hash]",
  loader: { ".woff": "dataurl", ".woff2": "dataurl", ".ttf": "dataurl", ".svg": "dataurl" },
  jsx: "automatic",
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "linked",
  logLevel: "info",
});

for (const file of readdirSync(join(here, "pages"))) copyFileSync(join(here, "pages", file), join(out, file));
copyFileSync(join(here, "src", "style.css"), join(out, "assets", "style.css"));
