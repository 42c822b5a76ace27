"""Receipt codes as printed and typed: 80 bits in Crockford's base32, forgiving of case,
spaces, dashes and look-alike letters, and refusing anything else with a reason."""

from __future__ import annotations

import re

import pytest

from civic.audit import Subject
from civic.audit.verifier import PRINTED_RECEIPT, ReceiptError, parse_receipt, receipt_code
from civic.receipts.codes import new_code


def test_the_code_is_the_first_80_bits_in_crockford_base32():
    assert receipt_code(bytes(32)) == "0000-0000-0000-0000"
    assert receipt_code(b"\xff" * 10 + bytes(22)) == "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    # the last of the 80 bits is the lowest bit of the last character; bit 81 is ignored
    assert receipt_code(bytes(9) + b"\x01" + b"\xff" * 22) == "0000-0000-0000-0001"
    # 0x84 = 10000 100..: the first character holds the top five bits (16 -> "G")
    assert receipt_code(b"\x84" + bytes(31)).startswith("G")
    with pytest.raises(ValueError):
        receipt_code(b"\x01" * 9)


@pytest.mark.parametrize(
    "typed",
    [
        "7KQ2-M9XD-4HVA-0TNE",
        "7kq2m9xd4hva0tne",
        " 7KQ2 M9XD 4HVA 0TNE ",
        "7kq2-m9xd-4hva-otne",  # o read as zero
        "7KQ2--M9XD-4HVA-0TNE",
    ],
)
def test_typing_is_forgiving(typed):
    assert parse_receipt(typed) == "7KQ2-M9XD-4HVA-0TNE"


def test_i_and_l_read_as_one():
    assert parse_receipt("IL00-0000-0000-0000") == "1100-0000-0000-0000"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Enter the receipt code"),
        ("   ", "Enter the receipt code"),
        ("7KQ2-M9XD-4HVA", "has 16 letters and digits; yours has 12"),
        ("7KQ2-M9XD-4HVA-0TNE-1", "yours has 17"),
        ("7KQ2-M9XD-4HVA-0TNU", "yours has 'U'"),
        ("7KQ2/M9XD/4HVA/0TNE", "yours has '/'"),
    ],
)
def test_anything_else_is_refused_with_a_reason(typed, reason):
    with pytest.raises(ReceiptError, match=re.escape(reason)):
        parse_receipt(typed)


def test_each_cast_gets_its_own_code_even_for_the_same_choice(app):
    subject = Subject("proposal", "1")
    codes = {new_code(subject, {"choice": "for"}) for _ in range(200)}
    assert len(codes) == 200  # the random nonce: a code cannot be guessed from the choice
    assert all(PRINTED_RECEIPT.match(code) and parse_receipt(code) == code for code in codes)
