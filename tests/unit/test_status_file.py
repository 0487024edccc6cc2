"""Where the status page's file is kept (issue 22): S3 beside the page in AWS, the data folder locally."""

from __future__ import annotations

import boto3
from moto import mock_aws

from chalicelib.adapters.status_file import HttpHealthProbe, LocalStatusFile, S3StatusFile
from chalicelib.domain.status import PaymentHealth, generation_health, payments_health, worse


def test_the_file_in_s3_is_json_a_minute_cacheable_and_read_back():
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="pixmint-frontend")
        status = S3StatusFile(lambda: s3, "pixmint-frontend")
        assert status.read() is None
        status.write({"overall": "operational"})
        stored = s3.get_object(Bucket="pixmint-frontend", Key="status/status.json")
        assert stored["ContentType"] == "application/json" and stored["CacheControl"] == "public, max-age=60"
        assert status.read() == {"overall": "operational"}


def test_the_local_file_is_replaced_whole(tmp_path):
    status = LocalStatusFile(tmp_path / "status" / "status.json")
    assert status.read() is None
    status.write({"overall": "degraded"})
    status.write({"overall": "operational"})
    assert status.read() == {"overall": "operational"}
    assert [p.name for p in (tmp_path / "status").iterdir()] == ["status.json"], "no temporary file left behind"


def test_the_probe_is_down_when_nothing_answers_and_refuses_other_schemes():
    assert HttpHealthProbe("http://127.0.0.1:9", timeout=1)() is False
    assert HttpHealthProbe("file:///etc/passwd")() is False


def test_health_rules_follow_the_metrics():
    quiet = {"generations": {"last_hour": {"succeeded": 0, "failed": 0}}}
    assert generation_health(quiet).status == "operational"
    few = {"generations": {"last_hour": {"succeeded": 0, "failed": 2}}}
    assert generation_health(few).status == "operational", "two failures are not a trend"
    some = {"generations": {"last_hour": {"succeeded": 9, "failed": 1}}}
    assert generation_health(some).status == "degraded"
    stuck = {"generations": {"last_hour": {}}, "stuck": {"total": 1}}
    assert generation_health(stuck).status == "degraded"
    assert generation_health({"queue": {"dead_letters": 3}}).status == "degraded"
    assert payments_health(PaymentHealth(stale_open=0, paid=10, failed=1)).status == "operational"
    assert payments_health(PaymentHealth(stale_open=0, paid=1, failed=2)).status == "degraded"
    assert payments_health(PaymentHealth(stale_open=1, paid=10, failed=0)).status == "degraded"
    assert worse("maintenance", "degraded") == "degraded" and worse("outage", "operational") == "outage"
