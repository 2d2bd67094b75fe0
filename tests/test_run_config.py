"""`failreason run --config`: the connector's configuration read as written, or refused
with the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from failreason._errors import FailreasonError
from failreason._run_config import read_configuration


def test_bare_codes_stay_the_text_written(tmp_path: Path) -> None:
    path = tmp_path / "connector.yaml"
    path.write_text(
        "journals: {Purchases: 0400}\n"
        "accounts: {2820: 2820, Rounding: 1_000}\n"
        "default_expense_account: 4000.50\n",
        encoding="utf-8",
    )
    configuration = read_configuration(str(path))
    assert configuration.journals == {"Purchases": "0400"}  # YAML alone reads 256
    assert configuration.accounts == {"2820": "2820", "Rounding": "1_000"}
    assert configuration.default_expense_account == "4000.50"


def test_json_numbers_are_text_too(tmp_path: Path) -> None:
    path = tmp_path / "connector.json"
    path.write_text('{"accounts": {"Payables": 2820}, "journals": {"Purchases": null}}')
    configuration = read_configuration(str(path))
    assert (configuration.accounts, configuration.journals) == (
        {"Payables": "2820"},
        {"Purchases": None},
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("journal: {Purchases: PJ}\n", r"unknown field 'journal'; did you mean 'journals'\?"),
        ("journals: [PJ]\n", "journals must be a mapping of names to values"),
        ("journals: {Purchases: yes}\n", r"journals\.Purchases must be text or a number"),
        ("journals: {Purchases: [\n", r"connector\.yaml:2: not YAML"),
        ("- PJ\n", "expected a mapping of journals"),
    ],
)
def test_a_wrong_file_is_named_with_what_to_do(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "connector.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FailreasonError, match=message):
        read_configuration(str(path))
