"""The headers every answer carries (ADR 0030), unless the route set its own.

The pages' Content-Security-Policy allows scripts and style attributes only from this site or by
the SHA-256 of the inline ones the templates hold (GOV.UK Frontend's `js-enabled` line, its
module loader): `inline_hashes` gives them, computed once from the templates. The API's own docs
page (/docs, /redoc) loads Swagger UI from its CDN and so gets a policy of its own; a rendered
report (its own stylesheet inline, no script) one that lets the reports page frame it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
DOCS = ("/docs", "/redoc")
REPORTS = ("/reports/annual.", "/api/v1/reports/")
DOCS_CSP = (
    "default-src 'none'; script-src https://cdn.jsdelivr.net 'unsafe-inline'; "
    "style-src https://cdn.jsdelivr.net 'unsafe-inline'; img-src 'self' data: "
    "https://fastapi.tiangolo.com; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# A rendered report (HTML, its own inline stylesheet, charts as data: images) in the reports
# page's frame: styles inline, no script at all, framed by this site only.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def inline_hashes(templates: Path) -> tuple[list[str], list[str]]:
    """The CSP sources of the inline scripts and of the style attributes in `templates`."""
    scripts: set[str] = set()
    styles: set[str] = set()
    for path in sorted(templates.glob("*.html")):
        source = path.read_text(encoding="utf-8")
        for body in _SCRIPT.findall(source):
            if "{{" not in body and "{%" not in body:  # a templated script has no fixed hash
                scripts.add(_sha256(body))
        styles.update(_sha256(body) for body in _STYLE_ATTRIBUTE.findall(source))
    return sorted(scripts), sorted(styles)


def page_policy(script_hashes: Iterable[str], style_hashes: Iterable[str]) -> str:
    scripts = " ".join(script_hashes)
    styles = " ".join(style_hashes)
    style_src = f"'self' 'unsafe-hashes' {styles}" if styles else "'self'"
    return (
        f"default-src 'self'; script-src 'self' {scripts}; style-src {style_src}; "
        "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-src 'self'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """Adds what is missing to a response's headers."""

    def __init__(self, policy: str) -> None:
        self.policy = policy.encode()

    def add(self, path: str, https: bool, headers: list[tuple[bytes, bytes]]) -> None:
        present = {name.lower() for name, _ in headers}
        wanted = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            (b"content-security-policy", self._policy(path)),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if not path.startswith("/assets/"):  # GOV.UK Frontend's files may be cached
            wanted.append((b"cache-control", b"no-store"))
        if https:
            wanted.append(HSTS)
        headers.extend((name, value) for name, value in wanted if name not in present)

    def _policy(self, path: str) -> bytes:
        if path.startswith(DOCS):
            return DOCS_CSP.encode()
        if path.startswith(REPORTS):
            return REPORT_CSP.encode()
        return self.policy
