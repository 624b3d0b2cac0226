"""App shell modules: what the HTTP application serves besides GraphQL itself."""
