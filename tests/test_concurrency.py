"""Two agencies update the same record at the same moment through a real server: with expectedVersion one wins and
the other gets VersionConflict; without it both apply, one after the other, and the version rises by two."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from bench.load import serve
from hub.auth import mint_token
from hub.settings import Settings

UPDATE = ("mutation($v: String, $e: Int) { updateCadre(id: 1, input: {nativePlace: $v}, expectedVersion: $e) "
          "{ __typename ... on Cadre { version nativePlace } ... on VersionConflict { currentVersion } } }")


async def race(base: str, settings: Settings, expected: int | None, values: tuple[str, str]) -> list[dict[str, Any]]:
    tokens = [mint_token(settings, agency="org", user=user, jurisdiction="huzhou", level="city") for user in ("a", "b")]
    async with httpx.AsyncClient(base_url=base, timeout=30) as one, httpx.AsyncClient(base_url=base, timeout=30) as two:
        responses = await asyncio.gather(*(
            client.post("/graphql", json={"query": UPDATE, "variables": {"v": value, "e": expected}},
                        headers={"Authorization": f"Bearer {token}"})
            for client, token, value in ((one, tokens[0], values[0]), (two, tokens[1], values[1]))
        ))
    for response in responses:
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text
    return [response.json()["data"]["updateCadre"] for response in responses]


def current(base: str, settings: Settings) -> dict[str, Any]:
    token = mint_token(settings, agency="org", user="c", jurisdiction="huzhou", level="city")
    response = httpx.post(f"{base}/graphql", json={"query": "{ cadre(id: 1) { version nativePlace } }"},
                          headers={"Authorization": f"Bearer {token}"})
    return response.json()["data"]["cadre"]  # type: ignore[no-any-return]


def test_concurrent_updates_with_and_without_expected_version(world: Any, settings: Settings, tmp_path: Path) -> None:
    with serve(settings.database_url, tmp_path) as base:
        start = current(base, settings)["version"]
        results = await_(race(base, settings, expected=start, values=("浙江德清", "浙江长兴")))
        kinds = sorted(result["__typename"] for result in results)
        assert kinds == ["Cadre", "VersionConflict"], results
        winner = next(r for r in results if r["__typename"] == "Cadre")
        loser = next(r for r in results if r["__typename"] == "VersionConflict")
        assert loser["currentVersion"] == start + 1
        assert current(base, settings) == {"version": start + 1, "nativePlace": winner["nativePlace"]}

        results = await_(race(base, settings, expected=None, values=("浙江安吉", "浙江南浔")))
        assert [r["__typename"] for r in results] == ["Cadre", "Cadre"]
        assert sorted(r["version"] for r in results) == [start + 2, start + 3], (start, results, current(base, settings))
        final = current(base, settings)
        assert final["version"] == start + 3
        assert final["nativePlace"] == next(r for r in results if r["version"] == start + 3)["nativePlace"]


def await_(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
