"""E-mail addresses that people type: one mailbox per field, decided in one place.

An address is checked by `email-validator` (syntax only: no DNS). It must be one bare mailbox,
`local@domain`: no display name (`"Ann" <a@b.example>`), no angle brackets, no comma or
second address, no whitespace inside, no quoted local part, no domain literal. What is kept
is the library's normalized form (the domain in Unicode NFC, as is the local part), lower-cased
as Braise always stored addresses, so one mailbox is one consultant and lookups agree.
"""

from email_validator import EmailNotValidError, validate_email


class InvalidAddressError(ValueError):
    """A value is not exactly one e-mail address."""


def normalize_address(value: str) -> str:
    """Return value as one normalized, lower-cased mailbox address, or raise InvalidAddressError."""
    try:
        checked = validate_email(
            value.strip(" "),
            check_deliverability=False,
            allow_display_name=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_empty_local=False,
        )
    except EmailNotValidError as exc:
        raise InvalidAddressError(f"not an e-mail address: {exc}") from exc
    return checked.normalized.lower()
