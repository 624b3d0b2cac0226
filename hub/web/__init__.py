"""The views people use out of the box (investigator graph, cadre file, screening, bulk import, cases, GraphiQL),
and the dossiers (a cadre's or a case's file as PDF or workbook).

Pages are static shells served from `static/` (bundled from `web/` at build time); every piece of data they
show comes from /graphql with the user's own token, so each agency sees exactly what its policy allows.
"""

from hub.web.routes import web_routes

__all__ = ["web_routes"]
