"""Production (CloudFront) and make dev send the same Content-Security-Policy, with no unsafe-inline scripts."""

from __future__ import annotations

from pathlib import Path

from cfnlint.decode.cfn_yaml import load

from devstack.server import CONTENT_SECURITY_POLICY

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "resources.yaml"


def test_cloudfront_and_the_local_stack_share_one_strict_policy():
    policy = load(str(TEMPLATE))["Resources"]["SecurityHeadersPolicy"]["Properties"]
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    cloudfront_csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert cloudfront_csp == CONTENT_SECURITY_POLICY
    script_src = next(d for d in cloudfront_csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
