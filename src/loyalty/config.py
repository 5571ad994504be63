"""Typed settings read once from the environment, with errors that name the variable."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from loyalty.domain.tiers import TierPolicy
from loyalty.domain.transactions import ExpiryPolicy, LoyaltyPolicy

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ConfigurationError", "Settings"]

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigurationError(ValueError):
    """A required setting is missing or a setting is invalid; the message names the variable."""


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
    ``LOYALTY_ADMIN_GROUP`` (none), ``LOG_LEVEL`` / ``POWERTOOLS_LOG_LEVEL`` (INFO).
    """

    table_name: str
    policy: LoyaltyPolicy = field(default_factory=LoyaltyPolicy)
    admin_group: str | None = None
    log_level: str = "INFO"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``).

        Raises
        ------
        ConfigurationError
            Naming the missing or invalid variable.
        """
        env = os.environ if environ is None else environ
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
        log_level = (env.get("POWERTOOLS_LOG_LEVEL") or env.get("LOG_LEVEL") or "INFO").upper()
        if log_level not in _LOG_LEVELS:
            raise ConfigurationError(
                f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)} (got {log_level!r})"
            )
        return cls(
            table_name=table_name,
            policy=LoyaltyPolicy(
                expiry=ExpiryPolicy(fake=timedelta(seconds=fake_ttl)),
                tiers=TierPolicy(silver=silver, gold=gold),
            ),
            admin_group=(env.get("LOYALTY_ADMIN_GROUP") or "").strip() or None,
            log_level=log_level,
        )
