"""The local stack's DKIM key: generated once under var/, with the DNS record to publish beside it.

A real deployment brings its own key and publishes its public half at
`<selector>._domainkey.<domain>`; the local stack signs with a key of its own so that what
lands in the mail sink is what production sends, signature included.
"""

import base64
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from braise_cli.stack.install import write_once

DKIM_SELECTOR = "braise-local"
DKIM_DOMAIN = "braise.example.org"  # the domain of the notifier's default mail_from
KEY_BITS = 2048


@dataclass(frozen=True)
class DkimKeyFiles:
    """Where the local key lives, and who it signs for."""

    private_key: Path
    dns_record: Path
    selector: str = DKIM_SELECTOR
    domain: str = DKIM_DOMAIN


def dns_txt(private_pem: bytes) -> str:
    """Return the DKIM TXT record (`v=DKIM1; k=rsa; p=...`) of a PEM RSA private key."""
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("a DKIM key here is RSA")
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"


def new_private_pem(bits: int = KEY_BITS) -> bytes:
    """Return a new RSA private key, PKCS#8 PEM, unencrypted."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def dkim_key_files(directory: Path) -> DkimKeyFiles:
    """Return where the local DKIM key of a stack lives (nothing is created)."""
    return DkimKeyFiles(
        private_key=directory / f"{DKIM_SELECTOR}.pem",
        dns_record=directory / f"{DKIM_SELECTOR}.txt",
    )


def zone_line(selector: str, domain: str, txt: str) -> str:
    """Return the record as a zone-file line, the value cut in strings of 255 at most."""
    strings = " ".join(f'"{txt[i : i + 255]}"' for i in range(0, len(txt), 255))
    return f"{selector}._domainkey.{domain}. IN TXT ( {strings} )\n"


def ensure_dkim_key(directory: Path) -> DkimKeyFiles:
    """Generate the local DKIM key in directory unless it is there; return its files."""
    files = dkim_key_files(directory)
    if not files.private_key.exists():
        write_once(files.private_key, new_private_pem())  # starts at once share the first
    record = zone_line(files.selector, files.domain, dns_txt(files.private_key.read_bytes()))
    if not files.dns_record.exists() or files.dns_record.read_text() != record:
        files.dns_record.write_text(record)
    return files
