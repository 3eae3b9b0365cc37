"""Settings of the notifier, read from `BRAISE_NOTIFIER_*` variables (servers: shared names)."""

from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from braise_shared.addresses import InvalidAddressError, normalize_address
from braise_shared.candidates import MAX_BATCH, MAX_PER_STAGE
from braise_shared.settings import DEFAULT_LINK_SECRET as DEFAULT_LINK_SECRET
from braise_shared.settings import DEFAULT_SMTP_PORT, ServiceSettings

DEFAULT_PORT = 8003


class NotifierSettings(ServiceSettings):
    """Everything the notifier's API, worker, beat and consumer read at start-up."""

    model_config = SettingsConfigDict(env_prefix="BRAISE_NOTIFIER_", frozen=True, extra="ignore")

    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    database_url: str = "sqlite:///var/notifier.db"
    broker_db: int = Field(default=1, ge=0, description="Redis database of Celery's broker.")
    smtp_host: str = Field(default="127.0.0.1", validation_alias="SMTP_HOST")
    smtp_port: int = Field(default=DEFAULT_SMTP_PORT, validation_alias="SMTP_PORT")
    smtp_timeout_s: float = 20.0
    mail_from: str = "Braise <reseau@braise.example.org>"
    firm_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=60,
        description="The firm, as readers know it: From reads `Cabinet Dupont (Braise)`.",
    )
    reply_to: str = "equipe@braise.example.org"
    # DKIM: every digest is signed when all three are set (`braise up` sets them to a local key).
    dkim_selector: str | None = Field(default=None, description="`s=`, as published in DNS.")
    dkim_domain: str | None = Field(default=None, description="`d=`: mail_from's domain or above.")
    dkim_private_key_path: Path | None = Field(default=None, description="RSA key, PEM.")
    public_url: str = Field(
        default=f"http://127.0.0.1:{DEFAULT_PORT}",
        description="Where the notifier's links point (HTTPS in production).",
    )
    preferences_url: str = Field(
        default=f"http://127.0.0.1:{DEFAULT_PORT}/pages/open/preferences?token={{token}}",
        description="Where a digest's preferences link points, `{token}` (a signed link) and "
        "`{consultant_id}` filled in: the notifier's preferences page (HTTPS in production).",
    )
    staff_emails: list[str] = Field(
        default=[], description="Who may sign in to the firm's view by an e-mailed link."
    )
    page_session_minutes: int = Field(
        default=60, gt=0, description="How long a page session lasts after its link."
    )
    staff_sign_in_per_address: int = Field(
        default=3, ge=1, description="Sign-in links mailed to one address per window, at most."
    )
    staff_sign_in_address_window_s: int = Field(default=15 * 60, gt=0)
    staff_sign_in_per_client: int = Field(
        default=10, ge=1, description="Sign-in requests from one client (IP) per window, at most."
    )
    staff_sign_in_client_window_s: int = Field(default=60, gt=0)
    graph_url: str = "http://127.0.0.1:8002"
    profiles_url: str = "http://127.0.0.1:8001"
    link_secret: SecretStr = SecretStr(DEFAULT_LINK_SECRET)
    link_ttl_days: int = Field(default=30, gt=0)
    timezone: str = "Europe/Paris"
    send_hour: int = Field(default=8, ge=0, le=23, description="Local hour of the planning run.")
    # How many people a digest proposes: set here only; the graph is asked for that many.
    max_dormant: int = Field(
        default=3, ge=0, le=MAX_PER_STAGE, description="Dormant people a digest holds, at most."
    )
    max_cooling: int = Field(
        default=2, ge=0, le=MAX_PER_STAGE, description="Cooling people a digest holds, at most."
    )
    # The spread cap lives here only (braise_notifier.spread); the graph knows nothing of it.
    spread_cap: int = Field(
        default=3, ge=1, description="Readers one person may be proposed to per ISO week."
    )
    spare_candidates: int = Field(
        default=3,
        ge=0,
        description="Candidates asked of the graph beyond what a digest shows, per stage: "
        "they replace people the spread cap turns away.",
    )
    send_batch_size: int = Field(
        default=50,
        ge=1,
        le=MAX_BATCH,
        description="Digests per sending task: their candidates come in one graph request.",
    )
    max_retries: int = Field(default=8, ge=0, description="Retries of one task.")
    max_attempts: int = Field(default=24, gt=0, description="Attempts of one digest, in all.")
    retry_backoff_s: float = 30.0
    retry_backoff_max_s: float = 3600.0
    lease_s: float = Field(default=300.0, gt=0, description="A 'sending' row older is retaken.")
    visibility_timeout_s: int = Field(default=600, gt=0)
    consumer_group: str = "notifier"
    consumer_metrics_port: int = Field(default=0, ge=0, le=65535, description="0: no /metrics.")
    worker_metrics_port: int = Field(default=0, ge=0, le=65535, description="0: no /metrics.")
    beat_metrics_port: int = Field(default=0, ge=0, le=65535, description="0: no /metrics.")
    consumer_name: str = "notifier-1"
    consumer_batch_size: int = Field(default=500, gt=0)

    @property
    def broker_url(self) -> str:
        """Return Celery's broker URL: the same Redis, its own database."""
        base = self.redis_url.rsplit("/", 1)[0] if self.redis_url.count("/") > 2 else self.redis_url
        return f"{base}/{self.broker_db}"

    def production_secrets(self) -> dict[str, SecretStr]:
        """Return the JWT secret and the link-signing secret, by their variable names."""
        return super().production_secrets() | {"BRAISE_NOTIFIER_LINK_SECRET": self.link_secret}

    @field_validator("staff_emails")
    @classmethod
    def _one_address_each(cls, addresses: list[str]) -> list[str]:
        # Each is one bare mailbox, normalized as profiles stores consultants' addresses.
        try:
            return [normalize_address(address) for address in addresses]
        except InvalidAddressError as exc:
            raise ValueError(f"BRAISE_NOTIFIER_STAFF_EMAILS: {exc}") from exc

    @field_validator("reply_to")
    @classmethod
    def _one_reply_address(cls, address: str) -> str:
        try:
            return normalize_address(address)
        except InvalidAddressError as exc:
            raise ValueError(f"BRAISE_NOTIFIER_REPLY_TO: {exc}") from exc

    @property
    def sender(self) -> str:
        """Return the From header: mail_from's address, named after the firm when it is set."""
        name, address = parseaddr(self.mail_from)
        if self.firm_name:
            name = f"{self.firm_name} ({name})" if name else self.firm_name
        username, _, domain = address.partition("@")
        return str(Address(display_name=name, username=username, domain=domain))

    @property
    def signs_mail(self) -> bool:
        """Tell whether digests are DKIM-signed (selector, domain and key all set)."""
        return None not in (self.dkim_selector, self.dkim_domain, self.dkim_private_key_path)

    @model_validator(mode="after")
    def _https_in_production(self) -> "NotifierSettings":
        if self.in_production and not self.public_url.startswith("https://"):
            raise ValueError("BRAISE_NOTIFIER_PUBLIC_URL must be HTTPS in production")
        if self.in_production and not self.preferences_url.startswith("https://"):
            raise ValueError("BRAISE_NOTIFIER_PREFERENCES_URL must be HTTPS in production")
        return self

    @model_validator(mode="after")
    def _dkim_whole_and_aligned(self) -> "NotifierSettings":
        dkim = (self.dkim_selector, self.dkim_domain, self.dkim_private_key_path)
        if not self.signs_mail and any(v is not None for v in dkim):
            raise ValueError(
                "set all of BRAISE_NOTIFIER_DKIM_SELECTOR, BRAISE_NOTIFIER_DKIM_DOMAIN and "
                "BRAISE_NOTIFIER_DKIM_PRIVATE_KEY_PATH, or none"
            )
        sender = self.mail_from.rsplit("@", 1)[-1].rstrip(">").lower()
        domain = (self.dkim_domain or "").lower()
        if domain and sender != domain and not sender.endswith("." + domain):
            # DMARC alignment: a signature for another domain does not vouch for From.
            raise ValueError(f"BRAISE_NOTIFIER_DKIM_DOMAIN {domain!r} does not cover {sender!r}")
        return self
