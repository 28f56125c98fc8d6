"""The derived state of a convention on dates around each boundary (Art. 4, 5 and 9)."""

import datetime

import pytest

from communes.models import ConventionState, EndReason
from tests.factories import ConventionFactory, ProviderContractFactory

D = datetime.date
NOTIFIED = D(2022, 3, 29)


@pytest.fixture
def convention(db):
    return ConventionFactory(notified_on=NOTIFIED)


def test_signed_but_not_yet_notified_is_not_active(convention):
    ProviderContractFactory()
    status = convention.status_on(NOTIFIED - datetime.timedelta(days=1))

    assert status.state == ConventionState.SIGNED
    assert not status.is_active


def test_never_notified_convention_stays_signed(convention):
    ProviderContractFactory()
    convention.notified_on = None

    assert convention.status_on(D(2030, 1, 1)).state == ConventionState.SIGNED


def test_active_from_the_notification_day_for_a_first_yearly_term(convention):
    ProviderContractFactory()

    status = convention.status_on(NOTIFIED)

    assert status.is_active
    assert (status.term_starts_on, status.term_ends_on) == (NOTIFIED, D(2023, 3, 28))


def test_first_anniversary_with_a_provider_contract_renews_the_term(convention):
    ProviderContractFactory(starts_on=D(2021, 1, 1), ends_on=D(2025, 12, 31))

    status = convention.status_on(D(2023, 3, 29))

    assert status.is_active
    assert (status.term_starts_on, status.term_ends_on) == (D(2023, 3, 29), D(2024, 3, 28))


def test_first_anniversary_without_a_provider_contract_ends_it(convention):
    ProviderContractFactory(starts_on=D(2021, 1, 1), ends_on=D(2023, 3, 28))

    last_day = convention.status_on(D(2023, 3, 28))
    anniversary = convention.status_on(D(2023, 3, 29))

    assert last_day.is_active
    assert last_day.covered_until == D(2023, 3, 28)
    assert anniversary.state == ConventionState.ENDED
    assert (anniversary.ends_on, anniversary.end_reason) == (D(2023, 3, 29), EndReason.LAPSED)


def test_back_to_back_provider_contracts_keep_it_active(convention):
    ProviderContractFactory(starts_on=D(2021, 1, 1), ends_on=D(2023, 12, 31))
    ProviderContractFactory(starts_on=D(2024, 1, 1), ends_on=D(2027, 12, 31))

    status = convention.status_on(D(2024, 6, 1))

    assert status.is_active
    assert status.ends_on == D(2028, 1, 1)


def test_a_gap_between_provider_contracts_ends_it_for_good(convention):
    ProviderContractFactory(starts_on=D(2021, 1, 1), ends_on=D(2023, 12, 31))
    ProviderContractFactory(starts_on=D(2024, 3, 1), ends_on=D(2027, 12, 31))

    status = convention.status_on(D(2024, 6, 1))

    assert status.state == ConventionState.ENDED
    assert (status.ends_on, status.end_reason) == (D(2024, 1, 1), EndReason.LAPSED)


def test_termination_ends_it_on_its_effective_date(convention):
    ProviderContractFactory()
    convention.termination_letter_on = D(2025, 4, 15)
    convention.termination_effective_on = D(2025, 6, 30)

    day_before = convention.status_on(D(2025, 6, 29))
    effective_day = convention.status_on(D(2025, 6, 30))

    assert day_before.is_active
    assert day_before.covered_until == D(2025, 6, 29)
    assert effective_day.state == ConventionState.ENDED
    assert effective_day.end_reason == EndReason.TERMINATED


def test_revocation_ends_it_at_once_and_for_good(convention):
    ProviderContractFactory()
    convention.revocation_decided_on = D(2025, 9, 15)

    assert convention.status_on(D(2025, 9, 14)).is_active
    for day in (D(2025, 9, 15), D(2026, 9, 15), D(2030, 1, 1)):
        status = convention.status_on(day)
        assert (status.state, status.end_reason) == (ConventionState.ENDED, EndReason.REVOKED)


def test_the_earliest_end_wins(convention):
    ProviderContractFactory(starts_on=D(2021, 1, 1), ends_on=D(2025, 12, 31))
    convention.revocation_decided_on = D(2025, 9, 15)
    convention.termination_effective_on = D(2025, 10, 1)

    assert convention.status_on(D(2026, 6, 1)).end_reason == EndReason.REVOKED


def test_a_convention_notified_on_29_february_renews_on_28_february(db):
    ProviderContractFactory()
    convention = ConventionFactory(signed_on=D(2024, 2, 29), notified_on=D(2024, 2, 29))

    status = convention.status_on(D(2025, 3, 1))

    assert (status.term_starts_on, status.term_ends_on) == (D(2025, 2, 28), D(2026, 2, 27))


def test_commune_answers_with_its_active_convention(db):
    ProviderContractFactory()
    old = ConventionFactory(notified_on=D(2022, 3, 29), termination_effective_on=D(2023, 1, 1))
    ConventionFactory(commune=old.commune, signed_on=D(2024, 5, 1), notified_on=D(2024, 5, 2))

    assert old.commune.convention_status_on(D(2022, 6, 1)).term_starts_on == D(2022, 3, 29)
    assert old.commune.convention_status_on(D(2023, 6, 1)).state == ConventionState.ENDED
    assert old.commune.convention_status_on(D(2024, 6, 1)).term_starts_on == D(2024, 5, 2)
