"""DKIM signatures (RFC 6376, rsa-sha256, relaxed/relaxed): dkimpy parses, canonicalizes and
hashes; OpenSSL signs.

dkimpy computes RSA in pure Python (`dkim.crypto.rsa_decrypt`): 6.6 ms of CPU per signature
with a 2048-bit key on the benchmark machine, the largest single cost of a digest (py-spy,
docs/benchmarks.md). `cryptography` signs the same digest in 0.26 ms. Everything else is
dkimpy's own code, so the header verifies with `dkim.verify` as before (tests do).
"""

import base64
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from dkim.canonicalization import CanonicalizationPolicy

_POLICY = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
_NAME = b"DKIM-Signature"


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
        headers, body = dkim.rfc822_parse(raw)
        body_hash = base64.b64encode(hashlib.sha256(_POLICY.canonicalize_body(body)).digest())
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
