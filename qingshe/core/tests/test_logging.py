import logging

from qingshe.core.logging import RedactPersonalDataFilter, redact


def test_redact_masks_phone_and_id_numbers() -> None:
    text = "login 13800138000 id 11010519491231002X +8613912345678"
    out = redact(text)
    assert "13800138000" not in out and "11010519491231002X" not in out
    assert "138****8000" in out and "110105********002X" in out
    assert "8613912345678" not in out


def test_redact_leaves_other_numbers() -> None:
    assert redact("order 2026112213 took 1234 ms") == "order 2026112213 took 1234 ms"


def test_filter_rewrites_records_with_args(caplog) -> None:  # type: ignore[no-untyped-def]
    logger = logging.getLogger("qingshe.test.redact")
    logger.addFilter(RedactPersonalDataFilter())
    with caplog.at_level(logging.INFO, logger="qingshe.test.redact"):
        logger.info("user %s registered with %s", "13800138000", "11010519491231002X")
    assert "13800138000" not in caplog.text
    assert "11010519491231002X" not in caplog.text
    assert "138****8000" in caplog.text


def test_project_logging_config_attaches_the_filter() -> None:
    from django.conf import settings

    assert "redact" in settings.LOGGING["handlers"]["console"]["filters"]
