"""Schemathesis against an app in process: every operation, bounded examples, findings listed.

Cases are generated from the app's own OpenAPI document (positive and negative data), sent
through the test's client (so the app runs on the fixtures' real servers), and each answer is
checked: no server error, a status code the document declares, the declared content type,
and a body that matches the declared schema.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BASE_URL = "http://testserver"


@dataclass
class Findings:
    """What fuzzing found: one line per failed check, and how many requests were sent."""

    requests: int = 0
    statuses: dict[str, set[int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def distinct(self) -> list[str]:
        """Return each kind of failure once (operation, status and check)."""
        return sorted({f.split(":")[0] for f in self.failures})


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    text = value if isinstance(value, str) else str(value)
    return text.encode("utf-8", "surrogatepass")


def _multipart(files: list[tuple[str, tuple[Any, ...]]] | None) -> list[Any] | None:
    """Return generated multipart parts as httpx takes them: text names, bytes contents."""
    if files is None:
        return None
    parts: list[Any] = []
    for name, (filename, content, *rest) in files:
        safe_name = name.encode("utf-8", "backslashreplace").decode("utf-8")
        parts.append((safe_name, (filename, _as_bytes(content), *rest)))
    return parts


def _send(client: TestClient, case: Case[Any], headers: Mapping[str, str]) -> Any:
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    kwargs["headers"].update(headers)  # the test's token, whatever the case generated
    content = kwargs.pop("data", None)
    response = client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=kwargs.get("headers"),
        cookies=kwargs.get("cookies") or None,
        json=kwargs.get("json"),
        files=_multipart(kwargs.get("files")),
        content=content if isinstance(content, bytes | str) else None,
        data=content if isinstance(content, dict) else None,
    )
    response.request.read()  # a multipart body streams; the checks read it again
    return response


@dataclass(frozen=True)
class _Target:
    """One operation in one generation mode, sent through one client."""

    client: TestClient
    operation: APIOperation[Any, Any, Any, Any]
    mode: GenerationMode
    headers: Mapping[str, str]

    def probe(self, case: Case[Any], findings: Findings) -> None:
        """Send case and record what the checks say of the answer."""
        label = self.operation.label
        response = _send(self.client, case, self.headers)
        findings.requests += 1
        findings.statuses.setdefault(label, set()).add(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS, headers=dict(self.headers))
        except FailureGroup as group:
            findings.failures.extend(
                f"{label} [{self.mode.value}] {response.status_code} "
                f"{failure.title}: {' '.join(failure.message.split())[:300]}"
                for failure in group.exceptions
            )

    def run(self, findings: Findings, *, max_examples: int, pinned: dict[str, Any]) -> None:
        """Generate up to max_examples cases (explicit examples first) and probe each."""

        @settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(
            self.operation.as_strategy(generation_mode=self.mode, path_parameters=pinned or None)
        )
        def probe(case: Case[Any]) -> None:
            self.probe(case, findings)

        probe()


def fuzz(
    client: TestClient,
    openapi: dict[str, Any],
    *,
    headers_for: Callable[[str], Mapping[str, str]],
    path_parameters: Mapping[str, Any] | None = None,
    max_examples: int = 25,
) -> Findings:
    """Send generated requests to every operation of openapi; return what the checks found.

    headers_for(label) gives the headers of an operation (its bearer token); path_parameters
    pins path parameters to ids that exist, so requests reach past the 404.
    """
    schema = schemathesis.openapi.from_dict(openapi)
    findings = Findings()
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    # Deletions last, so the ids pinned in paths exist for every other operation.
    for operation in sorted(operations, key=lambda op: op.method.upper() == "DELETE"):
        pinned = {k: v for k, v in (path_parameters or {}).items() if f"{{{k}}}" in operation.path}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            target = _Target(client, operation, mode, headers_for(operation.label))
            target.run(findings, max_examples=max_examples, pinned=pinned)
    return findings
