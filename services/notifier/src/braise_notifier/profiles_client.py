"""Tell the profiles service what a consultant decided from a digest link."""

import httpx

from braise_shared.auth import issue_token


class ProfilesUnavailableError(RuntimeError):
    """Profiles did not answer (or answered 5xx): worth retrying later."""


class ProfilesClient:
    """A service-authenticated client of the profiles API."""

    def __init__(self, base_url: str, jwt_secret: str, timeout_s: float = 10.0) -> None:
        token = issue_token(jwt_secret, "service", "notifier")
        self.http = httpx.Client(
            base_url=base_url, timeout=timeout_s, headers={"Authorization": f"Bearer {token}"}
        )

    def pause_digests(self, consultant_id: str, *, idempotency_key: str) -> bool:
        """Set a consultant's digest frequency to paused; False if profiles does not know them."""
        try:
            response = self.http.put(
                f"/v1/consultants/{consultant_id}/preferences",
                json={"frequency": "paused"},
                headers={"Idempotency-Key": idempotency_key},
            )
        except httpx.TransportError as exc:
            raise ProfilesUnavailableError(f"profiles unreachable: {exc}") from exc
        if response.status_code == 404:
            return False
        if response.status_code >= 500:
            raise ProfilesUnavailableError(f"profiles answered {response.status_code}")
        response.raise_for_status()
        return True

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()
