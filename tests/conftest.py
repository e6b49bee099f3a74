import os

from django.test import TransactionTestCase
from hypothesis import HealthCheck, settings

from rejets.core.append_only import maintenance

settings.register_profile(
    "ci", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

_fixture_teardown = TransactionTestCase._fixture_teardown


def _fixture_teardown_en_maintenance(self: TransactionTestCase) -> None:
    """Emptying the database between transactional tests is the one use of the maintenance
    switch besides restore: append-only tables refuse it otherwise."""
    with maintenance():
        _fixture_teardown(self)


TransactionTestCase._fixture_teardown = _fixture_teardown_en_maintenance  # type: ignore[method-assign]
