"""Errors of the profiles domain; the HTTP edge turns each into a 4xx naming the field."""

from collections.abc import Callable

# Where, in the request, item number i sits: ("body",) for a single item,
# ("body", "items", i) in a bulk request. Errors name the field from there.
ItemLoc = Callable[[int], tuple[str | int, ...]]


def single_item(_index: int) -> tuple[str | int, ...]:
    """Locate the only item of a request: the body itself."""
    return ("body",)


def bulk_item(index: int) -> tuple[str | int, ...]:
    """Locate item number index of a bulk request."""
    return ("body", "items", index)


class ProfilesError(Exception):
    """Base of the errors a request can cause; each kind names its status and error type."""

    status_code = 400
    error_type = "bad_request"

    def __init_subclass__(cls, *, status_code: int, error_type: str) -> None:
        super().__init_subclass__()
        cls.status_code = status_code
        cls.error_type = error_type

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message

    def detail(self) -> list[dict[str, object]]:
        """Return the error in FastAPI's validation-error shape."""
        return [{"loc": list(self.loc), "msg": self.message, "type": self.error_type}]

    def headers(self) -> dict[str, str] | None:
        """Return the headers the answer carries besides its body."""
        return None


class NotFoundError(ProfilesError, status_code=404, error_type="not_found"):
    """The resource does not exist (or the caller may not know it does)."""


class ConflictError(ProfilesError, status_code=409, error_type="conflict"):
    """The request clashes with what is stored (a duplicate e-mail, a reused key)."""


class InvalidError(ProfilesError, status_code=422, error_type="value_error"):
    """The request is well-formed but a value is not acceptable."""


class ForbiddenError(ProfilesError, status_code=403, error_type="forbidden"):
    """The caller may not do this."""


class RateLimitedError(ProfilesError, status_code=429, error_type="rate_limited"):
    """The caller wrote more than its rate allows; it may write again after retry_after."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            ("header", "Authorization"),
            f"too many writes from this token; retry in {retry_after} s",
        )
        self.retry_after = retry_after

    def headers(self) -> dict[str, str] | None:
        """Say how many seconds to wait (RFC 9110 Retry-After)."""
        return {"Retry-After": str(self.retry_after)}
