"""Settings: read once from FUNNEL_* variables, loud on a bad value."""

from __future__ import annotations

import pytest

from functions.config import ConfigError, Settings, load_settings


def test_defaults_are_the_embedded_mode() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.embedded and settings.store == "sqlite" and settings.sms_transport == "outbox"


def test_values_are_read_and_typed() -> None:
    settings = load_settings({"FUNNEL_STORE": "dynamodb", "FUNNEL_TOKEN_DAYS": "7", "PORT": "9000",
                              "FUNNEL_DYNAMODB_ENDPOINT": "https://docapi.serverless.yandexcloud.net/x",
                              "FUNNEL_WORKERS": "3", "FUNNEL_THREADS": "4"})
    assert (settings.store, settings.token_days, settings.port, settings.embedded) == ("dynamodb", 7, 9000, False)
    assert (settings.workers, settings.threads) == (3, 4)
    assert settings.dynamodb_endpoint.startswith("https://docapi")


@pytest.mark.parametrize("env,needle", [
    ({"FUNNEL_STORE": "postgres"}, "FUNNEL_STORE"),
    ({"FUNNEL_TOKEN_DAYS": "two"}, "FUNNEL_TOKEN_DAYS"),
    ({"FUNNEL_TOKEN_DAYS": "0"}, "FUNNEL_TOKEN_DAYS"),
    ({"FUNNEL_PUBLIC_URL": "otk.ru"}, "FUNNEL_PUBLIC_URL"),
    ({"PORT": "70000"}, "PORT"),
    ({"FUNNEL_SMS_TRANSPORT": "pigeon"}, "FUNNEL_SMS_TRANSPORT"),
    ({"FUNNEL_WORKERS": "0"}, "FUNNEL_WORKERS"),
    ({"FUNNEL_THREADS": "500"}, "FUNNEL_THREADS"),
])
def test_bad_values_fail_loudly(env, needle) -> None:
    with pytest.raises(ConfigError, match=needle):
        load_settings(env)
