"""Turn a composed digest into an e-mail: HTML and plain text, headers, signed links."""

import unicodedata
from datetime import UTC, datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from braise_notifier.calendar_file import CalendarFile, file_name, occasion_file
from braise_notifier.catalogs import Texts
from braise_notifier.compose import Digest, Draft
from braise_notifier.mailer import MAIL_POLICY, sender_domain
from braise_notifier.tokens import LinkClaims, LinkSigner, Purpose

TEMPLATES = Path(__file__).with_name("templates")
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def message_id(period: str, consultant_id: str, domain: str) -> str:
    """Return the digest's Message-ID, the same for every attempt of one (period, consultant)."""
    return f"<digest.{period}.{consultant_id}@{domain}>"


def list_id(mail_from: str) -> str:
    """Return the digests' List-Id (RFC 2919): the sender's name, then `<digests.{domain}>`."""
    name = parseaddr(mail_from)[0]
    return formataddr((name, f"digests.{sender_domain(mail_from)}"), charset="utf-8")


def short_link(public_url: str, code: str) -> str:
    """Return the URL of a link code: `{public_url}/l/{code}` (the code names its purpose)."""
    return f"{public_url}/l/{code}"


def links_for(digest: Digest, signer: LinkSigner, public_url: str) -> dict[str, dict[str, str]]:
    """Return, per suggested person, the signed URLs of 'done', 'not now' and 'never'."""
    out: dict[str, dict[str, str]] = {}
    purposes: tuple[Purpose, ...] = ("done", "not_now", "never")
    for s in digest.suggestions:
        out[s.other_id] = {}
        for purpose in purposes:
            code = signer.sign(LinkClaims(purpose, digest.reader.id, s.other_id, digest.period))
            out[s.other_id][purpose] = short_link(public_url, code)
    return out


def unsubscribe_url(digest: Digest, signer: LinkSigner, public_url: str) -> str:
    """Return the one-click unsubscribe URL (RFC 8058): a GET confirms, a POST unsubscribes."""
    code = signer.sign(LinkClaims("unsubscribe", digest.reader.id, None, digest.period))
    return short_link(public_url, code)


def preferences_link(digest: Digest, preferences_url: str, signer: LinkSigner) -> str:
    """Return where the reader changes frequency, language or consent (`{consultant_id}` and
    `{token}`, a signed "preferences" token, filled in)."""
    url = preferences_url.replace("{consultant_id}", quote(digest.reader.id, safe=""))
    if "{token}" in url:
        token = signer.sign(LinkClaims("preferences", digest.reader.id, None, digest.period))
        url = url.replace("{token}", quote(token, safe=""))
    return url


def mailto(address: str, draft: Draft) -> str:
    """Return a `mailto:` URL that opens the draft to address (RFC 6068: CRLF line breaks)."""
    fields = {"subject": draft.subject, "body": draft.body.replace("\n", "\r\n")}
    return f"mailto:{quote(address, safe='@')}?{urlencode(fields, quote_via=quote)}"


def attachment_names(digest: Digest) -> dict[str, str]:
    """Return the file name of each occasion's calendar file, by occasion id: from its title,
    numbered when two titles give the same name."""
    names: dict[str, str] = {}
    for occasion in digest.occasions():
        name = file_name(occasion.fact.title)
        stem, n = name.removesuffix(".ics"), 2
        while name in names.values():
            name, n = f"{stem}-{n}.ics", n + 1
        names[occasion.fact.occasion_id] = name
    return names


def calendar_files(digest: Digest, *, domain: str, stamp: datetime) -> list[CalendarFile]:
    """Return the calendar file of each occasion the digest names, once each."""
    names = attachment_names(digest)
    files = []
    for occasion in digest.occasions():
        made = occasion_file(
            occasion.fact,
            location=occasion.place,
            domain=domain,
            stamp=stamp,
            timezone=occasion.timezone,
        )
        files.append(CalendarFile(made.occasion_id, names[made.occasion_id], made.content))
    return files


def render_parts(
    digest: Digest,
    texts: Texts,
    signer: LinkSigner,
    public_url: str,
    *,
    preferences_url: str,
    unsubscribe: str | None = None,
) -> tuple[str, str]:
    """Return the HTML and plain-text bodies (`unsubscribe`: the URL the headers give, when
    the caller signed it already)."""
    sections = [(texts.get(f"section.{stage}"), items) for stage, items in digest.stages() if items]
    names = attachment_names(digest)
    calendar = {
        s.other_id: [
            texts.get("calendar.attached", file=names[o.fact.occasion_id]) for o in s.occasions
        ]
        for s in digest.suggestions
    }
    labels = {
        s.other_id: {
            "done": texts.get("action.done"),
            "not_now": texts.get("action.not_now"),
            "never": texts.get("action.never", name=s.first_name or s.name),
            "write": texts.get("draft.link", name=s.first_name or s.name),
        }
        for s in digest.suggestions
    }
    drafts = {
        s.other_id: mailto(s.email, s.draft)
        for s in digest.suggestions
        if s.email is not None and s.draft is not None
    }
    context = {
        "digest": digest,
        "locale": texts.locale,
        "sections": sections,
        "links": links_for(digest, signer, public_url),
        "labels": labels,
        "drafts": drafts,
        "calendar": calendar,
        "idea": texts.get("idea"),
        "colon": texts.get("punct.colon"),
        "cooling_badge": texts.get("cooling.badge"),
        "signature": texts.get("footer.signature"),
        "footer_why": texts.get("footer.why"),
        # SpamAssassin's END_FUTURE_EMAILS reads "Stop these messages" as spam: the link says
        # "Unsubscribe", the word every mailbox user looks for.
        "footer_unsubscribe": texts.get("footer.unsubscribe"),
        "footer_preferences": texts.get("footer.preferences"),
        "preferences_url": preferences_link(digest, preferences_url, signer),
        "preheader": digest.preheader,
        "unsubscribe_url": unsubscribe or unsubscribe_url(digest, signer, public_url),
    }
    html = _env.get_template("digest.html").render(context)
    text = _env.get_template("digest.txt").render(context)
    return html, text


def display_name(name: str) -> str:
    """Return a name fit for an address header's phrase, or "" (the address alone) when it
    holds what a serializer could decode into a line of its own, or invisible controls."""
    if "=?" in name or any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        return ""
    return name


def set_text_header(message: EmailMessage, name: str, value: str) -> None:
    """Set a free-text header so that nothing in value is ever decoded into a line of its own.

    A value that holds what reads as an RFC 2047 encoded word ("=?utf-8?b?...?=", in a name a
    consultant typed) is written encoded whole, so the serializer never decodes it (the
    CVE-2024-6923 class); any other value is set as usual.
    """
    if "=?" in value or "\r" in value or "\n" in value:
        message.set_raw(name, Header(value, "utf-8").encode(linesep="\r\n"))
    else:
        message[name] = value


def build_email(
    digest: Digest,
    texts: Texts,
    *,
    signer: LinkSigner,
    public_url: str,
    preferences_url: str,
    mail_from: str,
    reply_to: str,
    now: datetime | None = None,
) -> EmailMessage:
    """Return the multipart e-mail of a digest, with its unsubscribe headers, and the
    calendar file (`.ics`) of each occasion it names attached."""
    unsubscribe = unsubscribe_url(digest, signer, public_url)
    html, text = render_parts(
        digest,
        texts,
        signer,
        public_url,
        preferences_url=preferences_url,
        unsubscribe=unsubscribe,
    )
    message = EmailMessage(policy=MAIL_POLICY)
    domain = sender_domain(mail_from)
    message["Message-ID"] = message_id(digest.period, digest.reader.id, domain)  # folded: long
    # Short ASCII values the code makes (a date, a period, keywords) are written as they are:
    # parsing each into a header object is much of what building a message costs.
    message.set_raw("Date", format_datetime(now or datetime.now(UTC)))
    message["From"] = mail_from
    message["Reply-To"] = reply_to
    message["To"] = Address(
        display_name=display_name(digest.reader.name), addr_spec=digest.reader.email
    )
    set_text_header(message, "Subject", digest.subject)
    # Written as is: the policy would re-parse the phrase and leave "(Braise)" a bare comment.
    message.set_raw("List-Id", list_id(mail_from))
    # Written as is (RFC 2369, RFC 8058): the policy folds the other headers, never this one.
    message.set_raw("List-Unsubscribe", f"<{unsubscribe}>")
    message.set_raw("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
    message.set_raw("Auto-Submitted", "auto-generated")
    message.set_raw("X-Braise-Period", digest.period)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for made in calendar_files(digest, domain=domain, stamp=now or datetime.now(UTC)):
        # "Add to my calendar": a calendar entry to publish, not a meeting request.
        message.add_attachment(
            made.content, subtype="calendar", filename=made.filename, params={"method": "PUBLISH"}
        )
    # After the bodies: setting content moves or clears every Content-* header before it.
    message.set_raw("Content-Language", texts.locale)
    return message


class UnrenderableDigestError(RuntimeError):
    """The digest's e-mail cannot be written (bad data in a header or template)."""


def digest_email(digest: Digest, texts: Texts, **options: Any) -> EmailMessage:
    """Return `build_email(digest, texts, **options)`, or raise UnrenderableDigestError when
    the e-mail cannot be written (e.g. a header value with a line break)."""
    try:
        return build_email(digest, texts, **options)
    except (ValueError, TypeError) as exc:
        raise UnrenderableDigestError(f"cannot write the e-mail: {exc}") from exc
