"""Plain helpers for browser tests: accessibility checks and authenticator codes.

Import them in a test with `from tests.e2e.helpers import assert_accessible, current_totp_code`.
"""

import base64
import hashlib
import hmac
import struct
import time
from pathlib import Path

import axe_playwright_python

# axe-core as shipped inside the installed package, so the check works offline.
AXE_SCRIPT = Path(axe_playwright_python.__file__).with_name("axe.min.js")
BLOCKING_IMPACTS = {"serious", "critical"}

TOTP_STEP = 30
TOTP_DIGITS = 6


def accessibility_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now, whatever their impact."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated by the browser's DevTools protocol rather than added as a <script>: the
        # pages' Content-Security-Policy refuses inline scripts, rightly.
        page.evaluate(AXE_SCRIPT.read_text())
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # axe-core needs the page's JavaScript (and its timers) to run.
        raise RuntimeError(
            f"axe-core could not run on {page.url}: is JavaScript disabled in this context? "
            "Check the page's accessibility in a context with JavaScript enabled."
        )
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return results["violations"]


def assert_accessible(page) -> None:
    """Fail listing every serious or critical axe-core violation on the page."""
    blocking = [v for v in accessibility_violations(page) if v.get("impact") in BLOCKING_IMPACTS]
    if not blocking:
        return
    lines = [f"{len(blocking)} serious/critical accessibility violation(s) on {page.url}:"]
    for violation in blocking:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            selector = " ".join(" >> ".join(part) if isinstance(part, list) else part
                                for part in node["target"])
            lines.append(f"    at {selector}")
    raise AssertionError("\n".join(lines))


def totp_code(secret: str, at: float | None = None) -> str:
    """RFC 6238 code for a base32 secret: HMAC-SHA1 over 30-second steps, 6 digits."""
    cleaned = "".join(secret.split()).upper()
    key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    counter = int((time.time() if at is None else at) // TOTP_STEP)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**TOTP_DIGITS).zfill(TOTP_DIGITS)


def current_totp_code(secret: str, margin: float = 3.0) -> str:
    """A code that stays valid for at least `margin` seconds.

    The server allows no clock tolerance (MFA_TOTP_TOLERANCE is 0), so a code computed just
    before a step ends could be stale by the time the form reaches it: wait for the next step.
    """
    remaining = TOTP_STEP - time.time() % TOTP_STEP
    if remaining < margin:
        time.sleep(remaining + 0.05)
    return totp_code(secret)


def apply_by_email(page, *, name: str, address: str, postcode: str, born: str, email: str,
                   class_label: str = "Staff (from age 16)") -> None:
    """On the application form: fill it in as someone contacted by email who agrees to the
    rules, and send it."""
    page.get_by_label("I am applying as").select_option(label=class_label)
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Postal address").fill(address)
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_label("Date of birth").fill(born)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("How should the society contact you?").select_option("email")
    page.get_by_label("I agree to receive notices and ballots electronically").check()
    page.get_by_label("I agree to be bound by the society's rules").check()
    page.get_by_role("button", name="Send my application").click()
