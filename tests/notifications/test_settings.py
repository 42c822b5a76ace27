"""CIVIC_MAIL_URL and friends: SMTP with STARTTLS or TLS and credentials, or .eml files."""

from __future__ import annotations

from pathlib import Path

import pytest

from civic import config
from civic.config import ConfigurationError, mail_settings, smtp_settings


def test_starttls_on_the_submission_port_with_encoded_credentials():
    settings = smtp_settings(
        "smtp://civic%40council.gov.uk:p%40ss%3Aword@mail.council.gov.uk?starttls=1"
    )
    assert settings == {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "mail.council.gov.uk",
        "MAIL_PORT": 587,
        "MAIL_USERNAME": "civic@council.gov.uk",
        "MAIL_PASSWORD": "p@ss:word",
        "MAIL_USE_TLS": True,
        "MAIL_USE_SSL": False,
    }


def test_smtps_is_tls_from_the_start_on_465():
    settings = smtp_settings("smtps://user:secret@mail.example.org")
    assert (settings["MAIL_PORT"], settings["MAIL_USE_SSL"], settings["MAIL_USE_TLS"]) == (
        465,
        True,
        False,
    )


def test_plain_smtp_keeps_a_given_port_and_has_no_credentials():
    settings = smtp_settings("smtp://relay.internal:2525")
    assert (settings["MAIL_PORT"], settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"]) == (
        2525,
        None,
        None,
    )
    assert not settings["MAIL_USE_TLS"] and not settings["MAIL_USE_SSL"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://mail.example.org", "smtp:// or smtps://"),
        ("smtp://", "no mail server"),
        ("smtp://mail.example.org:99999", "port"),
        ("smtps://mail.example.org?starttls=1", "TLS already"),
    ],
)
def test_unusable_urls_stop_civic_with_one_line(url, reason):
    with pytest.raises(ConfigurationError) as refused:
        smtp_settings(url)
    assert reason in refused.value.message
    assert "\n" not in refused.value.message


def test_without_a_url_mail_is_written_under_instance_mail(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("CIVIC_MAIL_URL", raising=False)
    settings = mail_settings(tmp_path)
    assert settings["MAIL_BACKEND"] == config.MAIL_FILE_BACKEND
    assert settings["MAIL_FILE_PATH"] == str(tmp_path / "mail")
    assert (settings["MAIL_TIMEOUT"], settings["MAIL_MAX_ATTEMPTS"]) == (10.0, 6)


def test_numbers_below_their_minimum_are_refused(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("CIVIC_MAIL_MAX_ATTEMPTS", "0")
    with pytest.raises(ConfigurationError, match="CIVIC_MAIL_MAX_ATTEMPTS"):
        mail_settings(tmp_path)
    monkeypatch.setenv("CIVIC_MAIL_MAX_ATTEMPTS", "lots")
    with pytest.raises(ConfigurationError, match="CIVIC_MAIL_MAX_ATTEMPTS"):
        mail_settings(tmp_path)
