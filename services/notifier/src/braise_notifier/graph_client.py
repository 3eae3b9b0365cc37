"""Ask the graph service for revival candidates (the `braise_shared.candidates` contract), of
one consultant or of many in one request, and parse its answers into those models."""

from collections.abc import Mapping
from typing import TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from braise_shared.auth import issue_token
from braise_shared.candidates import (
    MAX_BATCH,
    CandidatesBatch,
    CandidatesRequest,
    DeclinedPeople,
    DeclinedPerson,
    FailedReader,
    RevivalCandidate,
    RevivalCandidates,
)
from braise_shared.metrics import GRAPH_CALL_SECONDS
from braise_shared.network import ConsultantLink
from braise_shared.occasions import UpcomingOccasions
from braise_shared.shape import NetworkShape, SectorLinks


class GraphStats(BaseModel):
    """What the notifier reads of the graph's `/v1/stats`."""

    consultants: int
    links_by_stage: dict[str, int]


# The most links the graph lists for one consultant (its route's own limit).
MAX_LINKS = 1000
_LINKS = TypeAdapter(list[ConsultantLink])


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
        self, consultant_id: str, *, dormant: int, cooling: int, rested: bool = True
    ) -> list[RevivalCandidate]:
        """Return at most `dormant` dormant then `cooling` cooling candidates, each best first;
        none if the graph does not know the consultant. `rested`: leave out the people
        suggested lately (a digest); False for a page."""
        try:
            with GRAPH_CALL_SECONDS.time():
                response = self.http.get(
                    f"/v3/consultants/{consultant_id}/revival-candidates",
                    params={"dormant": dormant, "cooling": cooling}
                    | ({} if rested else {"rested": "false"}),
                )
        except httpx.TransportError as exc:
            raise GraphUnavailableError(f"graph unreachable: {exc}") from exc
        if response.status_code == 404:
            return []
        return _parse(response, RevivalCandidates).candidates

    def candidates_of_many(
        self, consultant_ids: list[str], *, dormant: int, cooling: int
    ) -> Mapping[str, list[RevivalCandidate] | FailedReader]:
        """Return each consultant's candidates as `candidates` does, asking for `MAX_BATCH`
        consultants per request; none for those the graph does not know, and the graph's
        `FailedReader` (with its reason) for those it could not answer for."""
        found: dict[str, list[RevivalCandidate] | FailedReader] = {}
        for start in range(0, len(consultant_ids), MAX_BATCH):
            ids = consultant_ids[start : start + MAX_BATCH]
            request = CandidatesRequest.model_validate(
                {"consultant_ids": ids, "dormant": dormant, "cooling": cooling}
            )
            try:
                with GRAPH_CALL_SECONDS.time():
                    response = self.http.post(
                        "/v3/revival-candidates",
                        content=request.model_dump_json(exclude_none=True),
                        headers={"Content-Type": "application/json"},
                    )
            except httpx.TransportError as exc:
                raise GraphUnavailableError(f"graph unreachable: {exc}") from exc
            batch = _parse(response, CandidatesBatch)
            found |= {a.consultant_id: a.candidates for a in batch.answers}
            found |= {f.consultant_id: f for f in batch.failed}
        return {cid: found.get(cid, []) for cid in consultant_ids}

    def declined(self, consultant_id: str) -> list[DeclinedPerson]:
        """Return the people the consultant said "never" to, latest first; none if the graph
        does not know the consultant."""
        response = self._get_known(f"/v1/consultants/{consultant_id}/declined")
        if response is None:
            return []
        try:
            return DeclinedPeople.model_validate_json(response.content).people
        except ValidationError as exc:
            raise GraphContractError(f"graph's declined people do not parse: {exc}") from exc

    def links(self, consultant_id: str) -> list[ConsultantLink]:
        """Return every link of the consultant, strongest first (none if the graph does not
        know them)."""
        response = self._get_known(
            f"/v1/consultants/{consultant_id}/links", params={"limit": MAX_LINKS}
        )
        if response is None:
            return []
        try:
            return _LINKS.validate_json(response.content)
        except ValidationError as exc:
            raise GraphContractError(f"graph's links do not parse: {exc}") from exc

    def stats(self, *, timeout_s: float | None = None) -> GraphStats:
        """Return the graph's counts (consultants, links per stage), or raise GraphUnavailable.
        `timeout_s`: longer than the client's for a job that can wait (it reads every link)."""
        return GraphStats.model_validate_json(self._get("/v1/stats", timeout_s=timeout_s).content)

    def shape(self, *, max_nodes: int) -> NetworkShape:
        """Return the network's anonymous shape, or raise GraphUnavailableError."""
        return NetworkShape.model_validate_json(
            self._get("/v1/shape", params={"max_nodes": max_nodes}).content
        )

    def occasions(self) -> UpcomingOccasions:
        """Return the firm's upcoming occasions with their attendee counts, or raise
        GraphUnavailableError."""
        return UpcomingOccasions.model_validate_json(self._get("/v1/occasions").content)

    def sector_links(self, *, timeout_s: float | None = None) -> SectorLinks:
        """Return the live links between sectors, or raise GraphUnavailableError (`timeout_s`:
        as in `stats`)."""
        return SectorLinks.model_validate_json(
            self._get("/v1/sector-links", timeout_s=timeout_s).content
        )

    def _get(
        self, path: str, params: dict[str, int] | None = None, *, timeout_s: float | None = None
    ) -> httpx.Response:
        try:
            if timeout_s is None:
                response = self.http.get(path, params=params)
            else:
                response = self.http.get(path, params=params, timeout=timeout_s)
        except httpx.TransportError as exc:
            raise GraphUnavailableError(f"graph unreachable: {exc}") from exc
        if response.status_code >= 400:
            raise GraphUnavailableError(f"graph answered {response.status_code} to {path}")
        return response

    def _get_known(self, path: str, params: dict[str, int] | None = None) -> httpx.Response | None:
        """GET a consultant's resource: None when the graph does not know them (404)."""
        try:
            response = self.http.get(path, params=params)
        except httpx.TransportError as exc:
            raise GraphUnavailableError(f"graph unreachable: {exc}") from exc
        if response.status_code == 404:
            return None
        if response.status_code >= 500:
            raise GraphUnavailableError(f"graph answered {response.status_code}")
        response.raise_for_status()
        return response

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


Model = TypeVar("Model", RevivalCandidates, CandidatesBatch)


def _parse(response: httpx.Response, model: type[Model]) -> Model:
    """Return the answer as the contract's model; raise when it is not one."""
    if response.status_code >= 500:
        raise GraphUnavailableError(f"graph answered {response.status_code}")
    response.raise_for_status()
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise GraphContractError(f"graph's candidates do not parse: {exc}") from exc
