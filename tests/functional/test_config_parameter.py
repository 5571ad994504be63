"""The SSM config map read through Powertools parameters, against moto's SSM."""

from __future__ import annotations

import importlib
import json

import boto3
import pytest

from loyalty.errors import ConfigurationError
from loyalty.settings import Settings
from tests.support.aws import REGION, TABLE_NAME

PARAMETER = "/loyalty/test/config"


@pytest.fixture(autouse=True)
def fresh_parameter_provider() -> None:
    from aws_lambda_powertools.utilities import parameters

    # Powertools keeps one provider (its boto3 client and value cache) per process.
    parameters.clear_caches()


def put_config(settings: dict[str, object]) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=PARAMETER, Value=json.dumps(settings), Type="String", Overwrite=True
    )


def test_settings_come_from_the_ssm_parameter(monkeypatch: pytest.MonkeyPatch) -> None:
    put_config({"LOYALTY_GOLD_THRESHOLD": 200_000, "LOYALTY_ADMIN_GROUP": "ops"})
    monkeypatch.setenv("LOYALTY_CONFIG_PARAMETER", PARAMETER)
    settings = Settings.from_environ()
    assert settings.table_name == TABLE_NAME
    assert settings.policy.tiers.gold == 200_000
    assert settings.admin_group == "ops"


def test_a_missing_parameter_fails_the_cold_start_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOYALTY_CONFIG_PARAMETER", "/loyalty/absent")
    with pytest.raises(ConfigurationError, match=r"LOYALTY_CONFIG_PARAMETER \(/loyalty/absent\)"):
        Settings.from_environ()


def test_a_handler_takes_its_settings_from_the_parameter_at_cold_start(
    monkeypatch: pytest.MonkeyPatch, dynamodb: object
) -> None:
    put_config({"LOYALTY_FAKE_TTL_SECONDS": 120})
    monkeypatch.setenv("LOYALTY_CONFIG_PARAMETER", PARAMETER)
    from lambda_entrypoints import ingest

    module = importlib.reload(ingest)
    assert module.function.settings.policy.expiry.fake.total_seconds() == 120
