"""Where the notifier's pages are on the local stack, and how each one opens."""

from dataclasses import dataclass

from braise_cli.stack.settings import StackSettings


@dataclass(frozen=True)
class PageUrl:
    """One page: its address, and how a person gets in."""

    name: str
    url: str
    how: str


def page_urls(settings: StackSettings) -> list[PageUrl]:
    """Return the pages of the stack's notifier, with how each one opens."""
    base = f"http://127.0.0.1:{settings.notifier_port}"
    mail = settings.root / "mail"
    return [
        PageUrl(
            "preferences",
            f"{base}/pages/preferences",
            f"opens from a digest's signed link ({base}/pages/open/preferences?token=…): "
            f"the last lines of any digest in {mail}/",
        ),
        PageUrl(
            "my network",
            f"{base}/pages/network",
            f"the same session (its menu), or {base}/pages/open/network?token=…",
        ),
        PageUrl(
            "firm's view",
            f"{base}/pages/staff",
            "staff sign in: a link e-mailed to an address of BRAISE_NOTIFIER_STAFF_EMAILS "
            f"(the mail sink keeps it in {mail}/)",
        ),
        PageUrl(
            "a digest",
            f"{base}/v1/admin/preview/{{consultant_id}}",
            "as it would go out now, with `braise token` as bearer (its links open nothing)",
        ),
    ]
