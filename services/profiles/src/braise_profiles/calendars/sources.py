"""Read a calendar's documents from where it lives: an ICS URL, or a CalDAV collection.

What changed since the last read only: an ICS URL by its ETag (304: nothing to do), a CalDAV
collection by its sync-token (RFC 6578) where the server gives one, else by each object's
ETag. Every failure is a SourceError whose message says what happened, for the calendar's
status; nothing is written by this module.
"""

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import caldav
import httpx
import requests
import requests.adapters
from caldav.lib import error as caldav_error

from braise_profiles.calendars.addresses import AddressError, check_url
from braise_profiles.calendars.secrets import Connection

log = logging.getLogger(__name__)
MAX_REDIRECTS = 5


class SourceError(RuntimeError):
    """The calendar could not be read: its server refused, failed or did not answer."""


class DocumentTooLargeError(SourceError):
    """A document is larger than the limit: refused before it is parsed."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the calendar is larger than {limit} bytes ({limit // (1024 * 1024)} MiB), the "
            "limit: refused before reading it (BRAISE_PROFILES_CALENDAR_MAX_BYTES)"
        )


@dataclass
class Fetched:
    """What a read brought: documents by href, hrefs gone, and where the next read starts.

    `full`: the documents are the whole calendar, so what is stored from any other href is
    gone. Otherwise only the documents' and `deleted`'s hrefs changed.
    """

    full: bool
    documents: dict[str, bytes] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    etags: dict[str, str] = field(default_factory=dict)  # every href's ETag after this read
    sync_token: str | None = None


def content_tag(data: bytes) -> str:
    """Return an ETag of our own for a document its server gave none for."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def checked(url: str, *, allow_private: bool) -> None:
    """Raise SourceError unless url's host resolves to public addresses only (or allowed)."""
    try:
        check_url(url, allow_private=allow_private)
    except AddressError as exc:
        raise SourceError(f"url: {exc}") from exc


def fetch_ics_url(
    connection: Connection,
    *,
    etag: str | None,
    max_bytes: int,
    timeout_s: float,
    allow_private: bool = False,
) -> Fetched:
    """GET an ICS URL (If-None-Match its last ETag); refuse a body over max_bytes unread.

    Redirects are followed here, at most MAX_REDIRECTS, each new address checked like the
    first; credentials go only to the first address's host.
    """
    headers = {"Accept": "text/calendar", **({"If-None-Match": etag} if etag else {})}
    href = connection.url
    url = href
    try:
        with httpx.Client(timeout=timeout_s, follow_redirects=False) as client:
            for _hop in range(MAX_REDIRECTS + 1):
                checked(url, allow_private=allow_private)
                same_host = httpx.URL(url).host == httpx.URL(href).host
                auth = (
                    (connection.user, connection.password or "")
                    if connection.user and same_host
                    else None
                )
                with client.stream("GET", url, headers=headers, auth=auth) as response:
                    if response.is_redirect and "Location" in response.headers:
                        url = str(response.url.join(response.headers["Location"]))
                        continue
                    if response.status_code == 304 and etag:
                        return Fetched(full=False, etags={href: etag})
                    _raise_for_status(response.status_code, href)
                    data, tag = _read_body(response, max_bytes)
                    break
            else:
                raise SourceError(f"{_host(href)} redirected more than {MAX_REDIRECTS} times")
    except httpx.TimeoutException as exc:
        raise SourceError(f"{_host(href)} did not answer within {timeout_s:g} s") from exc
    except httpx.HTTPError as exc:
        raise SourceError(f"{_host(href)} could not be reached: {exc}") from exc
    if etag == tag:
        return Fetched(full=False, etags={href: tag})
    return Fetched(full=True, documents={href: data}, etags={href: tag})


def _read_body(response: httpx.Response, max_bytes: int) -> tuple[bytes, str]:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise DocumentTooLargeError(max_bytes)
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise DocumentTooLargeError(max_bytes)
    data = bytes(body)
    return data, response.headers.get("ETag") or content_tag(data)


def _host(url: str) -> str:
    return httpx.URL(url).host or url


def _raise_for_status(status: int, url: str) -> None:
    if status in (401, 403):
        raise SourceError(
            f"{_host(url)} refused the credentials ({status}): check the user and the password"
        )
    if status == 404:
        raise SourceError(f"{_host(url)} has no calendar at this address (404)")
    if status >= 400:
        raise SourceError(f"{_host(url)} answered {status}: try again later")


class _SameHostAdapter(requests.adapters.HTTPAdapter):
    """Send a request only to the host that was checked: a redirect or an href elsewhere fails."""

    def __init__(self, host: str) -> None:
        super().__init__()
        self.host = host

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        """Refuse any other host than the checked one, then send as requests does."""
        if httpx.URL(str(request.url)).host != self.host:
            raise SourceError(
                f"{self.host} sent Braise to another host, which Braise does not follow"
            )
        return super().send(request, *args, **kwargs)


def fetch_caldav(
    connection: Connection,
    *,
    sync_token: str | None,
    etags: Mapping[str, str],
    max_bytes: int,
    timeout_s: float,
    allow_private: bool = False,
) -> Fetched:
    """Read a CalDAV collection: what changed since sync_token, or everything by ETag.

    The URL is checked first; the client then talks to that host only (its redirects within
    the host are followed, any request elsewhere fails).
    """
    checked(connection.url, allow_private=allow_private)
    client = caldav.DAVClient(
        url=connection.url,
        username=connection.user,
        password=connection.password,
        timeout=int(max(1, timeout_s)),
    )
    adapter = _SameHostAdapter(_host(connection.url))
    client.session.mount("http://", adapter)
    client.session.mount("https://", adapter)
    calendar = client.calendar(url=connection.url)  # type: ignore[no-untyped-call]
    try:
        try:
            return _by_sync_token(calendar, sync_token, etags, max_bytes)
        except (caldav_error.ReportError, caldav_error.AuthorizationError) as exc:
            # A server that forgot the token (the collection was made again, or it expired)
            # answers 403 DAV:valid-sync-token (RFC 6578, 3.2), which caldav reports as an
            # authorization error: start again from nothing; a real refusal comes back then.
            if sync_token is not None:
                log.info("sync-token refused (%s); reading the whole collection", _short(exc))
                return _by_sync_token(calendar, None, etags, max_bytes)
            if isinstance(exc, caldav_error.AuthorizationError):
                raise
            log.info("no sync-collection (%s); reading the collection by ETag", exc)
            return _by_etag(calendar, etags, max_bytes)
    except caldav_error.AuthorizationError as exc:
        raise SourceError(
            f"{_host(connection.url)} refused the credentials (401): check the user and the "
            "password"
        ) from exc
    except caldav_error.NotFoundError as exc:
        raise SourceError(f"{_host(connection.url)} has no calendar at this address") from exc
    except caldav_error.DAVError as exc:
        raise SourceError(f"{_host(connection.url)} failed: {_short(exc)}") from exc
    except requests.Timeout as exc:
        raise SourceError(f"{_host(connection.url)} did not answer within {timeout_s:g} s") from exc
    except requests.RequestException as exc:
        raise SourceError(f"{_host(connection.url)} could not be reached: {_short(exc)}") from exc
    finally:
        client.session.close()


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def _href(obj: caldav.CalendarObjectResource) -> str:
    return str(obj.url.canonical()) if obj.url is not None else ""


def _etag_of(obj: caldav.CalendarObjectResource, data: bytes) -> str:
    props = getattr(obj, "props", {}) or {}
    tag = props.get("{DAV:}getetag")
    return str(tag) if tag else content_tag(data)


def _by_sync_token(
    calendar: caldav.Calendar, token: str | None, etags: Mapping[str, str], max_bytes: int
) -> Fetched:
    changes = calendar.objects_by_sync_token(sync_token=token, load_objects=True)
    fetched = Fetched(full=token is None, sync_token=str(changes.sync_token or "") or None)
    kept = dict(etags) if token is not None else {}
    size = 0
    for obj in changes:
        href = _href(obj)
        if obj.data is None:  # the object was deleted since the token
            fetched.deleted.append(href)
            kept.pop(href, None)
            continue
        data = obj.data.encode() if isinstance(obj.data, str) else bytes(obj.data)
        size += len(data)
        if size > max_bytes:
            raise DocumentTooLargeError(max_bytes)
        fetched.documents[href] = data
        kept[href] = _etag_of(obj, data)
    fetched.etags = kept
    return fetched


def _by_etag(calendar: caldav.Calendar, etags: Mapping[str, str], max_bytes: int) -> Fetched:
    fetched = Fetched(full=False)
    size = 0
    for obj in calendar.events():
        href = _href(obj)
        data = obj.data.encode() if isinstance(obj.data, str) else bytes(obj.data or b"")
        size += len(data)
        if size > max_bytes:
            raise DocumentTooLargeError(max_bytes)
        tag = _etag_of(obj, data)
        fetched.etags[href] = tag
        if etags.get(href) != tag:
            fetched.documents[href] = data
    fetched.deleted = [href for href in etags if href not in fetched.etags]
    return fetched
