"""The harness's own helpers, checked against published values."""

from allauth.mfa.totp.internal.auth import generate_totp_secret, validate_totp_code

from tests.e2e.helpers import current_totp_code, totp_code

# RFC 6238 appendix B: the SHA-1 secret is the ASCII "12345678901234567890".
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def test_totp_code_matches_the_rfc_6238_vectors():
    # The RFC lists 8-digit values; a 6-digit code is their last six digits.
    assert totp_code(RFC_SECRET, at=59) == "287082"
    assert totp_code(RFC_SECRET, at=1111111109) == "081804"
    assert totp_code(RFC_SECRET, at=2000000000) == "279037"


def test_current_totp_code_is_accepted_by_allauth():
    secret = generate_totp_secret()
    assert validate_totp_code(secret, current_totp_code(secret))
