"""`braise status` names the pages where the stack's notifier serves them, and how each opens."""

from pathlib import Path

from fastapi.routing import APIRoute

from braise_cli.pages import page_urls
from braise_cli.stack.settings import StackSettings
from braise_notifier.pages import firm, links, network, preferences


def _paths() -> set[str]:
    routers = (links.router, preferences.router, network.router, firm.router)
    return {r.path for router in routers for r in router.routes if isinstance(r, APIRoute)}


def test_every_page_printed_is_a_route_of_the_notifier_on_its_port() -> None:
    settings = StackSettings(notifier_port=48003, var_dir=Path("/srv/braise/var"))
    pages = {p.name: p for p in page_urls(settings)}

    assert set(pages) == {"preferences", "my network", "firm's view", "a digest"}
    served = _paths()
    for name in ("preferences", "my network", "firm's view"):
        url = pages[name].url
        assert url.startswith("http://127.0.0.1:48003/"), url
        assert url.removeprefix("http://127.0.0.1:48003") in served, url
    assert "/pages/open/{purpose}" in served  # the signed links the two consultant pages name
    assert "/pages/open/preferences?token=" in pages["preferences"].how
    assert "/srv/braise/var/mail/" in pages["preferences"].how  # where a digest with a link is
    assert "BRAISE_NOTIFIER_STAFF_EMAILS" in pages["firm's view"].how
    assert pages["a digest"].url.endswith("/v1/admin/preview/{consultant_id}")
