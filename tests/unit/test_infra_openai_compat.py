"""A two-minute image through /v1/openai/* in AWS, proved offline on the packaged templates: API Gateway's
integration, the API Lambda and CloudFront's origin all outlast the wait of the compatible API, which answers
with the generation id before any of them cuts it off. Every other route keeps API Gateway's 29 s."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.compatible_images import TIME_MARGIN, WAIT_CEILING
from tests.unit.test_infra_template import ALL_VIEWER_EXCEPT_HOST, CACHING_DISABLED, functions, props, ref

# Shares the packaging of test_infra_template.py, and so its xdist worker (see the mark there).
pytestmark = [pytest.mark.timeout(600), pytest.mark.xdist_group("repository-dist")]
LONG_ROUTES = ("/v1/openai/images/generations", "/v1/openai/images/edits")
INTEGRATION_MS = 170_000  # above 29 s needs the Regional API's quota raised (README, "Long calls")


def _integration(template: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return props(template, "RestAPI")["DefinitionBody"]["paths"][path][method]["x-amazon-apigateway-integration"]


def test_the_compatible_image_routes_get_a_long_integration_timeout_and_the_rest_keep_29_s(templates):
    for stage, template in templates.items():
        for path in LONG_ROUTES:
            integration = _integration(template, path, "post")
            assert integration["timeoutInMillis"] == INTEGRATION_MS, (stage, path)
            # Merged into the route Chalice made, not a stub path of the merge template's own.
            assert integration["type"] == "aws_proxy" and "${APIHandler.Arn}" in integration["uri"]["Fn::Sub"]
        assert _integration(template, "/v1/openai/models", "get").get("timeoutInMillis", 29_000) <= 29_000
        assert _integration(template, "/v1/generations", "post").get("timeoutInMillis", 29_000) <= 29_000
        paths = props(template, "RestAPI")["DefinitionBody"]["paths"]
        longer = [(path, method) for path, item in paths.items() for method, operation in item.items()
                  if "timeoutInMillis" in operation.get("x-amazon-apigateway-integration", {})]
        assert sorted(longer) == sorted((path, "post") for path in LONG_ROUTES), stage
        assert props(template, "RestAPI")["EndpointConfiguration"] == "REGIONAL", "longer timeouts are Regional-only"


def test_the_wait_ends_before_the_lambda_and_the_integration_do(templates):
    for template in templates.values():
        timeout = functions(template)["APIHandler"]["Properties"]["Timeout"]
        assert WAIT_CEILING + TIME_MARGIN <= timeout <= 900
        assert WAIT_CEILING + TIME_MARGIN < INTEGRATION_MS / 1000 < timeout + 1


def test_multipart_edits_reach_the_lambda_as_bytes(templates):
    for template in templates.values():
        body = props(template, "RestAPI")["DefinitionBody"]
        assert "multipart/form-data" in body["x-amazon-apigateway-binary-media-types"]


def test_cloudfront_waits_longer_than_the_integration_on_the_compatible_routes_only(templates):
    for template in templates.values():
        config = props(template, "Distribution")["DistributionConfig"]
        origins = {o["Id"]: o for o in config["Origins"]}
        patterns = [b["PathPattern"] for b in config["CacheBehaviors"]]
        assert patterns.index("/v1/openai/*") < patterns.index("/v1/*"), "the first matching behaviour wins"
        long = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == "/v1/openai/*")
        general = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == "/v1/*")
        origin = origins[long["TargetOriginId"]]
        assert origin["DomainName"] == origins[general["TargetOriginId"]]["DomainName"]
        assert origin["OriginPath"] == origins[general["TargetOriginId"]]["OriginPath"]
        assert origin["CustomOriginConfig"]["OriginReadTimeout"] * 1000 > INTEGRATION_MS
        assert origins[general["TargetOriginId"]]["CustomOriginConfig"]["OriginReadTimeout"] <= 60
        assert long["CachePolicyId"] == CACHING_DISABLED and long["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
        assert set(long["AllowedMethods"]) == set(general["AllowedMethods"])
        assert long["ResponseHeadersPolicyId"] == ref("SecurityHeadersPolicy")
        assert long["ViewerProtocolPolicy"] == "https-only"
        # Whatever the general origin sends API Gateway (an origin-verify header, say), the long one sends too.
        assert origin.get("OriginCustomHeaders") == origins[general["TargetOriginId"]].get("OriginCustomHeaders")
