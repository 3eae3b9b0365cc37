"""Profiles' API called with a consultant's own rights (a consultant JWT), as they would."""

from datetime import date, datetime, timedelta
from typing import Any

import httpx
from pydantic import BaseModel

from braise_shared.auth import issue_token
from braise_shared.events import DayOfWeek, Frequency
from braise_shared.locales import Locale


class ProfilesRefusedError(ValueError):
    """Profiles refused a change: the first field at fault and its reason."""

    def __init__(self, status: int, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.status = status
        self.field = field
        self.reason = reason


class AccountGoneError(LookupError):
    """The consultant of a page session is known nowhere any more: they were erased."""


class Preferences(BaseModel):
    """A consultant's digest preferences and consent, as profiles answers them."""

    frequency: Frequency
    day_of_week: DayOfWeek
    locale: Locale
    suggestable: bool
    resume_on: date | None = None


class AsConsultant:
    """A profiles client acting for one consultant: it can do only what they may do."""

    def __init__(
        self,
        base_url: str,
        jwt_secret: str,
        consultant_id: str,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        token = issue_token(jwt_secret, "consultant", consultant_id, ttl=timedelta(minutes=5))
        self.consultant_id = consultant_id
        self.http = httpx.Client(
            base_url=base_url,
            timeout=10.0,
            headers={"Authorization": f"Bearer {token}"},
            transport=transport,
        )

    def __enter__(self) -> "AsConsultant":
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def preferences(self) -> Preferences:
        """Return the consultant's preferences."""
        response = self.http.get(f"/v1/consultants/{self.consultant_id}/preferences")
        _raise_for(response, own=True)
        return Preferences.model_validate_json(response.content)

    def change_preferences(self, changes: dict[str, Any]) -> Preferences:
        """Change some preferences through profiles (it stages `preferences.changed`)."""
        response = self.http.put(f"/v1/consultants/{self.consultant_id}/preferences", json=changes)
        _raise_for(response, own=True)
        return Preferences.model_validate_json(response.content)

    def calendar(self) -> dict[str, Any] | None:
        """Return the consultant's connected calendar's status, or None if none is."""
        response = self.http.get(f"/v1/consultants/{self.consultant_id}/calendar")
        _raise_for(response, own=True)
        found: dict[str, Any] | None = response.json().get("calendar")
        return found

    def connect_calendar(self, connection: dict[str, str | None]) -> str | None:
        """Connect the consultant's calendar; return why its first read failed, if it did."""
        response = self.http.put(
            f"/v1/consultants/{self.consultant_id}/calendar", json=connection, timeout=60.0
        )
        _raise_for(response, own=True)
        error: str | None = response.json().get("error")
        return error

    def disconnect_calendar(self) -> None:
        """Stop reading the consultant's calendar (profiles deletes its credentials)."""
        _raise_for(self.http.delete(f"/v1/consultants/{self.consultant_id}/calendar"), own=True)

    def record_meeting(self, *, kind: str, other_id: str, occurred_at: datetime) -> None:
        """Record that the consultant met someone: they took part and reached out."""
        body = {
            "kind": kind,
            "participants": [self.consultant_id, other_id],
            "occurred_at": occurred_at.isoformat(),
            "initiator": self.consultant_id,
        }
        _raise_for(self.http.post("/v1/interactions", json=body))


def _raise_for(response: httpx.Response, *, own: bool = False) -> None:
    """Raise what profiles refused; own: the route is the consultant's own (404: erased)."""
    if response.status_code < 400:
        return
    if own and response.status_code == 404:
        raise AccountGoneError(response.text[:200])
    field, reason = "request", response.text[:200]
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        field = str((detail[0].get("loc") or ["request"])[-1])
        reason = str(detail[0].get("msg", reason))
    elif isinstance(detail, str):
        reason = detail
    raise ProfilesRefusedError(response.status_code, field, reason)
