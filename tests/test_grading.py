import pytest
from hypothesis import given
from hypothesis import strategies as st

from recall.grading import AnswerFormatError, grade, normalise, parse_number
from recall.scheduling import Rating

TYPED = {"question": "q", "answer": "Memory Mapping", "accept": ["mmap"]}
CHOICE = {"question": "q", "choices": ["a", "b", "c"], "answer": 2}


@pytest.mark.parametrize("response,ok", [
    ("memory mapping", True), ("  MEMORY   mapping ", True), ("mmap", True), ("MMAP\t", True),
    ("memory-mapping", False), ("", False), ("map", False),
])
def test_typed_compares_after_normalising(response, ok):
    v = grade("typed", TYPED, response)
    assert v.correct is ok
    assert v.suggested == (Rating.GOOD if ok else Rating.AGAIN)
    assert v.expected == "Memory Mapping"


@pytest.mark.parametrize("response,ok", [("2", True), (" 2 ", True), ("1", False), ("3", False)])
def test_choice(response, ok):
    assert grade("choice", CHOICE, response).correct is ok


@pytest.mark.parametrize("response", ["0", "4", "b", "", "2.0"])
def test_choice_out_of_range_is_a_format_error(response):
    with pytest.raises(AnswerFormatError, match="1 to 3"):
        grade("choice", CHOICE, response)


def numeric(answer, tolerance, unit="ns"):
    return {"question": "q", "answer": answer, "unit": unit, "tolerance": tolerance}


@pytest.mark.parametrize("card,response,rating", [
    (numeric(24, 0), "24", Rating.GOOD),
    (numeric(24, 0), "23", Rating.HARD),      # exact facts: within 10 % is Hard
    (numeric(24, 0), "20", Rating.AGAIN),
    (numeric(100, 10), "110", Rating.GOOD),   # absolute tolerance: boundary is inside
    (numeric(100, 10), "130", Rating.HARD),   # within 3x the tolerance
    (numeric(100, 10), "131", Rating.AGAIN),
    (numeric(100, "10%"), "90", Rating.GOOD),
    (numeric(100, "10%"), "75", Rating.HARD),
    (numeric(100, "10%"), "60", Rating.AGAIN),
    (numeric(100, "x2"), "200", Rating.GOOD),  # within a factor of 2
    (numeric(100, "x2"), "50", Rating.GOOD),
    (numeric(100, "x2"), "700", Rating.HARD),  # within 2^3 = 8x
    (numeric(100, "x2"), "900", Rating.AGAIN),
    (numeric(100, "x2"), "0", Rating.AGAIN),
    (numeric(100, "x2"), "-100", Rating.AGAIN),
    (numeric(16_777_216, 0), "16,777,216", Rating.GOOD),
    (numeric(1e9, "x10"), "1G", Rating.GOOD),
    (numeric(2500, "1%"), "2.5k", Rating.GOOD),
    (numeric(64, 0, "bytes"), "64 bytes", Rating.GOOD),
])
def test_numeric_grades_by_distance(card, response, rating):
    assert grade("numeric", card, response).suggested == rating


@pytest.mark.parametrize("response", ["", "lots", "ten", "--5"])
def test_numeric_needs_a_number(response):
    with pytest.raises(AnswerFormatError, match="not a number"):
        grade("numeric", numeric(1, 0), response)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_parse_number_reads_what_python_prints(x):
    assert parse_number(repr(x)) == pytest.approx(x)


@given(st.text(max_size=30))
def test_normalise_is_idempotent(s):
    assert normalise(normalise(s)) == normalise(s)


@pytest.mark.parametrize("response", ["²", "٣", "½"])
def test_choice_with_unicode_digits_is_a_format_error(response):
    with pytest.raises(AnswerFormatError):
        grade("choice", CHOICE, response)


@pytest.mark.parametrize("response", ["16MB", "0x10", "12abc", "5 m"])
def test_numeric_rejects_trailing_junk(response):
    with pytest.raises(AnswerFormatError):
        grade("numeric", numeric(16, 0, "ns"), response)


@pytest.mark.parametrize("response,value", [("64 bytes", 64), ("64bytes", 64), ("2k", 2000), ("1.5M", 1.5e6)])
def test_numeric_accepts_the_cards_unit(response, value):
    assert grade("numeric", numeric(value, 0, "bytes"), response).suggested == Rating.GOOD


@pytest.mark.parametrize("x,text", [(16777216, "16,777,216"), (76.23, "76.2"), (0.125, "0.125"), (3.0, "3"),
                                    (1.5e-9, "1.5e-09")])
def test_values_are_shown_exactly_when_whole(x, text):
    from recall.grading import show_value

    assert show_value(x) == text
