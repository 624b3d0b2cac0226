"""The Strawberry GraphQL schema of the hub: record types, queries, mutations and their loaders."""
