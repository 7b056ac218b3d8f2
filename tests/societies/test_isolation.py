"""Every URL under /s/<slug>/, taken from the URL resolver, against every persona.

Later issues add pages; this test covers them without being edited.
"""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from societies.permissions import ROLE_PERMISSIONS, Role

SOCIETY_PREFIX = "s/<slug:society_slug>/"
SAMPLE = {"uuid": uuid.UUID(int=12345), "int": 999999, "str": "x", "path": "x", "slug": "x"}


def _converter_name(converter) -> str:
    return type(converter).__name__.replace("Converter", "").lower()


def society_patterns():
    """(url name, view, converters) for every pattern under the society prefix."""
    found = []

    def walk(patterns, namespace, prefix, converters):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            entry_converters = {**converters, **getattr(entry.pattern, "converters", {})}
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, ns, route, entry_converters)
            elif isinstance(entry, URLPattern) and route.startswith(SOCIETY_PREFIX):
                found.append((route, namespace, entry, entry_converters))

    walk(get_resolver().url_patterns, "", "", {})
    return found


PATTERNS = society_patterns()


def url_for(route, namespace, pattern, converters, slug):
    assert pattern.name, f"society URL {route} must be named"
    kwargs = {}
    for name, converter in converters.items():
        kwargs[name] = slug if name == "society_slug" else SAMPLE[_converter_name(converter)]
    return reverse(f"{namespace}:{pattern.name}" if namespace else pattern.name, kwargs=kwargs)


def fetch(client, url):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


def ids(patterns):
    return [route for route, *_ in patterns]


def test_the_resolver_finds_the_society_pages():
    routes = ids(PATTERNS)
    assert SOCIETY_PREFIX in routes
    assert f"{SOCIETY_PREFIX}settings/" in routes


@pytest.mark.parametrize("route,namespace,pattern,converters", PATTERNS, ids=ids(PATTERNS))
def test_every_society_view_declares_who_may_open_it(route, namespace, pattern, converters):
    view = pattern.callback
    assert getattr(view, "required_permission", None) or getattr(view, "society_public", False), (
        f"{route}: decorate the view with access.requires(...) or access.public"
    )


@pytest.mark.parametrize("route,namespace,pattern,converters", PATTERNS, ids=ids(PATTERNS))
def test_anonymous_visitors_are_sent_to_sign_in(world, route, namespace, pattern, converters):
    if getattr(pattern.callback, "society_public", False):
        pytest.skip("public page")
    url = url_for(route, namespace, pattern, converters, world.society.slug)
    response = fetch(world.client("anonymous"), url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("route,namespace,pattern,converters", PATTERNS, ids=ids(PATTERNS))
def test_outsiders_get_not_found(world, route, namespace, pattern, converters):
    if getattr(pattern.callback, "society_public", False):
        pytest.skip("public page")
    url = url_for(route, namespace, pattern, converters, world.society.slug)
    outsider = world.client("outsider")
    assert fetch(outsider, url).status_code == 404
    # A society that does not exist looks exactly the same.
    missing = url_for(route, namespace, pattern, converters, "no-such-society")
    assert fetch(outsider, missing).status_code == 404


@pytest.mark.parametrize("route,namespace,pattern,converters", PATTERNS, ids=ids(PATTERNS))
def test_members_without_the_permission_are_refused(world, route, namespace, pattern, converters):
    permission = getattr(pattern.callback, "required_permission", None)
    url = url_for(route, namespace, pattern, converters, world.society.slug)
    response = fetch(world.client("member"), url)
    if permission and permission not in ROLE_PERMISSIONS[Role.MEMBER]:
        assert response.status_code == 403
    elif not converters.keys() - {"society_slug"}:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code not in (403, 500)
