"""Fixtures for membership tests: uploaded files go to a temporary folder, and a helper for an
application's values."""

from datetime import date

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def application_values(world, **overrides) -> dict:
    values = {
        "stakeholder_class": world.classes["Parent"],
        "full_name": "Grace Hopper",
        "address": "7 Harbour Row\nMargate",
        "postcode": "ct9 1aa",
        "email": "Grace@Example.org",
        "contact_channel": "email",
        "electronic_consent": True,
        "date_of_birth": date(1990, 12, 9),
    }
    values.update(overrides)
    return values


@pytest.fixture
def values_for(world):
    return lambda **overrides: application_values(world, **overrides)
