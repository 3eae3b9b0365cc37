"""DKIM signatures (RFC 6376, rsa-sha256, relaxed/relaxed): dkimpy parses the header block
and canonicalizes and hashes the headers; the body's relaxed form is written here, to the
byte what dkimpy writes (a property test holds them equal); OpenSSL signs.

dkimpy computes RSA in pure Python (`dkim.crypto.rsa_decrypt`): 6.6 ms of CPU per signature
with a 2048-bit key on the benchmark machine, the largest single cost of a digest (py-spy,
docs/benchmarks.md). `cryptography` signs the same digest in 0.26 ms. The header verifies
with `dkim.verify` as before (tests do). A digest's signature costs 0.48 ms in all (1.35 ms
with dkimpy's body canonicalization and its split of the whole message into lines).
"""

import base64
import hashlib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from dkim.canonicalization import (
    CanonicalizationPolicy,
    correct_empty_body,
    strip_trailing_lines,
)

_POLICY = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
_NAME = b"DKIM-Signature"

# The relaxed body canonicalization (RFC 6376 3.4.4) with dkimpy's result, faster: dkimpy
# rewrites every run of whitespace, each single space included (a third of a digest's
# signing time). A single space is already canonical, so only the other runs are replaced,
# and a body without tabs (every digest: its parts are quoted-printable or base64) is
# searched for two spaces, or a space ending a line, before any pattern runs.
_TRAILING_WSP = re.compile(rb"[\t ]+\r\n")
_WSP_RUN = re.compile(rb"\t[\t ]*| [\t ]+")
_TRAILING_SPACES = re.compile(rb" +\r\n")
_SPACE_RUN = re.compile(rb"  +")


def relaxed_body(body: bytes) -> bytes:
    """Return the relaxed canonical form of a CRLF body, as dkimpy's `Relaxed` writes it."""
    if b"\t" in body:
        body = _WSP_RUN.sub(b" ", _TRAILING_WSP.sub(b"\r\n", body))
    else:
        if b" \r\n" in body:
            body = _TRAILING_SPACES.sub(b"\r\n", body)
        if b"  " in body:
            body = _SPACE_RUN.sub(b" ", body)
    canonical: bytes = correct_empty_body(strip_trailing_lines(body))
    return canonical


def split_message(raw: bytes) -> tuple[list[list[bytes]], bytes]:
    """Return `dkim.rfc822_parse(raw)`: the header fields and the body. A message whose every
    line ends in CRLF (as the serializer writes them) has its header block parsed alone and
    its body taken as it is, instead of split into lines and joined again."""
    end = raw.find(b"\r\n\r\n")
    if end <= 0 or raw.count(b"\n") != raw.count(b"\r\n"):
        parsed: tuple[list[list[bytes]], bytes] = dkim.rfc822_parse(raw)
        return parsed
    headers, _ = dkim.rfc822_parse(raw[: end + 4])
    return headers, raw[end + 4 :]


@dataclass(frozen=True)
class RsaSigner:
    """One DKIM identity's RSA key, loaded once, signing each message's header hash."""

    selector: bytes
    domain: bytes
    key: rsa.RSAPrivateKey = field(repr=False)

    @classmethod
    def from_pem(cls, selector: str, domain: str, pem: bytes) -> "RsaSigner":
        """Load a PEM private key (PKCS#1 or PKCS#8); raise ValueError if it is not RSA."""
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the DKIM key is not an RSA key")
        return cls(selector.encode(), domain.encode(), key)

    def header(self, raw: bytes, include: Sequence[bytes], now: float | None = None) -> bytes:
        """Return the DKIM-Signature header line (CRLF-ended) for a CRLF message."""
        headers, body = split_message(raw)
        body_hash = base64.b64encode(hashlib.sha256(relaxed_body(body)).digest())
        fields = [
            (b"v", b"1"),
            (b"a", b"rsa-sha256"),
            (b"c", b"relaxed/relaxed"),
            (b"d", self.domain),
            (b"i", b"@" + self.domain),
            (b"q", b"dns/txt"),
            (b"s", self.selector),
            (b"t", str(int(time.time() if now is None else now)).encode("ascii")),
            (b"h", b" : ".join(include)),
            (b"bh", body_hash),
            (b"b", b""),
        ]
        unsigned = b"; ".join(b"=".join(f) for f in fields)
        digest = hashlib.sha256()
        dkim.hash_headers(
            digest,
            _POLICY,
            _POLICY.canonicalize_headers(headers),
            list(include),
            (_NAME, b" " + unsigned),
            dict(fields),
        )
        signature = self.key.sign(
            digest.digest(), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())
        )
        fields[-1] = (b"b", base64.b64encode(signature))
        value = b"; ".join(b"=".join(f) for f in fields)
        folded: bytes = dkim.fold(value, namelen=len(_NAME), linesep=b"\r\n")
        return _NAME + b": " + folded + b"\r\n"
