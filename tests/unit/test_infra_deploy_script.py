"""scripts/deploy against a recording stand-in for the AWS CLI: the order of a real deploy, offline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FAKE_AWS = textwrap.dedent('''\
    #!{python}
    """Answers the AWS CLI calls scripts/deploy makes and records each one."""
    import json, os, re, shutil, sys
    from pathlib import Path

    state_path = Path(os.environ["FAKE_AWS_STATE"])
    state = json.loads(state_path.read_text()) if state_path.exists() else {{"calls": [], "params": {{}}}}
    args = sys.argv[1:]
    state["calls"].append(args)

    def opt(name):
        return args[args.index(name) + 1]

    outputs = {{"DistributionDomainName": "d111.cloudfront.net", "DistributionId": "E123", "FrontendBucketName": "site",
               "UsagePlanId": "plan1", "RestAPIId": "api1", "MigrateFunctionName": "pixmint-dev-Migrate",
               "OperationsFunctionName": "pixmint-dev-Operations",
               "SiteURL": "https://d111.cloudfront.net",
               "StripeSecretArn": "arn:stripe", "OpenAISecretArn": "arn:openai"}}  # pragma: allowlist secret
    head = args[:2]
    if head == ["sts", "get-caller-identity"]:
        print("123456789012")
    elif head == ["cloudformation", "package"]:
        shutil.copy(opt("--template-file"), opt("--output-template-file"))
    elif head == ["cloudformation", "deploy"]:
        overrides = args[args.index("--parameter-overrides") + 1:]
        state["params"].update(dict(item.split("=", 1) for item in overrides))
        state["deploys"] = state.get("deploys", 0) + 1
    elif head == ["cloudformation", "describe-stacks"] and "Outputs" in opt("--query"):
        print(json.dumps([{{"OutputKey": k, "OutputValue": v}} for k, v in outputs.items()]))
    elif head == ["cloudformation", "describe-stacks"]:
        key = re.search(r"ParameterKey=='(\\w+)'", opt("--query")).group(1)
        print(state["params"].get(key, ""))
    elif head == ["apigateway", "get-usage-plan"]:
        print("1" if state.get("attached") else "0")
    elif head == ["apigateway", "update-usage-plan"]:
        state["attached"] = True
    elif head == ["secretsmanager", "put-secret-value"]:
        state.setdefault("secrets", {{}})[opt("--secret-id")] = json.loads(
            Path(opt("--secret-string").removeprefix("file://")).read_text())
    elif head == ["lambda", "invoke"]:
        operation = opt("--function-name") == "pixmint-dev-Operations"
        answer = ({{"exit_code": int(os.environ.get("FAIL_SEAL", "0")), "output": "sealed 0"}} if operation
                  else {{"applied": ["0001_accounts.sql"]}})
        Path(args[args.index("--payload") + 2]).write_text(json.dumps(answer))
        failed = {{"FunctionError": "Unhandled"}} if os.environ.get("FAIL_MIGRATE") else {{}}
        print(json.dumps({{"StatusCode": 200, **failed}}))
    elif head == ["cloudfront", "create-invalidation"]:
        print("I1")
    state_path.write_text(json.dumps(state))
    ''')

FAKE_CHALICE = textwrap.dedent('''\
    #!/usr/bin/env bash
    # Stands in for `chalice package --stage S --merge-template T OUT`: a template and an empty bundle, and a note
    # of the merge template it was given.
    out="${@: -1}"
    mkdir -p "$out"
    previous=""
    for arg in "$@"; do [ "$previous" = --merge-template ] && echo "$arg" > "$out/merge-template"; previous="$arg"; done
    echo '{"Resources": {}}' > "$out/sam.json"
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w").close()' "$out/deployment.zip"
    ''')


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what scripts/deploy touches, with stand-ins for `aws` and `chalice` first on PATH."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "deploy", tmp_path / "scripts" / "deploy")
    shutil.copytree(ROOT / "infra", tmp_path / "infra")
    (tmp_path / "frontend" / "dist" / "assets").mkdir(parents=True)
    (tmp_path / "frontend" / "dist" / "index.html").write_text("<!doctype html>")
    (tmp_path / "frontend" / "dist" / "assets" / "index-1a2b.js").write_text("")
    (tmp_path / ".chalice" / "deployments").mkdir(parents=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(FAKE_AWS.format(python=sys.executable))
    (bin_dir / "chalice").write_text(FAKE_CHALICE)
    (bin_dir / "python").symlink_to(sys.executable)
    for tool in ("aws", "chalice"):
        (bin_dir / tool).chmod(0o755)
    return tmp_path


def deploy(project: Path, stage: str = "dev", **env: str) -> tuple[subprocess.CompletedProcess, dict]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STRIPE_", "OPENAI_", "PIXMINT_"))}
    environ.update(PATH=f"{project / 'bin'}:{environ['PATH']}", VENV_BIN=str(project / "bin"),
                   FAKE_AWS_STATE=str(project / "aws-state.json"), **env)
    run = subprocess.run([str(project / "scripts" / "deploy"), "deploy", stage], cwd=project, env=environ,
                         capture_output=True, text=True, timeout=120)
    state = json.loads((project / "aws-state.json").read_text())
    return run, state


def package(project: Path, stage: str = "dev") -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environ.update(PATH=f"{project / 'bin'}:{environ['PATH']}", VENV_BIN=str(project / "bin"))
    return subprocess.run([str(project / "scripts" / "deploy"), "package", stage], cwd=project, env=environ,
                          capture_output=True, text=True, timeout=120)


def commands(state: dict) -> list[str]:
    return [" ".join(call[:2]) for call in state["calls"]]


def test_deploy_runs_stack_migrations_upload_and_invalidation_in_order(project: Path):
    run, state = deploy(project, PIXMINT_PARAMS="AlarmEmail=ops@example.com DBMultiAZ=true")
    assert run.returncode == 0, run.stderr
    order = commands(state)
    assert order.index("cloudformation package") < order.index("cloudformation deploy") < \
        order.index("lambda invoke") < order.index("s3 sync") < order.index("cloudfront create-invalidation")
    params = state["params"]
    assert params["Stage"] == "dev" and params["AlarmEmail"] == "ops@example.com"
    assert params["DBMultiAZ"] == "true"  # PIXMINT_PARAMS wins over infra/params-dev.json
    dev_params = json.loads((ROOT / "infra" / "params-dev.json").read_text())
    assert params["WorkerConcurrency"] == dev_params["WorkerConcurrency"]
    # Without a custom domain a second deploy sets the CloudFront URL the app links to.
    assert state["deploys"] == 2 and params["PublicUrl"] == "https://d111.cloudfront.net"
    assert state["attached"] is True
    invokes = [call for call in state["calls"] if call[:2] == ["lambda", "invoke"]]
    assert [call[call.index("--function-name") + 1] for call in invokes] == \
        ["pixmint-dev-Migrate", "pixmint-dev-Operations"]  # secrets stored before this release are sealed after
    assert json.loads(invokes[1][invokes[1].index("--payload") + 1]) == {"args": ["seal-secrets"]}
    uploads = [call for call in state["calls"] if call[:2] in (["s3", "sync"], ["s3", "cp"])]
    assert "immutable" in " ".join(uploads[0]) and uploads[-1][2].endswith("index.html")
    assert "no-cache" in uploads[-1]


def test_secrets_given_in_the_environment_are_stored_as_json_before_migrating(project: Path):
    stripe = {"STRIPE_SECRET_KEY": "sk_test_1", "STRIPE_WEBHOOK_SECRET": "whsec_1"}  # pragma: allowlist secret
    run, state = deploy(project, OPENAI_API_KEY="sk-1", **stripe)  # pragma: allowlist secret
    assert run.returncode == 0, run.stderr
    stored = {"arn:stripe": {"secret_key": "sk_test_1", "webhook_secret": "whsec_1"},  # pragma: allowlist secret
              "arn:openai": {"api_key": "sk-1"}}  # pragma: allowlist secret
    assert state["secrets"] == stored
    order = commands(state)
    assert order.index("secretsmanager put-secret-value") < order.index("lambda invoke")
    assert not any("sk_test_1" in " ".join(call) for call in state["calls"])  # never on a command line


def test_a_failed_migration_stops_before_the_web_app_is_uploaded(project: Path):
    run, state = deploy(project, FAIL_MIGRATE="1")
    assert run.returncode != 0 and "migrations failed" in run.stderr
    assert "s3 sync" not in commands(state)


def test_a_failed_sealing_of_stored_secrets_stops_before_the_web_app_is_uploaded(project: Path):
    run, state = deploy(project, FAIL_SEAL="1")
    assert run.returncode != 0 and "sealing stored secrets failed" in run.stderr
    assert "s3 sync" not in commands(state)


def test_deploy_refuses_an_unknown_stage(project: Path):
    run = subprocess.run([str(project / "scripts" / "deploy"), "deploy", "staging"], cwd=project,
                         capture_output=True, text=True, timeout=30)
    assert run.returncode != 0 and "dev or prod" in run.stderr


def test_package_hands_chalice_the_yaml_template_as_json(project: Path):
    from cfnlint.decode.cfn_yaml import load

    run = package(project)
    assert run.returncode == 0, run.stderr
    merged = project / (project / "dist" / "dev" / "merge-template").read_text().strip()
    # Given a .yaml merge template, Chalice writes sam.yaml, which nothing downstream reads.
    assert merged.suffix == ".json"
    template = json.loads(merged.read_text())
    assert template == load(str(ROOT / "infra" / "resources.yaml"))
    assert template["Resources"]["JobsQueue"]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == \
        {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]}


def test_package_refuses_a_template_with_a_key_written_twice(project: Path):
    template = project / "infra" / "resources.yaml"
    template.write_text(template.read_text() + "\nOutputs:\n  Extra:\n    Value: x\n")
    run = package(project)
    assert run.returncode != 0 and "Duplicate found 'Outputs'" in run.stderr
    assert not (project / "dist" / "dev" / "sam.json").exists()
