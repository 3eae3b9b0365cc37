"""Radicale, the stack's CalDAV server: the firm's events calendar and consultants' calendars.

It runs from PyPI's `radicale` with this interpreter, on loopback, its collections under
`var/radicale/collections`. Authentication is a real htpasswd file (SHA-512 crypt), so a
wrong password is answered 401 as any CalDAV server would; each user sees only their own
collections (`owner_only`).
"""

import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from passlib.hash import sha512_crypt  # type: ignore[import-untyped]

from braise_cli.stack.install import write_once
from braise_cli.stack.process import ManagedProcess
from braise_cli.stack.servers import Server, StackError


@dataclass(frozen=True)
class CaldavAccount:
    """Where a CalDAV server answers and the account to use there."""

    url: str  # the server's root, ending with "/"
    user: str
    password: str

    @property
    def home(self) -> str:
        """Return the account's home collection: its calendars are created below it."""
        return f"{self.url}{self.user}/"


class RadicaleServer(Server):
    """Radicale with htpasswd authentication and a filesystem store under var/radicale."""

    name = "radicale"

    @property
    def data_dir(self) -> Path:
        """Return Radicale's folder: config, users file and collections."""
        return self.root / "radicale"

    @property
    def account(self) -> CaldavAccount:
        """Return the stack's CalDAV account."""
        settings = self.settings
        return CaldavAccount(
            url=settings.caldav_url,
            user=settings.caldav_user,
            password=settings.caldav_password.get_secret_value(),
        )

    def prepare(self) -> None:
        """Write the users file (the account's password hashed) and the config."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        account = self.account
        users = self.data_dir / "users"
        line = users.read_text().strip() if users.exists() else ""
        name, _, hashed = line.partition(":")
        if name != account.user or not sha512_crypt.verify(account.password, hashed or "x"):
            # glibc's default rounds: passlib's 656,000 cost Radicale a second per request.
            hashed = sha512_crypt.using(rounds=5000).hash(account.password)
            users.write_text(f"{account.user}:{hashed}\n")
        (self.data_dir / "config").write_text(
            "\n".join(
                [
                    "[server]",
                    f"hosts = 127.0.0.1:{self.settings.caldav_port}",
                    "max_content_length = 100000000",
                    "timeout = 30",
                    "[auth]",
                    "type = htpasswd",
                    f"htpasswd_filename = {users}",
                    "htpasswd_encryption = sha512",
                    "cache_logins = True",
                    "cache_successful_logins_expiry = 60",
                    "cache_failed_logins_expiry = 5",
                    # A failed login waits this long: enough to slow guessing, not the tests.
                    "delay = 0.2",
                    "[rights]",
                    "type = owner_only",
                    "[storage]",
                    f"filesystem_folder = {self.data_dir / 'collections'}",
                    "[logging]",
                    "level = warning",
                    "mask_passwords = True",
                    "",
                ]
            )
        )

    def process(self) -> ManagedProcess:
        """Run Radicale in the foreground on its config file."""
        config = self.data_dir / "config"
        return ManagedProcess(
            name=self.name,
            command=[sys.executable, "-m", "radicale", "--config", str(config)],
            pid_file=self.root / "run" / "radicale.pid",
            log_file=self.log_file,
            signature=f"--config {config}",
        )

    def probe(self) -> str:
        """PROPFIND the account's home with its password: 207 means the login worked."""
        account = self.account
        response = httpx.request(
            "PROPFIND",
            account.home,
            auth=(account.user, account.password),
            headers={"Depth": "0"},
            timeout=2,
        )
        if response.status_code != 207:
            raise StackError(f"PROPFIND {account.home} answered {response.status_code}")
        return f"PROPFIND ok, {account.url} (user {account.user})"


def ensure_calendar_key(path: Path) -> str:
    """Return the local stack's calendar key (BRAISE_PROFILES_CALENDAR_KEY), made once."""
    write_once(path, Fernet.generate_key())  # processes starting at once share the first
    return path.read_text().strip()
