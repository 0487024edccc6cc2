"""Production (CloudFront) and make dev send the same Content-Security-Policy, with no unsafe-inline scripts; only
production's connect-src adds the images bucket, which browsers POST presigned uploads to (make dev takes them on
its own origin, /_dev/s3/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cfnlint.decode.cfn_yaml import load

from devstack.server import CONTENT_SECURITY_POLICY

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "resources.yaml"
BUCKET_HOST = "https://${ImagesBucket}.s3.${AWS::Region}.${AWS::URLSuffix}"


def template() -> dict[str, Any]:
    return load(str(TEMPLATE))


def directives(policy: str) -> dict[str, list[str]]:
    parsed = [d.split() for d in policy.split(";") if d.strip()]
    assert len({d[0] for d in parsed}) == len(parsed), "a directive named twice"
    return {d[0]: d[1:] for d in parsed}


def cloudfront_headers() -> dict[str, Any]:
    policy = template()["Resources"]["SecurityHeadersPolicy"]["Properties"]
    return policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]


def test_cloudfront_and_the_local_stack_share_one_strict_policy_but_for_the_bucket_host():
    headers = cloudfront_headers()
    cloudfront_csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    cloud, local = directives(cloudfront_csp), directives(CONTENT_SECURITY_POLICY)
    assert local["connect-src"] == ["'self'"]
    assert cloud["connect-src"] == [*local["connect-src"], BUCKET_HOST]
    assert {k: v for k, v in cloud.items() if k != "connect-src"} == \
        {k: v for k, v in local.items() if k != "connect-src"}
    assert cloudfront_csp.count("${") == BUCKET_HOST.count("${"), "nothing else is substituted"
    assert "'unsafe-inline'" not in cloud["script-src"] and "'unsafe-eval'" not in cloud["script-src"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-2"])
def test_presigned_uploads_go_to_the_one_bucket_host_connect_src_allows(monkeypatch, region):
    """The host the API's upload form names, built as in AWS (the functions' environment, no endpoint URL), is
    the one the CSP's ${...} resolves to; any other S3 host would be refused by the browser."""
    from chalicelib.adapters.aws_storage import S3ImageStore
    from chalicelib.bootstrap import aws_client
    from chalicelib.config import Settings

    environment = template()["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    for name, value in environment.items():
        if name.startswith("AWS_") and isinstance(value, str):
            monkeypatch.setenv(name, value)
    bucket = "pixmint-prod-images"
    store = S3ImageStore(lambda: aws_client(Settings(aws_region=region), "s3"), bucket)
    url, _ = store.presigned_post("uploads/u/1", "image/png", 100, 900)
    expected = BUCKET_HOST.replace("${ImagesBucket}", bucket).replace("${AWS::Region}", region) \
        .replace("${AWS::URLSuffix}", "amazonaws.com")
    assert f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" == expected
