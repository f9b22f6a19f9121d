"""Settings from the environment (``ALLIANCEGRAPH_*``, ``NEO4J_*``) or a ``.env`` file.

Nothing reads the environment at import time: call :func:`get_settings` (cached) and
``get_settings.cache_clear()`` in tests that change it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.factory import open_store
from graph.store import GraphStore

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Settings(BaseSettings):
    """Every knob of the service and the command line, with safe defaults."""

    model_config = SettingsConfigDict(
        env_prefix="ALLIANCEGRAPH_", env_file=".env", extra="ignore", populate_by_name=True
    )

    store: Literal["embedded", "neo4j"] = "embedded"
    db_path: Path = Path("alliancegraph.db")
    neo4j_uri: str | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_URI", "ALLIANCEGRAPH_NEO4J_URI")
    )
    neo4j_user: str = Field(
        default="neo4j", validation_alias=AliasChoices("NEO4J_USER", "ALLIANCEGRAPH_NEO4J_USER")
    )
    neo4j_password: SecretStr = Field(
        default=SecretStr(""),
        validation_alias=AliasChoices("NEO4J_PASSWORD", "ALLIANCEGRAPH_NEO4J_PASSWORD"),
    )
    neo4j_database: str = Field(
        default="neo4j",
        validation_alias=AliasChoices("NEO4J_DATABASE", "ALLIANCEGRAPH_NEO4J_DATABASE"),
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    #: "keys" (API keys required) or "none" (the local demo; loopback only).
    auth: Literal["keys", "none"] = "keys"
    keys_path: Path | None = None
    max_page_size: int = Field(default=200, ge=1, le=10_000)
    max_path_hops: int = Field(default=8, ge=1, le=20)
    max_paths: int = Field(default=10, ge=1, le=100)
    max_ego_depth: int = Field(default=3, ge=1, le=6)
    #: threads that compute introduction paths: CPU work under one interpreter lock, so a
    #: few threads serve requests in turn where many would all finish late
    path_workers: int = Field(default=2, ge=1, le=64)
    #: extra names the server is reached by (comma-separated), besides loopback and ``host``:
    #: any other Host header is refused (DNS rebinding); "*" turns the check off
    allowed_hosts: str = ""
    #: origins (``https://app.example``) besides the server's own whose pages may write
    allowed_origins: str = ""
    #: threads for heavy work (reports, metrics, maps, exports, imports); more wait their turn
    heavy_workers: int = Field(default=2, ge=1, le=64)
    max_upload_mb: float = Field(default=50.0, gt=0)
    request_timeout_s: float = Field(default=30.0, gt=0)
    rate_limit_per_minute: int = Field(default=1200, ge=1)
    #: wrong keys one client address may present a minute before it is answered 429
    auth_failures_per_minute: int = Field(default=120, ge=1)
    #: addresses of the reverse proxies whose ``X-Forwarded-For`` names the client
    #: (comma-separated, as uvicorn's ``forwarded_allow_ips``). Empty (the default): none,
    #: the client is the connection's peer, so no caller can pick the address that the
    #: limits above count against
    forwarded_allow_ips: str = ""

    @model_validator(mode="after")
    def _safe(self) -> Settings:
        if self.auth == "none" and self.host not in _LOOPBACK:
            raise ValueError(
                f"auth=none serves without keys and is allowed on loopback only, not {self.host}"
            )
        return self

    def host_names(self) -> list[str]:
        """Every Host name this server answers to."""
        names = ["localhost", "127.0.0.1", "::1", "testserver"]
        if self.host not in ("0.0.0.0", "::", ""):
            names.append(self.host)
        return names + [h.strip() for h in self.allowed_hosts.split(",") if h.strip()]

    def origin_list(self) -> list[str]:
        """Origins besides the server's own allowed to write."""
        return [o.strip() for o in self.allowed_origins.split(",") if o.strip()]

    def key_file(self) -> Path:
        """Where API keys are kept: beside the embedded store unless set."""
        if self.keys_path is not None:
            return self.keys_path
        return self.db_path.with_name(self.db_path.stem + "-keys.db")

    def open_store(self) -> GraphStore:
        """Open the store these settings name."""
        return open_store(
            self.store,
            path=self.db_path,
            uri=self.neo4j_uri,
            user=self.neo4j_user,
            password=self.neo4j_password.get_secret_value(),
            database=self.neo4j_database,
        )


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
