"""The known world projected into the test session's local Neo4j, with settings that point the hub at it."""

from __future__ import annotations

import dataclasses

from sqlalchemy import Engine

from graph_sync.cypher import ensure_schema
from graph_sync.driver import open_driver
from graph_sync.rebuild import rebuild
from hub.settings import Settings


def project_world(world: Engine, settings: Settings, neo4j_settings: Settings) -> Settings:
    """Empty the graph, project `world` into it; `settings` with the server's address and credentials."""
    app_settings = dataclasses.replace(
        settings, neo4j_uri=neo4j_settings.neo4j_uri, neo4j_user=neo4j_settings.neo4j_user,
        neo4j_password=neo4j_settings.neo4j_password,
    )
    driver = open_driver(app_settings)
    try:
        with driver.session() as session:
            session.run("MATCH (n) DETACH DELETE n").consume()
        ensure_schema(driver)
        rebuild(world, driver, progress=False)
    finally:
        driver.close()
    return app_settings
