"""A fake Google OAuth2 token endpoint and a fake GCE metadata server, for tests.

Both serve google-auth's *real* code paths: a service-account JSON whose ``token_uri`` points here
(JWT-bearer grant, the assertion's RS256 signature is checked), or ``GCE_METADATA_HOST`` /
``GCE_METADATA_IP`` pointing here (what ``google.auth.default()`` uses on Compute Engine, Cloud Run
and GKE). Tokens are random and prefixed ``fake-ya29.`` so secret scanners spot any that leak.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from ._server import JSON_TYPE, Exchange, LoopbackServer

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from google.oauth2.service_account import Credentials as ServiceAccountCredentials

__all__ = ["CLOUD_PLATFORM_SCOPE", "TOKEN_PREFIX", "FakeGoogleAuth"]

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
TOKEN_PREFIX = "fake-ya29."  # noqa: S105 - a marker for scanners, not a credential
_JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth signs service-account assertions with this audience whatever token_uri says
# (google/oauth2/service_account.py uses _GOOGLE_OAUTH2_TOKEN_ENDPOINT), and Google accepts it.
_GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
_BAD_SIGNATURE = "Invalid JWT Signature."
_BAD_TIMEFRAME = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check your iat and exp values in the JWT claim."
)
_FLAVOR = {"Metadata-Flavor": "Google"}
_TEXT = "application/text"  # what the real metadata server labels plain values with
_MDS_ROOT = "/computeMetadata/v1/"

# One RSA key per process: generating 2048-bit keys costs ~50-100 ms, and tests create many fakes.
_key_lock = threading.Lock()
_key_cache: tuple[str, RSAPublicKey] | None = None


def _signing_key() -> tuple[str, RSAPublicKey]:
    """(private key PEM, public key), generated on first use."""
    global _key_cache
    with _key_lock:
        if _key_cache is None:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa

            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode()
            _key_cache = (pem, key.public_key())
        return _key_cache


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass(frozen=True)
class _Issued:
    ordinal: int
    expires_at: float  # on the server's clock (monotonic + offset)
    scopes: tuple[str, ...]


class FakeGoogleAuth(LoopbackServer):
    """OAuth2 token endpoint (``POST /token``) and GCE metadata server on 127.0.0.1.

    Use as a context manager. ``repr()`` shows only the URL; tokens and the key are never logged.
    """

    _thread_name = "fake-google-auth"

    def __init__(
        self, *, expires_in: int = 3600, project_id: str = "fake-project", delay: float = 0.0
    ) -> None:
        super().__init__()
        self.expires_in = expires_in  # lifetime of tokens issued from now on; settable at run time
        self.delay = delay  # seconds to wait before answering a token request
        self.project_id = project_id
        self.client_email = f"fake-sa@{project_id}.iam.gserviceaccount.com"
        self.client_id = str(secrets.randbelow(10**20) + 10**20)
        self.private_key_id = secrets.token_hex(20)
        self.metadata_scopes: list[str] = [CLOUD_PLATFORM_SCOPE]  # what the fake VM's account has
        self._lock = threading.Lock()
        self._tokens: dict[str, _Issued] = {}
        self._token_requests = 0
        self._issued = 0
        self._revoked_upto = 0  # tokens with an ordinal <= this were revoked
        self._clock_offset = 0.0
        # Scripted answers for the next token requests: (status, body, content type), or None to hang.
        self._failures: list[tuple[int, bytes, str] | None] = []
        self._release = threading.Event()  # set on close: wakes handlers parked by hang_next

    # -- addresses ---------------------------------------------------------------------------
    @property
    def token_uri(self) -> str:
        return self.url + "/token"

    @property
    def metadata_host(self) -> str:
        """``127.0.0.1:PORT``, the value for ``GCE_METADATA_HOST`` and ``GCE_METADATA_IP``."""
        return f"127.0.0.1:{self.port}"

    def metadata_env(self) -> dict[str, str]:
        """Environment that sends google-auth's metadata-server path here.

        google-auth reads ``GCE_METADATA_HOST`` when ``google.auth.compute_engine._metadata`` is first
        imported (``GCE_METADATA_IP`` on every call), so set it before that import, or also patch
        ``_metadata._GCE_METADATA_HOST`` in-process.
        """
        return {"GCE_METADATA_HOST": self.metadata_host, "GCE_METADATA_IP": self.metadata_host}

    # -- service-account credentials ---------------------------------------------------------
    def service_account_info(self) -> dict[str, str]:
        """A real service-account key file's fields, with ``token_uri`` pointing at this server."""
        pem, _ = _signing_key()
        return {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": self.private_key_id,
            "private_key": pem,
            "client_email": self.client_email,
            "client_id": self.client_id,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri,
            "universe_domain": "googleapis.com",
        }

    def write_service_account_file(self, directory: str | os.PathLike[str]) -> Path:
        """Write ``fake-service-account.json`` (mode 0600) into ``directory``; returns its path."""
        path = Path(directory) / "fake-service-account.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(self.service_account_info(), f, indent=2)
        return path

    def credentials(self, scopes: Sequence[str] = (CLOUD_PLATFORM_SCOPE,)) -> ServiceAccountCredentials:
        """google-auth service-account credentials that refresh against this server."""
        from google.oauth2 import service_account

        creds: ServiceAccountCredentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            self.service_account_info(), scopes=list(scopes)
        )
        return creds

    # -- test controls and inspection --------------------------------------------------------
    @property
    def token_requests(self) -> int:
        """Token requests received on either path, including those answered with an error."""
        with self._lock:
            return self._token_requests

    @property
    def tokens_issued(self) -> int:
        with self._lock:
            return self._issued

    def _now(self) -> float:
        return time.monotonic() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move the server's clock (used for expiry) forward without sleeping."""
        with self._lock:
            self._clock_offset += seconds

    def is_valid(self, token: str | None) -> bool:
        """True if this server issued ``token``, it has not expired and was not revoked."""
        with self._lock:
            issued = self._tokens.get(token) if token else None
            return (
                issued is not None and issued.ordinal > self._revoked_upto and self._now() < issued.expires_at
            )

    def token_ordinal(self, token: str | None) -> int | None:
        """1-based issue number of ``token`` (None if not issued here), valid or not."""
        with self._lock:
            issued = self._tokens.get(token) if token else None
            return issued.ordinal if issued else None

    def token_scopes(self, token: str | None) -> tuple[str, ...] | None:
        with self._lock:
            issued = self._tokens.get(token) if token else None
            return issued.scopes if issued else None

    def revoke_all(self) -> None:
        """Invalidate every token issued so far (later ones are valid again)."""
        with self._lock:
            self._revoked_upto = self._issued

    def fail_next(
        self,
        status: int = 400,
        error: str = "invalid_grant",
        description: str = "Token has been expired or revoked.",
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` token requests (either path) with this OAuth error."""
        body = json.dumps({"error": error, "error_description": description}).encode()
        self.answer_next(status, body, JSON_TYPE, times=times)

    def answer_next(
        self, status: int, body: bytes | str, content_type: str = JSON_TYPE, times: int = 1
    ) -> None:
        """Answer the next ``times`` token requests with exactly this body (e.g. a 200 with HTML)."""
        data = body.encode() if isinstance(body, str) else body
        with self._lock:
            self._failures.extend([(status, data, content_type)] * times)

    def hang_next(self, times: int = 1) -> None:
        """Accept the next ``times`` token requests and never answer them (until the server closes)."""
        with self._lock:
            self._failures.extend([None] * times)

    def close(self) -> None:
        self._release.set()
        super().close()

    # -- serving -----------------------------------------------------------------------------
    def handle(self, ex: Exchange) -> None:
        if ex.path == "/token":
            self._token_endpoint(ex)
        elif ex.path == "/" or ex.path.startswith(_MDS_ROOT):
            self._metadata(ex)
        else:
            ex.send_json(404, {"error": "not_found", "error_description": "Not Found"})

    def _scripted_answer(self, ex: Exchange) -> bool:
        """Count the request, apply the delay, and send a scripted answer if one is queued."""
        with self._lock:
            self._token_requests += 1
        if self.delay > 0:
            time.sleep(self.delay)
        with self._lock:
            if not self._failures:
                return False
            answer = self._failures.pop(0)
        if answer is None:  # hang: hold the connection open without a byte of answer
            self._release.wait()
            raise ConnectionResetError("fake token server closed")  # the server drops the connection
        status, body, content_type = answer
        ex.send(status, body, content_type, _FLAVOR)
        return True

    def _issue(self, scopes: tuple[str, ...]) -> dict[str, Any]:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        lifetime = int(self.expires_in)
        with self._lock:
            self._issued += 1
            self._tokens[token] = _Issued(self._issued, self._now() + lifetime, scopes)
        return {"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}

    def _token_endpoint(self, ex: Exchange) -> None:
        if ex.method != "POST":
            ex.send_json(405, {"error": "invalid_request", "error_description": "Use POST."})
            return
        if self._scripted_answer(ex):
            return
        form = dict(parse_qsl(ex.body.decode("utf-8", "replace"), keep_blank_values=True))
        if form.get("grant_type") != _JWT_GRANT:
            # The grant type is echoed (never a secret); the rest of the form is not.
            desc = f"Invalid grant_type: {form.get('grant_type', '')[:80]}"
            ex.send_json(400, {"error": "unsupported_grant_type", "error_description": desc})
            return
        problem, claims = self._check_assertion(form.get("assertion", ""))
        if problem is not None:
            ex.send_json(400, {"error": "invalid_grant", "error_description": problem})
            return
        scopes = tuple(str(claims.get("scope", "")).split())
        ex.send_json(200, self._issue(scopes))

    def _check_assertion(self, assertion: str) -> tuple[str | None, dict[str, Any]]:
        """Verify the RS256 JWT like Google does; returns (error description or None, claims)."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        try:
            head_b64, claims_b64, sig_b64 = assertion.split(".")
            header = json.loads(_b64url_decode(head_b64))
            claims = json.loads(_b64url_decode(claims_b64))
            signature = _b64url_decode(sig_b64)
        except (ValueError, binascii.Error):
            return _BAD_SIGNATURE, {}
        if not isinstance(header, dict) or not isinstance(claims, dict) or header.get("alg") != "RS256":
            return _BAD_SIGNATURE, {}
        if header.get("kid") not in (None, self.private_key_id):
            return _BAD_SIGNATURE, {}  # signed with a key this account does not have
        _, public_key = _signing_key()
        try:
            signed = f"{head_b64}.{claims_b64}".encode()
            public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return _BAD_SIGNATURE, {}
        if claims.get("iss") != self.client_email:
            return "Invalid grant: account not found", {}
        if claims.get("aud") not in (self.token_uri, _GOOGLE_TOKEN_AUDIENCE):
            return "Invalid JWT: Failed audience check.", {}
        iat, exp, now = claims.get("iat"), claims.get("exp"), time.time()
        if not isinstance(iat, int) or not isinstance(exp, int):
            return _BAD_TIMEFRAME, {}
        # JWT times are wall-clock; allow Google-like skew but no more than an hour of lifetime.
        if exp - iat > 3600 or iat > now + 300 or exp < now - 300:
            return _BAD_TIMEFRAME, {}
        return None, claims

    def _metadata(self, ex: Exchange) -> None:
        # The real server refuses requests without the flavor header, and proxied ones (SSRF guard).
        if ex.headers.get("metadata-flavor") != "Google" or "x-forwarded-for" in ex.headers:
            body = b"Missing required header: Metadata-Flavor: Google"
            ex.send(403, body, "text/html; charset=UTF-8", _FLAVOR)
            return
        if ex.path == "/":
            ex.send(200, b"computeMetadata/\n", _TEXT, _FLAVOR)
            return
        rel = ex.path[len(_MDS_ROOT) :]
        text: str | None = None
        if rel == "project/project-id":
            text = self.project_id
        elif rel == "universe/universe-domain":
            text = "googleapis.com"
        elif rel == "instance/service-accounts/" or rel == "instance/service-accounts":
            text = f"default/\n{self.client_email}/\n"
        elif rel.startswith("instance/service-accounts/"):
            account, _, leaf = rel[len("instance/service-accounts/") :].partition("/")
            if account in ("default", self.client_email):
                self._service_account(ex, leaf)
                return
        if text is None:
            ex.send(404, b"Not Found", "text/html; charset=UTF-8", _FLAVOR)
        else:
            ex.send(200, text.encode(), _TEXT, _FLAVOR)

    def _service_account(self, ex: Exchange, leaf: str) -> None:
        if leaf == "token":
            if self._scripted_answer(ex):
                return
            scopes = tuple(s for s in ex.query.get("scopes", "").split(",") if s) or tuple(
                self.metadata_scopes
            )
            ex.send(200, json.dumps(self._issue(scopes)).encode(), JSON_TYPE, _FLAVOR)
        elif leaf == "" and ex.query.get("recursive") == "true":
            info = {"aliases": ["default"], "email": self.client_email, "scopes": self.metadata_scopes}
            ex.send(200, json.dumps(info).encode(), JSON_TYPE, _FLAVOR)
        elif leaf == "":
            ex.send(200, b"aliases\nemail\nidentity\nscopes\ntoken\n", _TEXT, _FLAVOR)
        elif leaf == "email":
            ex.send(200, self.client_email.encode(), _TEXT, _FLAVOR)
        elif leaf == "scopes":
            ex.send(200, "\n".join(self.metadata_scopes).encode(), _TEXT, _FLAVOR)
        else:
            ex.send(404, b"Not Found", "text/html; charset=UTF-8", _FLAVOR)
