"""The AWS deployment as far as it can be proved offline: `make package` builds both stages without AWS,
the merged template has every resource and setting issue 8 asks for, and cfn-lint and checkov agree."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STAGES = ("dev", "prod")
IN_CI = os.environ.get("CI", "").lower() == "true"
# The first test packages both stages (pip downloads Lambda wheels) into the repository's dist/, so the module's
# tests share one xdist worker: two workers packaging at once would write over each other's files.
pytestmark = [pytest.mark.timeout(600), pytest.mark.xdist_group("repository-dist")]

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
SECRET_VALUE_SETTINGS = {"DATABASE_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "OPENAI_API_KEY", "JWT_SECRET",
                         "PIXMINT_ORIGIN_SECRET"}
APP_SECRETS = ("DatabaseSecret", "StripeSecret", "OpenAISecret", "JwtSecret", "OriginSecret")
# Services whose data a wildcard resource would expose; IAM must name their resources.
DATA_SERVICES = {"s3", "sqs", "secretsmanager", "rds", "rds-db", "dynamodb", "kms", "ses", "apigateway", "sns",
                 "bedrock", "lambda", "logs"}
# The only actions AWS gives no resource-level permissions for that Pixmint needs.
WILDCARD_RESOURCE_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "ec2:CreateNetworkInterface",
                             "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface",
                             "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"}


@pytest.fixture(scope="session")
def prod(templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return templates["prod"]


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r.get("Type") == kind}


def props(template: dict[str, Any], name: str) -> dict[str, Any]:
    return template["Resources"][name]["Properties"]


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources(template, "AWS::Serverless::Function")


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def policy_documents(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in properties.get("Policies", []):
                yield name, policy["PolicyDocument"]
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::S3::BucketPolicy"):
            yield name, properties["PolicyDocument"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------------------------------------- packaging


def test_package_builds_each_stage_offline_with_the_migrations_inside(templates):
    for stage in STAGES:
        with zipfile.ZipFile(ROOT / "dist" / stage / "deployment.zip") as bundle:
            names = set(bundle.namelist())
        assert {"app.py", "chalicelib/handlers/operations.py", "chalicelib/adapters/migrations.py"} <= names
        # Chalice only warns when it cannot get a Linux wheel; the compiled dependencies must really be inside.
        for package in ("psycopg_binary", "argon2", "PIL", "psycopg_pool", "stripe", "openai", "aws_lambda_powertools"):
            assert f"{package}/__init__.py" in names, package
        shipped = {n for n in names if n.startswith("migrations/")}
        assert shipped == {f"migrations/{p.name}" for p in (ROOT / "migrations").glob("*.sql")} != set()
        assert templates[stage]["Transform"] == "AWS::Serverless-2016-10-31"


def test_every_function_runs_in_the_private_subnets(prod):
    private = [ref("PrivateSubnetA"), ref("PrivateSubnetB")]
    assert set(functions(prod)) >= {"APIHandler", "ProcessJobs", "SweepGenerations", "Migrate", "Operations"}
    for name, function in functions(prod).items():
        vpc = function["Properties"].get("VpcConfig")
        assert vpc == {"SecurityGroupIds": [ref("LambdaSecurityGroup")], "SubnetIds": private}, name


def test_stage_config_sets_memory_timeouts_and_a_regional_api(templates):
    for stage, template in templates.items():
        fns = functions(template)
        assert fns["ProcessJobs"]["Properties"]["Timeout"] == 300
        assert fns["ProcessJobs"]["Properties"]["MemorySize"] >= 1024
        # The /v1/openai image calls wait up to 160 s (test_infra_openai_compat.py); the rest stay as they were.
        timeouts = {name: fn["Properties"]["Timeout"] for name, fn in fns.items()}
        assert timeouts.pop("APIHandler") == 180
        assert timeouts == {"ProcessJobs": 300, "SweepGenerations": 120, "Migrate": 300, "Operations": 900,
                            "RetryS3Deletions": 30, "Housekeeping": 30, "DailyUsageReport": 30,
                            "WeeklyUsageReport": 30, "PublishOperationalMetrics": 30, "HandleEmailEvents": 30}, stage
        assert props(template, "RestAPI")["EndpointConfiguration"] == "REGIONAL", stage  # CloudFront is the edge


# ---------------------------------------------------------------------------------------------- network


def test_vpc_has_public_and_private_subnets_in_two_zones_and_a_nat_gateway(prod):
    subnets = resources(prod, "AWS::EC2::Subnet")
    assert set(subnets) == {"PublicSubnetA", "PublicSubnetB", "PrivateSubnetA", "PrivateSubnetB"}
    for pair in (("PublicSubnetA", "PublicSubnetB"), ("PrivateSubnetA", "PrivateSubnetB")):
        zones = [subnets[s]["Properties"]["AvailabilityZone"]["Fn::Select"][0] for s in pair]
        assert zones == [0, 1]
    assert all(s["Properties"]["MapPublicIpOnLaunch"] is False for s in subnets.values())
    assert props(prod, "NatGateway")["SubnetId"] == ref("PublicSubnetA")
    route = props(prod, "PrivateDefaultRoute")
    assert route == {"RouteTableId": ref("PrivateRouteTable"), "DestinationCidrBlock": "0.0.0.0/0",
                     "NatGatewayId": ref("NatGateway")}
    private_tables = {props(prod, f"{s}Routes")["RouteTableId"]["Ref"] for s in ("PrivateSubnetA", "PrivateSubnetB")}
    assert private_tables == {"PrivateRouteTable"}
    assert props(prod, "DatabaseSubnetGroup")["SubnetIds"] == [ref("PrivateSubnetA"), ref("PrivateSubnetB")]


def test_only_the_lambdas_reach_the_database(prod):
    ingress = props(prod, "DatabaseSecurityGroup")["SecurityGroupIngress"]
    assert ingress == [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                        "SourceSecurityGroupId": ref("LambdaSecurityGroup"), "Description": ingress[0]["Description"]}]
    for group in resources(prod, "AWS::EC2::SecurityGroup").values():
        for rule in group["Properties"].get("SecurityGroupIngress", []):
            assert "CidrIp" not in rule


# ---------------------------------------------------------------------------------------------- database


def test_database_is_encrypted_backed_up_and_protected_in_prod(prod):
    db = prod["Resources"]["Database"]
    p = db["Properties"]
    assert p["Engine"] == "postgres" and p["StorageEncrypted"] is True and p["PubliclyAccessible"] is False
    assert p["BackupRetentionPeriod"] == ref("DBBackupRetentionDays")
    assert prod["Parameters"]["DBBackupRetentionDays"]["MinValue"] >= 1
    assert p["DeletionProtection"] == {"Fn::If": ["IsProd", True, False]}
    assert prod["Conditions"]["IsProd"] == {"Fn::Equals": [ref("Stage"), "prod"]}
    assert p["MultiAZ"] == ref("DBMultiAZ") and p["DBInstanceClass"] == ref("DBInstanceClass")
    assert p["AllocatedStorage"] == ref("DBAllocatedStorage")
    assert db["DeletionPolicy"] == db["UpdateReplacePolicy"] == "Snapshot"
    assert "{{resolve:secretsmanager:${DatabaseSecret}" in p["MasterUserPassword"]["Fn::If"][2]["Fn::Sub"]
    assert p["DBSnapshotIdentifier"]["Fn::If"][:2] == ["RestoreFromSnapshot", ref("DBRestoreSnapshot")]
    assert props(prod, "DatabaseParameters")["Parameters"]["rds.force_ssl"] == "1"


def test_lambdas_reach_the_database_through_rds_proxy_with_tls(prod):
    proxy = props(prod, "DatabaseProxy")
    assert proxy["RequireTLS"] is True and proxy["EngineFamily"] == "POSTGRESQL"
    assert proxy["Auth"][0]["AuthScheme"] == "SECRETS" and proxy["Auth"][0]["SecretArn"] == ref("DatabaseSecret")
    assert props(prod, "DatabaseProxyTargets")["DBInstanceIdentifiers"] == [ref("Database")]
    for name, function in functions(prod).items():
        env = function["Properties"]["Environment"]["Variables"]
        expected = {"Fn::GetAtt": ["Database", "Endpoint.Address"]} if name == "Migrate" else \
            {"Fn::GetAtt": ["DatabaseProxy", "Endpoint"]}  # migrations hold a session lock the proxy would not keep
        assert env["DATABASE_HOST"] == expected, name


# ---------------------------------------------------------------------------------------------- secrets


def test_secrets_are_in_secrets_manager_and_only_their_names_in_the_environment(prod):
    secrets = resources(prod, "AWS::SecretsManager::Secret")
    assert set(secrets) == set(APP_SECRETS)
    for generated in ("DatabaseSecret", "JwtSecret", "OriginSecret"):
        assert "GenerateSecretString" in secrets[generated]["Properties"]
    for name, function in functions(prod).items():
        env = function["Properties"]["Environment"]["Variables"]
        assert not SECRET_VALUE_SETTINGS & set(env), name
        assert env["DATABASE_SECRET_NAME"] == ref("DatabaseSecret")
        assert env["STRIPE_SECRET_NAME"] == ref("StripeSecret")
        assert env["OPENAI_SECRET_NAME"] == ref("OpenAISecret")
        assert env["JWT_SECRET_NAME"] == ref("JwtSecret")
        assert env.get("ORIGIN_SECRET_NAME") == (ref("OriginSecret") if name == "APIHandler" else None), name
        for key, value in env.items():
            if isinstance(value, str):
                assert not re.search(r"(sk|rk)_(live|test)_|whsec_|sk-|postgres(ql)?://|-----BEGIN", value), key


def test_each_function_may_read_exactly_the_apps_secrets(prod):
    roles = {fn["Properties"]["Role"]["Fn::GetAtt"][0] for fn in functions(prod).values()}
    readers = []
    for name, document in policy_documents(prod):
        for statement in as_list(document["Statement"]):
            if "secretsmanager:GetSecretValue" in as_list(statement["Action"]) and name != "DatabaseProxyRole":
                readers.append(name)
                assert sorted(as_list(statement["Resource"]), key=str) == sorted([ref(s) for s in APP_SECRETS], key=str)
    assert readers == ["ReadSecretsPolicy"]
    assert {r["Ref"] for r in props(prod, "ReadSecretsPolicy")["Roles"]} == roles


# ---------------------------------------------------------------------------------------------- IAM


def test_no_iam_statement_allows_a_wildcard_action_or_a_wildcard_data_resource(prod):
    for name, document in policy_documents(prod):
        for statement in as_list(document["Statement"]):
            if statement["Effect"] != "Allow":
                continue  # a Deny with s3:* (TLS only) narrows access
            actions = as_list(statement["Action"])
            assert not [a for a in actions if a == "*" or a.endswith(":*")], (name, statement)
            if "*" in as_list(statement.get("Resource")):
                assert set(actions) <= WILDCARD_RESOURCE_ACTIONS, (name, statement)
                assert not {a.split(":")[0] for a in actions} & DATA_SERVICES


def test_every_function_has_its_own_role_with_the_vpc_and_log_permissions(prod):
    roles = [fn["Properties"]["Role"]["Fn::GetAtt"][0] for fn in functions(prod).values()]
    assert len(roles) == len(set(roles))
    for role in roles:
        statements = props(prod, role)["Policies"][0]["PolicyDocument"]["Statement"]
        sids = {s["Sid"] for s in statements}
        assert {"Logs", "LambdaVpcNetworkInterfaces"} <= sids, role


# ---------------------------------------------------------------------------------------------- queue and worker


def test_jobs_queue_redrives_to_a_dlq_and_outlasts_six_worker_timeouts(templates):
    for template in templates.values():
        queue = props(template, "JobsQueue")
        worker = functions(template)["ProcessJobs"]["Properties"]
        assert queue["QueueName"] == {"Fn::Sub": "pixmint-jobs-${Stage}"}
        assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]
        assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]}
        assert 1 <= queue["RedrivePolicy"]["maxReceiveCount"] <= 5
        source = worker["Events"]["ProcessJobsSqsEventSource"]["Properties"]
        assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        # The stack's own queue by reference (Fn::Sub, so the merge replaces Chalice's Fn::Sub instead of adding a
        # second key), and only once the worker may read it: otherwise the first deploy can create the trigger
        # before its permission and fail on ReceiveMessage.
        assert source["Queue"] == {"Fn::Sub": "${JobsQueue.Arn}"}
        assert "WorkerQueuePolicy" in functions(template)["ProcessJobs"]["DependsOn"]
        assert source["ScalingConfig"] == {"MaximumConcurrency": ref("WorkerConcurrency")}


def test_worker_concurrency_stays_within_its_reserved_concurrency(templates):
    """Reserved concurrency caps database connections; the SQS poller must not exceed it, or batches are throttled
    back to the queue for the whole visibility timeout and count towards the dead-letter queue."""
    for stage, template in templates.items():
        reserved = functions(template)["ProcessJobs"]["Properties"]["ReservedConcurrentExecutions"]
        given = json.loads((ROOT / "infra" / f"params-{stage}.json").read_text()).get("WorkerConcurrency")
        wanted = int(given or template["Parameters"]["WorkerConcurrency"]["Default"])
        assert 2 <= wanted <= reserved, stage
    assert functions(templates["prod"])["ProcessJobs"]["Properties"]["ReservedConcurrentExecutions"] >= \
        functions(templates["dev"])["ProcessJobs"]["Properties"]["ReservedConcurrentExecutions"]


def test_reports_and_sweepers_run_on_schedules(prod):
    scheduled = {name: [e["Properties"]["Schedule"] for e in fn["Properties"].get("Events", {}).values()
                        if e["Type"] == "Schedule"] for name, fn in functions(prod).items()}
    assert scheduled["SweepGenerations"] == ["rate(1 minute)"]
    assert scheduled["Housekeeping"] == ["rate(1 hour)"]  # unused uploads, old sign-in attempts and key windows
    for name in ("RetryS3Deletions", "DailyUsageReport", "WeeklyUsageReport", "PublishOperationalMetrics"):
        assert len(scheduled[name]) == 1, name


# ---------------------------------------------------------------------------------------------- storage and CDN


def test_buckets_are_private_and_encrypted(prod):
    for name, bucket in resources(prod, "AWS::S3::Bucket").items():
        p = bucket["Properties"]
        assert p["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                       "IgnorePublicAcls": True, "RestrictPublicBuckets": True}, name
        assert p["BucketEncryption"]["ServerSideEncryptionConfiguration"], name
        assert p["VersioningConfiguration"]["Status"] == "Enabled", name
    images = props(prod, "ImagesBucket")["LifecycleConfiguration"]["Rules"][0]
    assert images["Transitions"][0]["StorageClass"] == "STANDARD_IA"


def test_previews_expire_a_day_after_they_are_written(prod):
    rules = {r["Id"]: r for r in props(prod, "ImagesBucket")["LifecycleConfiguration"]["Rules"]}
    assert rules["previews"] == {"Id": "previews", "Status": "Enabled", "Prefix": "previews/", "ExpirationInDays": 1}


def test_exports_uploads_and_variants_expire_as_the_app_expects(prod):
    from chalicelib.domain.library import UNUSED_UPLOAD_LIFETIME, VARIANT_S3_DAYS

    rules = {r["Id"]: r for r in props(prod, "ImagesBucket")["LifecycleConfiguration"]["Rules"]}
    expected = {"exports": 1, "uploads": UNUSED_UPLOAD_LIFETIME.days, "variants": VARIANT_S3_DAYS}
    for prefix, days in expected.items():
        rule = rules[prefix]
        assert (rule["Status"], rule["Prefix"], rule["ExpirationInDays"]) == ("Enabled", f"{prefix}/", days), prefix
        assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}, "the bucket is versioned"
    # The images themselves never expire; only the original infrequent-access rule touches them.
    assert not any(r.get("Prefix", "").startswith("images") for r in rules.values())


def test_the_app_may_write_every_prefix_it_uses_and_browsers_may_post_uploads(prod):
    statement = next(s for s in props(prod, "ImagesAndJobsPolicy")["PolicyDocument"]["Statement"]
                     if s["Sid"] == "ImageBackups")
    prefixes = {r["Fn::Sub"].split("/", 1)[1] for r in statement["Resource"]}
    assert prefixes == {"images/*", "variants/*", "exports/*", "reports/*", "previews/*", "uploads/*"}
    assert {"Ref": "HousekeepingRole"} in props(prod, "ImagesAndJobsPolicy")["Roles"]
    cors = props(prod, "ImagesBucket")["CorsConfiguration"]["Fn::If"]
    assert cors[0] == "HasSiteOrigin" and cors[1]["CorsRules"][0]["AllowedMethods"] == ["POST"]
    # Only the site's own origin, the one the functions know as PIXMINT_PUBLIC_URL, and nothing without one.
    [rule] = cors[1]["CorsRules"]
    site = functions(prod)["APIHandler"]["Properties"]["Environment"]["Variables"]["PIXMINT_PUBLIC_URL"]
    assert rule["AllowedOrigins"] == [site] and cors[2] == ref("AWS::NoValue")
    # Browsers may POST forms to the bucket's regional host only (test_security_headers.py), the host boto3 signs
    # them for once us-east-1 stops naming the global endpoint.
    csp = props(prod, "SecurityHeadersPolicy")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"][
        "ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    assert "connect-src 'self' https://${ImagesBucket}.s3.${AWS::Region}.${AWS::URLSuffix};" in csp
    for name, function in functions(prod).items():
        assert function["Properties"]["Environment"]["Variables"]["AWS_S3_US_EAST_1_REGIONAL_ENDPOINT"] == \
            "regional", name


def test_frontend_bucket_is_read_only_by_this_distribution_through_oac(prod):
    statements = props(prod, "FrontendBucketPolicy")["PolicyDocument"]["Statement"]
    allow = [s for s in statements if s["Effect"] == "Allow"]
    assert allow == [{"Sid": "CloudFrontReads", "Effect": "Allow",
                      "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
                      "Resource": {"Fn::Sub": "${FrontendBucket.Arn}/*"},
                      "Condition": {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": (
                          "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}")}}}}]
    origin = props(prod, "Distribution")["DistributionConfig"]["Origins"][0]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["FrontendOriginAccessControl", "Id"]}
    assert props(prod, "FrontendOriginAccessControl")["OriginAccessControlConfig"]["SigningBehavior"] == "always"


def test_cloudfront_serves_the_app_and_routes_v1_to_api_gateway(prod):
    config = props(prod, "Distribution")["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]}
    assert origins["frontend"]["DomainName"] == {"Fn::GetAtt": ["FrontendBucket", "RegionalDomainName"]}
    assert origins["api"]["DomainName"]["Fn::Sub"].startswith("${RestAPI}.execute-api.")
    assert origins["api"]["OriginPath"] == "/" + prod["Resources"]["RestAPI"]["Properties"]["StageName"]
    default = config["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "frontend"
    assert default["FunctionAssociations"] == [{"EventType": "viewer-request",
                                                "FunctionARN": {"Fn::GetAtt": ["SpaRewriteFunction", "FunctionARN"]}}]
    # /v1/openai/* differs only in its origin's read timeout (test_infra_openai_compat.py).
    long_calls, api = config["CacheBehaviors"]
    assert (long_calls["PathPattern"], long_calls["TargetOriginId"]) == ("/v1/openai/*", "api-long-calls")
    assert api["PathPattern"] == "/v1/*" and api["TargetOriginId"] == "api"
    assert set(origins) == {"frontend", "api", "api-long-calls"}
    assert origins["api"]["CustomOriginConfig"]["OriginReadTimeout"] == 30

    def but_the_wait(origin: dict[str, Any]) -> dict[str, Any]:
        return {**origin, "Id": None, "CustomOriginConfig": {**origin["CustomOriginConfig"], "OriginReadTimeout": None}}

    assert but_the_wait(origins["api-long-calls"]) == but_the_wait(origins["api"])
    assert {k: v for k, v in long_calls.items() if k not in ("PathPattern", "TargetOriginId")} == \
        {k: v for k, v in api.items() if k not in ("PathPattern", "TargetOriginId")}
    assert api["CachePolicyId"] == CACHING_DISABLED and api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    for behaviour in [default, *config["CacheBehaviors"]]:
        assert behaviour["ResponseHeadersPolicyId"] == ref("SecurityHeadersPolicy")
        assert behaviour["ViewerProtocolPolicy"] in ("redirect-to-https", "https-only")


def test_throttles_see_the_viewers_address_and_only_requests_through_cloudfront_may_name_it(prod):
    """API Gateway's sourceIp behind CloudFront is an edge server's: every viewer of an edge would share one
    throttle. CloudFront sets the viewer's address on /v1/* and proves the request came through it with a secret
    origin header; a caller of execute-api directly can send neither, so the app falls back to sourceIp."""
    config = props(prod, "Distribution")["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]}
    assert [b["PathPattern"] for b in config["CacheBehaviors"]] == ["/v1/openai/*", "/v1/*"]
    for api in config["CacheBehaviors"]:
        assert api["FunctionAssociations"] == [{
            "EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": ["ViewerAddressFunction", "FunctionARN"]}}]
        # The function's header travels as a viewer header: the origin request policy forwards all of them (but Host).
        assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
        assert origins[api["TargetOriginId"]]["OriginCustomHeaders"] == [{
            "HeaderName": "X-Origin-Secret",
            "HeaderValue": {"Fn::Sub": "{{resolve:secretsmanager:${OriginSecret}:SecretString}}"}}]
    from chalicelib.handlers.api import ORIGIN_SECRET_HEADER, VIEWER_ADDRESS_HEADER

    assert (ORIGIN_SECRET_HEADER, VIEWER_ADDRESS_HEADER) == ("x-origin-secret", "x-viewer-address")
    assert functions(prod)["APIHandler"]["Properties"]["Environment"]["Variables"]["ORIGIN_SECRET_NAME"] == \
        ref("OriginSecret")
    code = props(prod, "ViewerAddressFunction")["FunctionCode"]
    assert "event.viewer.ip" in code and "'x-viewer-address'" in code


@pytest.mark.skipif(shutil.which("node") is None and not IN_CI, reason="Node.js runs the CloudFront function")
def test_the_viewer_address_function_overwrites_what_a_viewer_sends(prod):
    code = props(prod, "ViewerAddressFunction")["FunctionCode"]
    event = {"viewer": {"ip": "203.0.113.7"}, "request": {"uri": "/v1/auth/login", "headers": {
        "x-viewer-address": {"value": "198.51.100.1"}, "host": {"value": "example.com"}}}}
    script = code + f"console.log(JSON.stringify(handler({json.dumps(event)}).headers));"
    out = json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True,
                                    timeout=30).stdout)
    assert out == {"x-viewer-address": {"value": "203.0.113.7"}, "host": {"value": "example.com"}}


def test_custom_domain_and_certificate_are_optional_parameters(prod):
    params = prod["Parameters"]
    assert params["DomainName"]["Default"] == params["CertificateArn"]["Default"] == ""
    config = props(prod, "Distribution")["DistributionConfig"]
    assert config["Aliases"]["Fn::If"][0] == config["ViewerCertificate"]["Fn::If"][0] == "HasDomainName"
    assert config["ViewerCertificate"]["Fn::If"][1]["AcmCertificateArn"] == ref("CertificateArn")
    assert "DomainNeedsCertificate" in prod["Rules"]


@pytest.mark.skipif(shutil.which("node") is None and not IN_CI, reason="Node.js runs the CloudFront function")
def test_spa_rewrite_serves_index_html_for_app_routes_only(prod):
    code = props(prod, "SpaRewriteFunction")["FunctionCode"]
    cases = ["/", "/library", "/developers/keys", "/admin/users/", "/assets/index-1a2b.js", "/favicon.ico",
             "/v1/health", "/v1/images/abc"]
    script = code + f"for (const uri of {json.dumps(cases)}) console.log(handler({{request: {{uri}}}}).uri);"
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True, timeout=30).stdout
    assert out.split() == ["/index.html"] * 4 + ["/assets/index-1a2b.js", "/favicon.ico", "/v1/health",
                                                  "/v1/images/abc"]


def test_api_gateway_answers_carry_the_security_headers(prod):
    for name, response in resources(prod, "AWS::ApiGateway::GatewayResponse").items():
        headers = response["Properties"]["ResponseParameters"]
        assert headers["gatewayresponse.header.X-Content-Type-Options"] == "'nosniff'", name
        assert headers["gatewayresponse.header.X-Frame-Options"] == "'DENY'", name
        assert headers["gatewayresponse.header.Referrer-Policy"] == "'no-referrer'", name
        assert headers["gatewayresponse.header.Cache-Control"] == "'no-store'", name


# ---------------------------------------------------------------------------------------------- the rest


def test_alarms_watch_errors_queues_and_the_database(prod):
    alarms = resources(prod, "AWS::CloudWatch::Alarm").values()
    watched = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms}
    assert watched >= {("AWS/RDS", "CPUUtilization"), ("AWS/RDS", "FreeStorageSpace"),
                       ("AWS/SQS", "ApproximateNumberOfMessagesVisible"), ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
                       ("AWS/Lambda", "Errors"), ("AWS/ApiGateway", "5XXError"), ("Pixmint", "ServerErrors"),
                       ("Pixmint", "ModelWithdrawn")}
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"] == [ref("AlarmTopic")]
    # REST API metrics are published by API name and stage, so the API's name must be the one the alarm watches.
    api_alarm = props(prod, "ApiGatewayErrorsAlarm")["Dimensions"]
    assert api_alarm == [{"Name": "ApiName", "Value": props(prod, "RestAPI")["Name"]},
                         {"Name": "Stage", "Value": props(prod, "RestAPI")["StageName"]}]
    assert props(prod, "AlarmEmailSubscription")["Endpoint"] == ref("AlarmEmail")


def test_developer_keys_get_a_usage_plan_that_deploy_attaches_to_the_api(prod):
    assert "UsagePlan" in resources(prod, "AWS::ApiGateway::UsagePlan")
    for function in functions(prod).values():
        assert function["Properties"]["Environment"]["Variables"]["API_USAGE_PLAN_ID"] == ref("UsagePlan")
    assert "path=/apiStages" in (ROOT / "scripts" / "deploy").read_text()


def test_email_goes_out_through_a_verified_ses_identity(prod):
    identity = props(prod, "EmailIdentity")["EmailIdentity"]
    assert identity == {"Fn::If": ["HasEmailDomain", ref("EmailDomain"), ref("EmailFrom")]}
    statement = props(prod, "SendEmailPolicy")["PolicyDocument"]["Statement"][0]
    assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": ref("EmailFrom")}}


def test_email_goes_through_a_configuration_set_whose_bounces_and_complaints_reach_the_app(prod):
    # Issue 22: every function sends through the set; its SNS destination feeds HandleEmailEvents, which suppresses.
    for name, function in functions(prod).items():
        assert function["Properties"]["Environment"]["Variables"]["PIXMINT_SES_CONFIGURATION_SET"] == \
            ref("EmailConfigurationSet"), name
    destination = props(prod, "EmailEventsDestination")
    assert destination["ConfigurationSetName"] == ref("EmailConfigurationSet")
    assert sorted(destination["EventDestination"]["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert destination["EventDestination"]["SnsDestination"]["TopicARN"] == ref("EmailEventsTopic")
    [statement] = props(prod, "EmailEventsTopicPolicy")["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"} and statement["Action"] == "sns:Publish"
    events = functions(prod)["HandleEmailEvents"]["Properties"]["Events"]
    assert [e["Properties"]["Topic"] for e in events.values() if e["Type"] == "SNS"] == \
        [{"Fn::Sub": "${EmailEventsTopic}"}]
    send = props(prod, "SendEmailPolicy")["PolicyDocument"]["Statement"][0]
    assert "ses:SendRawEmail" in send["Action"]
    assert {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/"
                       "${EmailConfigurationSet}"} in send["Resource"]


def test_the_status_page_is_a_page_of_its_own_whose_file_the_metrics_schedule_writes(prod):
    # Issue 22: /status loads from the bucket without the app or the API; status/status.json is written beside it.
    code = props(prod, "SpaRewriteFunction")["FunctionCode"]
    cases = ["/status", "/status/", "/status/status.json", "/status.html", "/help/status"]
    script = code + f"for (const uri of {json.dumps(cases)}) console.log(handler({{request: {{uri}}}}).uri);"
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True, timeout=30).stdout
    assert out.split() == ["/status.html", "/status.html", "/status/status.json", "/status.html", "/index.html"]
    for name, function in functions(prod).items():
        assert function["Properties"]["Environment"]["Variables"]["PIXMINT_STATUS_BUCKET"] == ref("FrontendBucket"), \
            name
    policy = props(prod, "StatusPagePolicy")
    assert policy["Roles"] == [ref("PublishOperationalMetricsRole"), ref("ApiHandlerRole")]
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Fn::Sub": "${FrontendBucket.Arn}/status/*"}
    assert '--exclude "status/*"' in (ROOT / "scripts" / "deploy").read_text(), "an upload must not delete the file"


def test_the_sweeper_that_delivers_queued_emails_may_send_them(prod):
    # In Lambda the email outbox is delivered by the one-minute sweep_generations schedule.
    roles = props(prod, "SendEmailPolicy")["Roles"]
    assert roles == [ref("ApiHandlerRole"), ref("DailyUsageReportRole"), ref("WeeklyUsageReportRole"),
                     ref("SweepGenerationsRole")]


def test_stack_parameters_have_defaults_except_the_stage(prod):
    params = prod["Parameters"]
    assert "Default" not in params["Stage"] and params["Stage"]["AllowedValues"] == ["dev", "prod"]
    for name in ("DomainName", "CertificateArn", "AlarmEmail", "DBInstanceClass", "DBMultiAZ", "DBAllocatedStorage",
                 "WorkerConcurrency", "EmailFrom"):
        assert "Default" in params[name], name
    for stage in STAGES:
        given = json.loads((ROOT / "infra" / f"params-{stage}.json").read_text())
        assert set(given) <= set(params), stage


def test_deploy_outputs_what_scripts_deploy_reads(prod):
    used = set(re.findall(r"\$\(output (\w+)\)", (ROOT / "scripts" / "deploy").read_text()))
    assert used and used <= set(prod["Outputs"])


# ---------------------------------------------------------------------------------------------- linters


def test_cfn_lint_finds_no_errors_in_any_template(templates):
    paths = sorted(str(p) for p in (ROOT / "dist").glob("*/sam.json"))
    assert len(paths) >= len(STAGES)
    run = subprocess.run([str(BIN / "cfn-lint"), "--format", "parseable", *paths], capture_output=True, text=True,
                         timeout=300)
    # Exit status bits: 2 errors, 4 warnings, 8 informational; 1 is a crash.
    assert run.returncode & 3 == 0, run.stdout + run.stderr


def _checkov() -> str | None:
    for candidate in (ROOT / ".venv-scan" / "bin" / "checkov", BIN / "checkov"):
        if candidate.exists():
            return str(candidate)
    return shutil.which("checkov")


def test_checkov_failures_are_all_suppressed_with_a_reason(templates):
    checkov = _checkov()
    if checkov is None:
        if IN_CI:
            pytest.fail("checkov is missing: make test installs it into .venv-scan")
        pytest.skip("checkov is not installed (make test installs it into .venv-scan)")
    paths = [str(ROOT / "dist" / stage / "sam.json") for stage in STAGES]
    args = [a for p in paths for a in ("-f", p)]
    run = subprocess.run([checkov, "--framework", "cloudformation", "--skip-download",
                          "-o", "json", *args], capture_output=True, text=True, timeout=300, cwd=ROOT)
    reports = json.loads(run.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = [f"{f['check_id']} {f['resource']}: {f['check_name']}"
              for report in reports for f in report["results"]["failed_checks"]]
    assert failed == []
    assert sum(report["summary"]["parsing_errors"] for report in reports) == 0
    unexplained = [f"{s['check_id']} {s['resource']}" for report in reports for s in report["results"]["skipped_checks"]
                   if len((s["check_result"].get("suppress_comment") or "").strip()) < 30]
    assert unexplained == []


def test_every_function_logs_to_a_group_with_a_retention(prod):
    for name, function in functions(prod).items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        settings = props(prod, group)
        assert settings["RetentionInDays"] == ref("LogRetentionDays"), name
        # The policy files allow writing to /aws/lambda/pixmint-<stage>* only.
        assert settings["LogGroupName"]["Fn::Sub"].startswith("/aws/lambda/pixmint-${Stage}"), name
