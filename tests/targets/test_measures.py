import pytest

from targets.templatetags.measures import measure


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (0.9, "rate", "90.0%"),
        (0.8765, "rate", "87.7%"),
        (36000, "count", "36,000"),
        (330, "average", "330.00"),
        (None, "count", "—"),
    ],
)
def test_a_measure_reads_as_people_write_it(value: object, kind: str, shown: str) -> None:
    assert measure(value, kind) == shown
