"""Settings: environment variables, and the optional JSON config map in one SSM parameter."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest

from loyalty.domain.transactions import ExpiryRounding
from loyalty.errors import ConfigurationError
from loyalty.settings import Settings

PARAMETER = "/loyalty/prod/config"


class StubParameterStore:
    """Stands in for the SSM fetch; counts how often it is asked."""

    def __init__(self, value: object) -> None:
        self.value = value if isinstance(value, str) else json.dumps(value)
        self.requests: list[str] = []

    def __call__(self, name: str) -> str:
        self.requests.append(name)
        return self.value


def test_defaults_apply_to_everything_but_the_table_name() -> None:
    settings = Settings.from_environ({"LOYALTY_TABLE_NAME": "t", "LOYALTY_ADMIN_GROUP": " "})
    assert (settings.policy.tiers.silver, settings.policy.tiers.gold) == (50_000, 100_000)
    assert settings.policy.expiry.fake == timedelta(days=1)
    assert settings.policy.expiry.rounding is ExpiryRounding.DAY
    assert settings.admin_group is None
    assert settings.log_level == "INFO"
    assert settings.metrics_namespace == "Loyalty"


def test_without_a_config_parameter_nothing_is_fetched() -> None:
    store = StubParameterStore({})
    settings = Settings.from_environ(
        {"LOYALTY_TABLE_NAME": "t", "LOYALTY_CONFIG_PARAMETER": "  "}, fetch_parameter=store
    )
    assert settings.table_name == "t"
    assert store.requests == []


def test_the_config_map_fills_in_every_setting_once() -> None:
    store = StubParameterStore(
        {
            "LOYALTY_TABLE_NAME": "ledger-prod",
            "LOYALTY_SILVER_THRESHOLD": 40_000,
            "LOYALTY_GOLD_THRESHOLD": "90000",
            "LOYALTY_FAKE_TTL_SECONDS": 600,
            "LOYALTY_EXPIRY_ROUNDING": "month",
            "LOYALTY_ADMIN_GROUP": "admins",
            "LOG_LEVEL": "debug",
            "POWERTOOLS_METRICS_NAMESPACE": "LoyaltyProd",
        }
    )
    settings = Settings.from_environ({"LOYALTY_CONFIG_PARAMETER": PARAMETER}, fetch_parameter=store)
    assert store.requests == [PARAMETER]
    assert settings.table_name == "ledger-prod"
    assert (settings.policy.tiers.silver, settings.policy.tiers.gold) == (40_000, 90_000)
    assert settings.policy.expiry.fake == timedelta(seconds=600)
    assert settings.policy.expiry.rounding is ExpiryRounding.MONTH
    assert settings.admin_group == "admins"
    assert settings.log_level == "DEBUG"
    assert settings.metrics_namespace == "LoyaltyProd"


def test_environment_variables_win_over_the_config_map_unless_empty() -> None:
    store = StubParameterStore(
        {"LOYALTY_TABLE_NAME": "from-ssm", "LOYALTY_ADMIN_GROUP": "ssm-admins"}
    )
    settings = Settings.from_environ(
        {
            "LOYALTY_CONFIG_PARAMETER": PARAMETER,
            "LOYALTY_TABLE_NAME": "from-env",
            "LOYALTY_ADMIN_GROUP": "",
        },
        fetch_parameter=store,
    )
    assert settings.table_name == "from-env"
    assert settings.admin_group == "ssm-admins"


def test_invalid_values_in_the_config_map_are_named_like_environment_variables() -> None:
    store = StubParameterStore({"LOYALTY_TABLE_NAME": "t", "LOYALTY_GOLD_THRESHOLD": "lots"})
    with pytest.raises(ConfigurationError, match="LOYALTY_GOLD_THRESHOLD must be an integer"):
        Settings.from_environ({"LOYALTY_CONFIG_PARAMETER": PARAMETER}, fetch_parameter=store)


@pytest.mark.parametrize("rounding", ["none", "DAY", " Quarter "])
def test_the_expiry_rounding_is_read_in_any_case(rounding: str) -> None:
    settings = Settings.from_environ(
        {"LOYALTY_TABLE_NAME": "t", "LOYALTY_EXPIRY_ROUNDING": rounding}
    )
    assert settings.policy.expiry.rounding.value == rounding.strip().lower()


def test_an_unknown_expiry_rounding_is_refused_naming_the_variable_and_the_choices() -> None:
    with pytest.raises(
        ConfigurationError,
        match="LOYALTY_EXPIRY_ROUNDING must be one of none, day, month, quarter \\(got 'week'\\)",
    ):
        Settings.from_environ({"LOYALTY_TABLE_NAME": "t", "LOYALTY_EXPIRY_ROUNDING": "week"})


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ("{not json", r"LOYALTY_CONFIG_PARAMETER \(/loyalty/prod/config\): not valid JSON"),
        ([1, 2], "must hold a JSON object of settings"),
        ({"LOYALTY_TABEL_NAME": "t"}, "'LOYALTY_TABEL_NAME' is not a setting"),
        ({"LOYALTY_GOLD_THRESHOLD": True}, "LOYALTY_GOLD_THRESHOLD must be a string or an integer"),
        ({"LOYALTY_ADMIN_GROUP": ["a"]}, "LOYALTY_ADMIN_GROUP must be a string or an integer"),
    ],
)
def test_a_malformed_config_map_is_refused_naming_the_parameter(
    stored: object, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message) as raised:
        Settings.from_environ(
            {"LOYALTY_CONFIG_PARAMETER": PARAMETER}, fetch_parameter=StubParameterStore(stored)
        )
    assert PARAMETER in str(raised.value)


def test_a_failed_fetch_is_a_configuration_error_naming_the_parameter() -> None:
    def unreachable(name: str) -> str:
        raise RuntimeError(f"AccessDenied on {name}")

    with pytest.raises(
        ConfigurationError,
        match=r"LOYALTY_CONFIG_PARAMETER \(/p\): cannot read the SSM parameter: AccessDenied on /p",
    ):
        Settings.from_environ({"LOYALTY_CONFIG_PARAMETER": "/p"}, fetch_parameter=unreachable)


def test_the_table_name_is_still_required_when_the_map_lacks_it() -> None:
    with pytest.raises(ConfigurationError, match="LOYALTY_TABLE_NAME is not set"):
        Settings.from_environ(
            {"LOYALTY_CONFIG_PARAMETER": PARAMETER}, fetch_parameter=StubParameterStore({})
        )


def test_powertools_parameters_are_not_imported_unless_a_config_parameter_is_set() -> None:
    code = (
        "import sys; from loyalty.settings import Settings; "
        "Settings.from_environ({'LOYALTY_TABLE_NAME': 't'}); "
        "print('aws_lambda_powertools.utilities.parameters' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
