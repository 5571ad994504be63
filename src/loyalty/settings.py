"""Typed settings read once from the environment, with errors that name the variable.

Optionally, a stage keeps its settings in one SSM String parameter holding a JSON object of the
same variable names (``LOYALTY_CONFIG_PARAMETER`` names it); environment variables win over it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from loyalty.domain.redemptions import DEFAULT_HOLD_TIMEOUT
from loyalty.domain.tiers import TierPolicy
from loyalty.domain.transactions import ExpiryPolicy, ExpiryRounding, LoyaltyPolicy
from loyalty.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["CONFIG_PARAMETER_VARIABLE", "Settings", "fetch_ssm_parameter"]

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

CONFIG_PARAMETER_VARIABLE = "LOYALTY_CONFIG_PARAMETER"
# The variables a stage's SSM config map may set.
_CONFIGURABLE = (
    "LOYALTY_TABLE_NAME",
    "LOYALTY_SILVER_THRESHOLD",
    "LOYALTY_GOLD_THRESHOLD",
    "LOYALTY_FAKE_TTL_SECONDS",
    "LOYALTY_EXPIRY_ROUNDING",
    "LOYALTY_HOLD_TIMEOUT_SECONDS",
    "LOYALTY_ADMIN_GROUP",
    "LOYALTY_EVENTS_TOPIC_ARN",
    "LOG_LEVEL",
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_METRICS_NAMESPACE",
)


def fetch_ssm_parameter(name: str) -> str:
    """The value of one SSM parameter, read through Powertools' parameters utility (cached).

    Imported here, not at module level, so a container without a config parameter never loads it.
    """
    from aws_lambda_powertools.utilities.parameters import get_parameter

    return get_parameter(name)


def _config_map(name: str, fetch: Callable[[str], str]) -> dict[str, str]:
    where = f"{CONFIG_PARAMETER_VARIABLE} ({name})"
    try:
        raw = fetch(name)
    except Exception as error:
        raise ConfigurationError(f"{where}: cannot read the SSM parameter: {error}") from error
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ConfigurationError(f"{where}: not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise ConfigurationError(f"{where}: must hold a JSON object of settings")
    settings: dict[str, str] = {}
    for key, value in document.items():
        if key not in _CONFIGURABLE:
            raise ConfigurationError(
                f"{where}: {key!r} is not a setting (expected some of {', '.join(_CONFIGURABLE)})"
            )
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ConfigurationError(f"{where}: {key} must be a string or an integer")
        settings[key] = str(value)
    return settings


def _int(environ: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer (got {raw!r})") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum} (got {value})")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the Lambda entrypoints are configured with.

    Environment variables
    ---------------------
    ``LOYALTY_TABLE_NAME`` (required), ``LOYALTY_SILVER_THRESHOLD`` (50000),
    ``LOYALTY_GOLD_THRESHOLD`` (100000), ``LOYALTY_FAKE_TTL_SECONDS`` (86400),
    ``LOYALTY_EXPIRY_ROUNDING`` (``day``; or ``none``, ``month``, ``quarter``),
    ``LOYALTY_HOLD_TIMEOUT_SECONDS`` (900: how long a redemption's hold waits for its commit),
    ``LOYALTY_ADMIN_GROUP`` (none), ``LOYALTY_EVENTS_TOPIC_ARN`` (none: the topic the notifier
    publishes to), ``LOG_LEVEL`` / ``POWERTOOLS_LOG_LEVEL`` (INFO),
    ``POWERTOOLS_METRICS_NAMESPACE`` (Loyalty),
    ``LOYALTY_CONFIG_PARAMETER`` (none: the SSM parameter holding a JSON map of the others).
    """

    table_name: str
    policy: LoyaltyPolicy = field(default_factory=LoyaltyPolicy)
    admin_group: str | None = None
    events_topic_arn: str | None = None
    hold_timeout: timedelta = DEFAULT_HOLD_TIMEOUT
    log_level: str = "INFO"
    metrics_namespace: str = "Loyalty"

    @classmethod
    def from_environ(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        fetch_parameter: Callable[[str], str] = fetch_ssm_parameter,
    ) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``).

        If ``LOYALTY_CONFIG_PARAMETER`` names an SSM parameter, its JSON object of settings is
        fetched once (with ``fetch_parameter``) and applies wherever ``environ`` leaves a
        variable unset or empty.

        Raises
        ------
        ConfigurationError
            Naming the missing or invalid variable (or the config parameter and its key).
        """
        env: Mapping[str, str] = os.environ if environ is None else environ
        parameter = env.get(CONFIG_PARAMETER_VARIABLE, "").strip()
        if parameter:
            stored = _config_map(parameter, fetch_parameter)
            env = {**stored, **{name: value for name, value in env.items() if value.strip()}}
        table_name = env.get("LOYALTY_TABLE_NAME", "").strip()
        if not table_name:
            raise ConfigurationError("LOYALTY_TABLE_NAME is not set: name the DynamoDB table")
        silver = _int(env, "LOYALTY_SILVER_THRESHOLD", 50_000, minimum=1)
        gold = _int(env, "LOYALTY_GOLD_THRESHOLD", 100_000, minimum=1)
        if not silver < gold:
            raise ConfigurationError(
                f"LOYALTY_SILVER_THRESHOLD ({silver}) must be below LOYALTY_GOLD_THRESHOLD ({gold})"
            )
        fake_ttl = _int(env, "LOYALTY_FAKE_TTL_SECONDS", 86_400, minimum=1)
        hold_timeout = _int(
            env,
            "LOYALTY_HOLD_TIMEOUT_SECONDS",
            int(DEFAULT_HOLD_TIMEOUT.total_seconds()),
            minimum=1,
        )
        rounding = (env.get("LOYALTY_EXPIRY_ROUNDING") or "").strip().lower() or "day"
        if rounding not in set(ExpiryRounding):
            raise ConfigurationError(
                "LOYALTY_EXPIRY_ROUNDING must be one of "
                f"{', '.join(ExpiryRounding)} (got {rounding!r})"
            )
        log_level = (env.get("POWERTOOLS_LOG_LEVEL") or env.get("LOG_LEVEL") or "INFO").upper()
        if log_level not in _LOG_LEVELS:
            raise ConfigurationError(
                f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)} (got {log_level!r})"
            )
        return cls(
            table_name=table_name,
            policy=LoyaltyPolicy(
                expiry=ExpiryPolicy(
                    fake=timedelta(seconds=fake_ttl), rounding=ExpiryRounding(rounding)
                ),
                tiers=TierPolicy(silver=silver, gold=gold),
            ),
            admin_group=(env.get("LOYALTY_ADMIN_GROUP") or "").strip() or None,
            events_topic_arn=(env.get("LOYALTY_EVENTS_TOPIC_ARN") or "").strip() or None,
            hold_timeout=timedelta(seconds=hold_timeout),
            metrics_namespace=(env.get("POWERTOOLS_METRICS_NAMESPACE") or "").strip() or "Loyalty",
            log_level=log_level,
        )
