"""The core layer: what knows nothing of agencies, GraphQL or Neo4j."""
