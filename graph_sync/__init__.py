"""The relationship graph: a local Neo4j, the projection of the records into it, and the graph queries."""
