import pytest

from tests.xdist_services import own_redis_url


def test_each_xdist_process_takes_the_next_redis_database():
    assert own_redis_url("redis://127.0.0.1:6379/10", "gw0") == "redis://127.0.0.1:6379/10"
    assert own_redis_url("redis://127.0.0.1:6379/10", "gw1") == "redis://127.0.0.1:6379/11"
    assert own_redis_url("redis://127.0.0.1:6379", "gw2") == "redis://127.0.0.1:6379/2"


def test_no_process_is_given_a_database_redis_does_not_have():
    with pytest.raises(RuntimeError, match="no database 16"):
        own_redis_url("redis://127.0.0.1:6379/15", "gw1")
