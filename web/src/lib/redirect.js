// Where to go after logging in: only a page of this hub, whatever the `next` parameter says.

/**
 * `next` as an absolute URL on this page's origin, or `fallback`. Refused: other origins (`https://x`, `//x`),
 * backslashes (browsers read `/\x` as `//x`), other schemes (`javascript:`), anything not a single-slash path.
 */
export function sameOriginTarget(next, fallback = "/") {
  if (typeof next !== "string" || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return fallback;
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return fallback;
  }
  return url.origin === location.origin && url.pathname.startsWith("/") && !url.pathname.startsWith("//") ? url.href : fallback;
}
