"""Ask the graph service for a consultant's revival candidates."""

from typing import Any

import httpx

from braise_shared.auth import issue_token


class GraphUnavailableError(RuntimeError):
    """The graph service did not answer (or answered 5xx): worth retrying later."""


class GraphClient:
    """A service-authenticated client of the graph read API."""

    def __init__(self, base_url: str, jwt_secret: str, timeout_s: float = 10.0) -> None:
        token = issue_token(jwt_secret, "service", "notifier")
        self.http = httpx.Client(
            base_url=base_url, timeout=timeout_s, headers={"Authorization": f"Bearer {token}"}
        )

    def candidates(self, consultant_id: str, *, locale: str, limit: int) -> list[dict[str, Any]]:
        """Return ranked candidates, dormant first; none if the graph does not know them."""
        try:
            response = self.http.get(
                f"/v1/consultants/{consultant_id}/revival-candidates",
                params={"locale": locale, "limit": limit},
            )
        except httpx.TransportError as exc:
            raise GraphUnavailableError(f"graph unreachable: {exc}") from exc
        if response.status_code == 404:
            return []
        if response.status_code >= 500:
            raise GraphUnavailableError(f"graph answered {response.status_code}")
        response.raise_for_status()
        candidates: list[dict[str, Any]] = response.json()["candidates"]
        return candidates

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()
