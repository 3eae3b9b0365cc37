"""Errors of the profiles domain; the HTTP edge turns each into a 4xx naming the field."""


class ProfilesError(Exception):
    """Base of the errors a request can cause."""

    status_code = 400
    error_type = "bad_request"

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message

    def detail(self) -> list[dict[str, object]]:
        """Return the error in FastAPI's validation-error shape."""
        return [{"loc": list(self.loc), "msg": self.message, "type": self.error_type}]


class NotFoundError(ProfilesError):
    """The resource does not exist (or the caller may not know it does)."""

    status_code = 404
    error_type = "not_found"


class ConflictError(ProfilesError):
    """The request clashes with what is stored (a duplicate e-mail, a reused key)."""

    status_code = 409
    error_type = "conflict"


class InvalidError(ProfilesError):
    """The request is well-formed but a value is not acceptable."""

    status_code = 422
    error_type = "value_error"


class ForbiddenError(ProfilesError):
    """The caller may not do this."""

    status_code = 403
    error_type = "forbidden"
