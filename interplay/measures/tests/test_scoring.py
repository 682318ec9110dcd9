"""PHQ-9 and GAD-7 scoring (docs/clinical-rules.md 4.1, 4.2, 4.5, 5.1)."""

import pytest

from interplay.measures.instruments import GAD7, PHQ9
from interplay.measures.scoring import band_for, score


def phq(*values: int | None) -> dict[int, int | None]:
    return dict(enumerate(values, start=1))


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "None or minimal"),
        (4, "None or minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Moderately severe"),
        (19, "Moderately severe"),
        (20, "Severe"),
        (27, "Severe"),
    ],
)
def test_phq9_bands_follow_kroenke(total: int, band: str) -> None:
    assert band_for(PHQ9, total) == band


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "Minimal"), (4, "Minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate"), (15, "Severe")],
)
def test_gad7_bands_follow_spitzer(total: int, band: str) -> None:
    assert band_for(GAD7, total) == band


def test_phq9_total_is_the_sum_of_nine_items() -> None:
    result = score(PHQ9, phq(1, 2, 3, 0, 1, 2, 1, 0, 0))
    assert (result.total, result.band, result.complete) == (10, "Moderate", True)


@pytest.mark.parametrize(("total", "case"), [(9, False), (10, True)])
def test_phq9_caseness_starts_at_10(total: int, case: bool) -> None:
    values = [3] * (total // 3) + [total % 3] + [0] * 9
    assert score(PHQ9, phq(*values[:9])).at_caseness is case


@pytest.mark.parametrize(("total", "case"), [(7, False), (8, True)])
def test_gad7_caseness_starts_at_8_not_the_screening_10(total: int, case: bool) -> None:
    values = ([3, 3, 1] if total == 7 else [3, 3, 2]) + [0, 0, 0, 0]
    assert score(GAD7, dict(enumerate(values, start=1))).at_caseness is case


def test_it_flags_item_9_above_zero_whatever_the_total() -> None:
    result = score(PHQ9, phq(0, 0, 0, 0, 0, 0, 0, 0, 1))
    assert result.risk and result.risk_items_positive == (9,)
    assert result.total == 1 and result.band == "None or minimal"


def test_item_9_at_zero_is_no_risk() -> None:
    assert not score(PHQ9, phq(3, 3, 3, 3, 3, 3, 3, 3, 0)).risk


def test_a_partial_response_has_no_total_but_keeps_the_risk_flag() -> None:
    result = score(PHQ9, phq(2, 2, None, 2, 2, 2, 2, 2, 2))
    assert result.total is None and not result.complete and result.band == "Incomplete"
    assert result.risk


def test_an_answer_outside_the_options_is_refused() -> None:
    with pytest.raises(ValueError, match="item 2"):
        score(PHQ9, phq(0, 4, 0, 0, 0, 0, 0, 0, 0))


def test_instruments_carry_codes_thresholds_and_attribution() -> None:
    assert (PHQ9.loinc_panel, PHQ9.loinc_total, PHQ9.reliable_change) == ("44249-1", "44261-6", 6)
    assert (GAD7.loinc_panel, GAD7.loinc_total, GAD7.reliable_change) == ("69737-5", "70274-6", 4)
    assert PHQ9.max_total == 27 and GAD7.max_total == 21
    assert "No permission required" in PHQ9.attribution
