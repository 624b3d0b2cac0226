// Talking to the hub as the logged-in agency: the token lives in sessionStorage, every request carries it.
// Pages never decide access: they ask /graphql, and build queries only from fields that the agency's own
// schema (read by introspection with the same token) contains.
import { buildClientSchema, getIntrospectionQuery, getNamedType, isLeafType, isObjectType } from "graphql";

const TOKEN_KEY = "hub.token";
const PURPOSE_KEY = "hub.purpose";

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY) || "",
  purpose: () => sessionStorage.getItem(PURPOSE_KEY) || "",
  login(token, purpose) {
    sessionStorage.clear();
    sessionStorage.setItem(TOKEN_KEY, token.trim());
    this.setPurpose(purpose || "");
  },
  setPurpose(purpose) {
    sessionStorage.setItem(PURPOSE_KEY, purpose.trim());
  },
  logout() {
    sessionStorage.clear(); // the token, the purpose and every page's saved state (e.g. GraphiQL's tabs)
  },
  /** The token's claims, for display only (the hub verifies the token on every request). */
  claims() {
    try {
      const payload = this.token().split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return {};
    }
  },
};

export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/** Headers every request to the hub carries: the bearer token and, when stated, the purpose (percent-encoded UTF-8). */
export function authHeaders() {
  const headers = { Authorization: `Bearer ${session.token()}` };
  if (session.purpose()) headers["X-Purpose"] = encodeURIComponent(session.purpose());
  return headers;
}

/** Run a GraphQL operation; resolves to `data`, rejects with the first error's message and code. */
export async function gql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...authHeaders() },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`the hub answered ${response.status}`, "HTTP");
  }
  if (body.errors && body.errors.length) {
    const first = body.errors[0];
    throw new ApiError(first.message, (first.extensions && first.extensions.code) || "ERROR");
  }
  return body.data;
}

let schemaPromise = null;

/** The agency's own schema (introspection with the user's token), cached for the page's life. */
export function agencySchema() {
  if (!schemaPromise) {
    schemaPromise = gql(getIntrospectionQuery()).then((data) => buildClientSchema(data));
    schemaPromise.catch(() => {
      schemaPromise = null;
    });
  }
  return schemaPromise;
}

export function queryField(schema, name) {
  return schema.getQueryType()?.getFields()[name] || null;
}

export function mutationField(schema, name) {
  return schema.getMutationType()?.getFields()[name] || null;
}

export function typeFields(schema, typeName) {
  const type = schema.getType(typeName);
  return isObjectType(type) ? type.getFields() : {};
}

/**
 * A selection set of the wanted fields that exist on `typeName` in this schema, or "" when none does.
 * `wanted` lists field names (leaf fields) and [name, wantedOfThatType] pairs (object fields).
 */
export function selection(schema, typeName, wanted) {
  const fields = typeFields(schema, typeName);
  const parts = [];
  for (const entry of wanted) {
    const [name, nested] = Array.isArray(entry) ? entry : [entry, null];
    const field = fields[name];
    if (!field) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) {
      if (!nested) parts.push(name);
    } else if (nested) {
      const inner = selection(schema, named.name, nested);
      if (inner) parts.push(`${name} ${inner}`);
    }
  }
  return parts.length ? `{ ${parts.join(" ")} }` : "";
}
