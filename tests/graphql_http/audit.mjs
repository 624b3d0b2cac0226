// Runs graphql-http's GraphQL-over-HTTP server audits against a running hub and prints the results as JSON.
// Usage: node audit.mjs <graphql url> <bearer token>
import { auditServer } from "graphql-http";

const [url, token] = process.argv.slice(2);
const fetchWithToken = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  headers.set("Authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url, fetchFn: fetchWithToken });
console.log(JSON.stringify(results.map(({ id, name, status, reason }) => ({ id, name, status, reason })), null, 1));
