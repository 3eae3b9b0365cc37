"""The notifier's composition root: settings, database, clients, the digest service."""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

import redis
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from braise_notifier.config import NotifierSettings
from braise_notifier.db import make_engine, session_factory
from braise_notifier.graph_client import GraphClient
from braise_notifier.mailer import DkimKey, Mailer
from braise_notifier.profiles_client import ProfilesClient
from braise_notifier.service import DigestService
from braise_notifier.spread import SpreadCap
from braise_notifier.tokens import LinkSigner
from braise_shared.interactions import load_kinds
from braise_shared.publisher import EventPublisher


@dataclass
class Notifier:
    """Everything the notifier's entry points need, built once per process."""

    settings: NotifierSettings
    engine: Engine
    factory: sessionmaker[Session]
    signer: LinkSigner
    publisher: EventPublisher
    digests: DigestService
    profiles: ProfilesClient
    mailer: Mailer
    graph: GraphClient

    def close(self) -> None:
        """Close what this process keeps open: its SMTP connections and the graph's pool."""
        self.mailer.close()
        self.graph.close()


def build(settings: NotifierSettings) -> Notifier:
    """Build the notifier from its settings."""
    engine = make_engine(settings.database_url)
    factory = session_factory(engine)
    signer = LinkSigner(settings.link_secret.get_secret_value(), settings.link_ttl_days * 86_400)
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=10)
    publisher = EventPublisher(client)
    graph = GraphClient(settings.graph_url, settings.jwt_secret.get_secret_value())
    mailer = Mailer(
        settings.smtp_host, settings.smtp_port, settings.smtp_timeout_s, dkim_key(settings)
    )
    digests = DigestService(
        factory=factory,
        graph=graph,
        mailer=mailer,
        events=publisher,
        spread=SpreadCap(client, cap=settings.spread_cap),
        signer=signer,
        kinds=load_kinds(),
        public_url=settings.public_url.rstrip("/"),
        preferences_url=settings.preferences_url,
        mail_from=settings.sender,
        reply_to=settings.reply_to,
        max_dormant=settings.max_dormant,
        max_cooling=settings.max_cooling,
        spare=settings.spare_candidates,
        lease=timedelta(seconds=settings.lease_s),
        max_attempts=settings.max_attempts,
        timezone=settings.timezone,
    )
    profiles = ProfilesClient(settings.profiles_url, settings.jwt_secret.get_secret_value())
    return Notifier(settings, engine, factory, signer, publisher, digests, profiles, mailer, graph)


def dkim_key(settings: NotifierSettings) -> DkimKey | None:
    """Return the key digests are signed with, None when DKIM is not configured."""
    selector, domain = settings.dkim_selector, settings.dkim_domain
    path = settings.dkim_private_key_path
    if selector is None or domain is None or path is None:
        return None
    return DkimKey.load(selector=selector, domain=domain, path=path)


@cache
def settings() -> NotifierSettings:
    """Return this process's settings, read from the environment on first use."""
    return NotifierSettings()


@cache
def notifier() -> Notifier:
    """Return this process's notifier, built on first use."""
    return build(settings())
