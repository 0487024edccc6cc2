"""API Gateway API keys on a usage plan, for coarse throttling in front of the application's own limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ApiGatewayKeys:
    """API keys mirrored into API Gateway on one usage plan; the client is made on first use."""

    def __init__(self, client_factory: Callable[[], Any], usage_plan_id: str) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._usage_plan_id = usage_plan_id

    def _apigateway(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def create(self, name: str, value: str) -> str:
        """Registers the key's value with API Gateway and attaches it to the usage plan; returns its id."""
        key = self._apigateway().create_api_key(name=name, value=value, enabled=True)
        self._apigateway().create_usage_plan_key(usagePlanId=self._usage_plan_id, keyId=key["id"], keyType="API_KEY")
        return key["id"]

    def delete(self, gateway_key_id: str) -> None:
        """Deletes the key from API Gateway, which also detaches it from the usage plan."""
        self._apigateway().delete_api_key(apiKey=gateway_key_id)
