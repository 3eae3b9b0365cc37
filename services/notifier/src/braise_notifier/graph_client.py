"""Ask the graph service for a consultant's revival candidates (the `braise_shared.candidates`
contract), and parse its answer into those models."""

import httpx
from pydantic import BaseModel, ValidationError

from braise_shared.auth import issue_token
from braise_shared.candidates import RevivalCandidate, RevivalCandidates
from braise_shared.metrics import GRAPH_CALL_SECONDS
from braise_shared.shape import NetworkShape


class GraphStats(BaseModel):
    """What the notifier reads of the graph's `/v1/stats`."""

    consultants: int
    links_by_stage: dict[str, int]


class GraphUnavailableError(RuntimeError):
    """The graph service did not answer (or answered 5xx): worth retrying later."""


class GraphContractError(RuntimeError):
    """The graph answered something that is not the candidates contract."""


class GraphClient:
    """A service-authenticated client of the graph read API."""

    def __init__(
        self,
        base_url: str,
        jwt_secret: str,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        token = issue_token(jwt_secret, "service", "notifier")
        self.http = httpx.Client(
            base_url=base_url,
            timeout=timeout_s,
            headers={"Authorization": f"Bearer {token}"},
            transport=transport,
        )

    def candidates(
        self, consultant_id: str, *, dormant: int, cooling: int
    ) -> list[RevivalCandidate]:
        """Return at most `dormant` dormant then `cooling` cooling candidates, each best first;
        none if the graph does not know the consultant."""
        try:
            with GRAPH_CALL_SECONDS.time():
                response = self.http.get(
                    f"/v2/consultants/{consultant_id}/revival-candidates",
                    params={"dormant": dormant, "cooling": cooling},
                )
        except httpx.TransportError as exc:
            raise GraphUnavailableError(f"graph unreachable: {exc}") from exc
        if response.status_code == 404:
            return []
        if response.status_code >= 500:
            raise GraphUnavailableError(f"graph answered {response.status_code}")
        response.raise_for_status()
        try:
            return RevivalCandidates.model_validate_json(response.content).candidates
        except ValidationError as exc:
            raise GraphContractError(f"graph's candidates do not parse: {exc}") from exc

    def stats(self) -> GraphStats:
        """Return the graph's counts (consultants, links per stage), or raise GraphUnavailable."""
        return GraphStats.model_validate_json(self._get("/v1/stats").content)

    def shape(self, *, max_nodes: int) -> NetworkShape:
        """Return the network's anonymous shape, or raise GraphUnavailableError."""
        return NetworkShape.model_validate_json(
            self._get("/v1/shape", params={"max_nodes": max_nodes}).content
        )

    def _get(self, path: str, params: dict[str, int] | None = None) -> httpx.Response:
        try:
            response = self.http.get(path, params=params)
        except httpx.TransportError as exc:
            raise GraphUnavailableError(f"graph unreachable: {exc}") from exc
        if response.status_code >= 400:
            raise GraphUnavailableError(f"graph answered {response.status_code} to {path}")
        return response

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()
