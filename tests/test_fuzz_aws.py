"""durable-fuzz --aws moto: AWS in memory, every AWS call an effect, AWS state compared."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from replay_fuzz import fuzz
from replay_fuzz.aws_effects import DUPLICATE, EFFECT, HARMLESS, READ, repeat_kind
from replay_fuzz.aws_state import first_difference
from replay_fuzz.cli import main
from tests.fuzz_targets import aws_handlers

SETUP = "tests.fuzz_targets.aws_handlers:queues"


SETUPS = {  # the smallest setup each handler needs: it runs before every execution
    aws_handlers.queue_send: "queues", aws_handlers.queue_send_deduplicated: "queues", aws_handlers.guard_watch: "queues",
    aws_handlers.counter: "counters", aws_handlers.counter_guarded: "counters",
    aws_handlers.email_from_orchestration: "mail", aws_handlers.email_in_guarded_step: "mail",
    aws_handlers.powertools_idempotent: "idempotency",
}


def _fuzz(handler, **options):  # noqa: ANN001, ANN202
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Powertools warns that no Lambda context was registered
        return fuzz(handler, aws="moto", setup=f"tests.fuzz_targets.aws_handlers:{SETUPS[handler]}", max_examples=0,
                    database=None, **options)


@pytest.mark.parametrize(
    ("handler", "effect"),
    [(aws_handlers.queue_send, "sqs.SendMessage"), (aws_handlers.counter, "dynamodb.UpdateItem"),
     (aws_handlers.email_from_orchestration, "ses.SendEmail")],
    ids=["sqs-send-in-step", "update-item-add", "ses-from-orchestration"],
)
def test_an_aws_duplicate_is_reported_without_naming_effects(handler, effect) -> None:
    report = _fuzz(handler)
    kinds = {problem.kind: problem for problem in report.problems}
    assert set(kinds) == {"duplicate-effect", "state-mismatch"}, report.text()
    assert kinds["duplicate-effect"].message.startswith(effect)
    if handler is not aws_handlers.email_from_orchestration:  # a step's calls say which run of its body made them
        assert kinds["duplicate-effect"].observed.endswith(" x2 in runs 1, 2 of its body")
    assert f"--aws moto --setup tests.fuzz_targets.aws_handlers:{SETUPS[handler]}" in kinds["state-mismatch"].reproduce


@pytest.mark.parametrize(
    "handler",
    [aws_handlers.queue_send_deduplicated, aws_handlers.counter_guarded, aws_handlers.email_in_guarded_step,
     aws_handlers.powertools_idempotent],
    ids=["fifo-deduplication-id", "conditional-update", "email-behind-conditional-write", "powertools-idempotency"],
)
def test_idempotent_aws_handlers_come_back_clean(handler) -> None:
    report = _fuzz(handler)
    assert report.problems == [], report.text()
    assert report.fault_points_exercised == report.fault_points > 0


def test_the_state_shows_side_by_side_where_it_first_differs() -> None:
    problem = next(p for p in _fuzz(aws_handlers.counter).problems if p.kind == "state-mismatch")
    assert problem.message == "dynamodb table counters differs from the straight-through run's"
    assert problem.reference == '{"name":"visits"} => {"hits":"1","name":"visits"}'
    assert problem.observed == '{"name":"visits"} => {"hits":"2","name":"visits"}'


def test_an_override_in_pyproject_changes_the_repeat_kind(tmp_path, monkeypatch) -> None:
    """Declared harmless, the queue send is no duplicate effect; the queue still holds two jobs."""
    (tmp_path / "pyproject.toml").write_text('[tool.durable-fuzz.aws-effects]\n"sqs.SendMessage" = "harmless"\n')
    monkeypatch.chdir(tmp_path)
    report = _fuzz(aws_handlers.queue_send)
    assert [problem.kind for problem in report.problems] == ["state-mismatch"], report.text()
    assert problem_observed_twice(report.problems[0].observed)


def problem_observed_twice(observed: str) -> bool:
    return observed.endswith("(x2)")


def test_aws_in_memory_reaches_forked_environments() -> None:
    """Invocations in warm and cold environments share the fuzzer's moto: the duplicate shows in its state."""
    report = _fuzz(aws_handlers.queue_send, environments=True, jobs=1)
    assert {problem.kind for problem in report.problems} == {"duplicate-effect", "state-mismatch"}, report.text()
    assert "--environments" in report.problems[0].reproduce


def test_the_network_guard_stays_on_with_aws_in_memory() -> None:
    report = _fuzz(aws_handlers.guard_watch)
    assert report.problems == [] and report.references[0]["result"] == '"refused"', report.text()


@pytest.mark.parametrize(
    ("effect", "params", "kind"),
    [
        ("dynamodb.GetItem", {}, READ), ("dynamodb.Query", {}, READ), ("s3.ListObjectsV2", {}, READ),
        ("sqs.ReceiveMessage", {}, READ), ("ec2.DescribeInstances", {}, READ),
        ("dynamodb.PutItem", {"TableName": "t"}, HARMLESS), ("s3.PutObject", {}, HARMLESS),
        ("dynamodb.DeleteItem", {}, HARMLESS),
        ("dynamodb.PutItem", {"ConditionExpression": "attribute_not_exists(pk)"}, HARMLESS),
        ("sqs.SendMessage", {"QueueUrl": "https://sqs/1/q.fifo", "MessageDeduplicationId": "d"}, HARMLESS),
        ("ec2.RunInstances", {"ClientToken": "t-1"}, HARMLESS),
        ("stepfunctions.StartExecution", {"name": "order-1"}, HARMLESS),
        ("dynamodb.UpdateItem", {"UpdateExpression": "SET #s = :s"}, HARMLESS),
        ("sqs.SendMessage", {"QueueUrl": "https://sqs/1/q"}, DUPLICATE), ("sns.Publish", {}, DUPLICATE),
        ("ses.SendEmail", {}, DUPLICATE), ("sesv2.SendEmail", {}, DUPLICATE), ("events.PutEvents", {}, DUPLICATE),
        ("dynamodb.UpdateItem", {"UpdateExpression": "ADD hits :one"}, DUPLICATE),
        ("dynamodb.UpdateItem", {"UpdateExpression": "SET items = list_append(items, :new)"}, DUPLICATE),
        ("dynamodb.UpdateItem", {"UpdateExpression": "SET stock = stock - :n"}, DUPLICATE),
        ("dynamodb.UpdateItem", {"AttributeUpdates": {"hits": {"Action": "ADD", "Value": 1}}}, DUPLICATE),
        ("lambda.Invoke", {"InvocationType": "Event"}, DUPLICATE),
        ("stepfunctions.StartExecution", {}, DUPLICATE),
        ("lambda.Invoke", {}, EFFECT), ("secretsmanager.PutSecretValue", {}, EFFECT),
    ],
)
def test_the_repeat_kind_table(effect, params, kind) -> None:
    assert repeat_kind(effect, params) == kind


def test_first_difference_pairs_keyed_items_and_counts_repeats() -> None:
    reference = {"dynamodb table t": ['{"id":"a"} => 1', '{"id":"b"} => 1'], "sqs queue q": ["m"]}
    assert first_difference(reference, reference) is None
    assert first_difference(reference, {**reference, "sqs queue q": ["m", "m"]}) == ("sqs queue q", "m", "m (x2)")
    changed = {**reference, "dynamodb table t": ['{"id":"a"} => 1', '{"id":"b"} => 2']}
    assert first_difference(reference, changed) == ("dynamodb table t", '{"id":"b"} => 1', '{"id":"b"} => 2')
    assert first_difference(reference, {**reference, "sqs queue q": []}) == ("sqs queue q", "m", "(absent)")


TARGET = str(Path(aws_handlers.__file__))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--setup", SETUP], "--setup prepares AWS in memory: give --aws moto with it"),
        (["--aws", "moto", "--setup", "tests.fuzz_targets.aws_handlers:nothing"], "has no function 'nothing'"),
        (["--aws", "moto", "--setup", "resources"], "expected MODULE:FUNCTION"),
    ],
)
def test_aws_usage_errors_are_one_line(arguments, message, capsys) -> None:
    code = main([f"{TARGET}:queue_send", "--max-examples", "0", "--no-database", *arguments])
    captured = capsys.readouterr()
    assert code == 2 and captured.err.count("\n") == 1 and message in captured.err, captured.err


def test_a_setup_that_raises_is_one_line(tmp_path, capsys, monkeypatch) -> None:
    (tmp_path / "broken_setup.py").write_text("def resources():\n    raise RuntimeError('no quota')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    code = main([f"{TARGET}:queue_send", "--max-examples", "0", "--no-database",
                 "--aws", "moto", "--setup", "broken_setup:resources"])
    assert code == 2
    assert capsys.readouterr().err == "durable-fuzz: error: --setup broken_setup:resources: raised RuntimeError: no quota\n"


def test_without_moto_the_error_says_how_to_install_it(capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "moto", None)  # as if it were not installed
    code = main([f"{TARGET}:queue_send", "--no-database", "--aws", "moto", "--setup", SETUP])
    assert code == 2
    assert capsys.readouterr().err == ("durable-fuzz: error: --aws moto needs moto, which is not installed: "
                                       "pip install 'durable-lint[aws]'\n")


def test_a_bad_override_is_one_line(tmp_path, capsys, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.durable-fuzz.aws-effects]\n"SendMessage" = "fine"\n')
    monkeypatch.chdir(tmp_path)
    assert main([f"{TARGET}:queue_send", "--no-database", "--aws", "moto"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "pyproject.toml: [tool.durable-fuzz].aws-effects: 'SendMessage' = 'fine'" in error


def test_moto_stays_out_of_a_run_without_aws(tmp_path) -> None:
    """moto costs about half a second to import (boto3 comes with the SDK anyway)."""
    handler = tmp_path / "plain.py"
    handler.write_text(textwrap.dedent('''
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            return context.step(lambda _: "ok", name="ok")
    '''))
    script = ("import sys; from replay_fuzz.cli import main; "
              f"code = main([{str(handler)!r}, '--max-examples', '0', '--no-database', '--jobs', '1']); "
              "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('moto', 'aws_lambda_powertools')))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert result.stdout.splitlines()[-1] == "0 []"


def test_a_client_made_before_the_sandbox_opened_is_adopted_once() -> None:
    """A client that outlives one run (a module-level one, or cached) answers and records each call once in the next."""
    from replay_fuzz import effects
    from replay_fuzz.aws import sandbox

    for _ in range(2):
        with sandbox("moto") as box:
            box.setup = aws_handlers.counters
            box.prepare()
            ledger: list[effects.EffectCall] = []
            with effects.recording(ledger):
                aws_handlers._count({"UpdateExpression": "ADD hits :one", "ExpressionAttributeValues": {":one": {"N": "1"}}})
            assert [call.effect for call in ledger] == ["dynamodb.UpdateItem"]
            assert box.snapshot()["dynamodb table counters"] == ['{"name":"visits"} => {"hits":"1","name":"visits"}']


def test_a_handler_that_needs_aws_is_pointed_to_aws_in_memory(tmp_path, capsys, monkeypatch) -> None:
    (tmp_path / "needs_aws.py").write_text(textwrap.dedent('''
        import boto3
        from aws_durable_execution_sdk_python import durable_execution

        queue = boto3.client("sqs")  # no region outside Lambda: fails at import

        @durable_execution
        def handler(event, context):
            return "ok"
    '''))
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert main([str(tmp_path / "needs_aws.py"), "--no-database"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "NoRegionError" in error
    assert error.endswith("(it calls AWS: run it on AWS in memory with --aws moto --setup MODULE:FUNCTION)\n")


def test_the_shop_example_loses_stock_only_aws_in_memory_shows(capsys, monkeypatch) -> None:
    """examples/fuzz/shop.py as the README runs it: its FIFO send and guarded e-mail are clean, its stock bug is not."""
    folder = Path(__file__).resolve().parent.parent / "examples" / "fuzz"
    monkeypatch.chdir(folder)
    code = main(["shop.py", "--aws", "moto", "--setup", "shop_setup:resources", "--max-examples", "0", "--no-database",
                 "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    problems = {problem["kind"]: problem for problem in report["problems"]}
    assert set(problems) == {"duplicate-effect", "state-mismatch"}, report
    assert problems["duplicate-effect"]["message"].startswith("dynamodb.UpdateItem ran 2 times")
    assert problems["state-mismatch"]["message"] == "dynamodb table inventory differs from the straight-through run's"
    assert (problems["state-mismatch"]["reference"], problems["state-mismatch"]["observed"]) == (
        '{"sku":"lamp"} => {"sku":"lamp","stock":"8"}', '{"sku":"lamp"} => {"sku":"lamp","stock":"6"}')
    # the Python line replays on AWS in memory too, or it would fail on its first AWS call
    assert "aws='moto', setup='shop_setup:resources', replay=" in problems["state-mismatch"]["replay_python"]


def test_aws_and_setup_can_come_from_pyproject(tmp_path, capsys, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text(f'[tool.durable-fuzz]\naws = "moto"\nsetup = "{SETUP}"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent))
    assert main([f"{TARGET}:queue_send", "--max-examples", "0", "--no-database"]) == 1
    assert "[state-mismatch] sqs queue jobs differs" in capsys.readouterr().out


def test_a_reference_that_fails_on_aws_credentials_suggests_aws_in_memory(tmp_path, capsys, monkeypatch) -> None:
    (tmp_path / "no_credentials.py").write_text(textwrap.dedent('''
        import boto3
        from aws_durable_execution_sdk_python import durable_execution
        from aws_durable_execution_sdk_python.config import StepConfig
        from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

        def count_queues(_):
            return len(boto3.client("sqs", region_name="us-east-1").list_queues().get("QueueUrls", []))

        @durable_execution
        def handler(event, context):
            once = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=1)))
            return context.step(count_queues, name="count", config=once)
    '''))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main([str(tmp_path / "no_credentials.py"), "--no-database", "--max-examples", "0"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "step 'count' failed in the straight-through run: NoCredentialsError" in error, error
    # The advice is for the missing credentials, not for the event.
    assert error.endswith(": it calls AWS with no credentials or region here: run AWS in memory with --aws moto --setup "
                          "MODULE:FUNCTION, or set them and pass --allow-network\n") and "--event" not in error


def test_a_snapshot_reads_every_service_without_changing_it() -> None:
    from replay_fuzz.aws import sandbox

    with sandbox("moto") as box:
        box.setup = aws_handlers.resources
        box.prepare()
        s3, sns = aws_handlers.client("s3"), aws_handlers.client("sns")
        s3.create_bucket(Bucket="receipts")
        s3.put_object(Bucket="receipts", Key="o-1.txt", Body=b"paid")
        topic = sns.create_topic(Name="orders")["TopicArn"]
        sns.publish(TopicArn=topic, Message="o-1 paid", Subject="paid")
        aws_handlers.client("sqs").send_message(QueueUrl=aws_handlers._queue("jobs"), MessageBody="job")
        aws_handlers._email("o-1")
        first = box.snapshot()
        assert box.snapshot() == first  # reading a queue's messages does not hide them
    assert first["s3 bucket receipts"] == ["o-1.txt => 4 bytes sha256:" + __import__("hashlib").sha256(b"paid").hexdigest()[:12]]
    assert first["sns topic orders"] == ['{"attributes":{},"group":null,"message":"o-1 paid","subject":"paid"}']
    assert first["sqs queue jobs"] == ['{"attributes":{},"body":"job","deduplication":null,"group":null}']
    assert first["sqs queue jobs.fifo"] == [] and first["dynamodb table counters"] == []
    assert json.loads(first["ses e-mails sent in us-east-1"][0])["subject"] == "order o-1"


def test_a_refused_aws_endpoint_gets_the_flags_in_the_advice_it_already_has() -> None:
    from replay_fuzz.aws import with_hint

    refused = ("step 'save' failed: network refused by the fuzzer (EndpointConnectionError to "
               "dynamodb.us-east-1.amazonaws.com): pass --allow-network, or run AWS in memory")
    assert with_hint(refused) == refused.replace("run AWS in memory", "run AWS in memory with --aws moto --setup MODULE:FUNCTION")
    not_aws = "step 'save' failed: network refused by the fuzzer (NetworkRefused to 192.0.2.1:443): pass --allow-network"
    assert with_hint(not_aws) == not_aws
