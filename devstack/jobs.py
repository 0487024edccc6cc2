"""What Lambda's event sources do in production, for the local stack: the SQS trigger and the schedules."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger("devstack")


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """An SQS trigger event as Lambda delivers it (every attribute Powertools' SqsRecordModel requires)."""
    now = str(int(time.time() * 1000))
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": now, "SenderId": "AIDAPIXMINTLOCAL",
                       "ApproximateFirstReceiveTimestamp": now},
        "messageAttributes": {}, "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": "us-east-1",
    } for m in messages]}


class QueuePoller(threading.Thread):
    """Long-polls the job queue and hands batches to the worker's handler, deleting what succeeded."""

    def __init__(self, sqs: Any, queue_url: str, handle: Callable[[dict[str, Any]], Mapping[str, Any]],
                 number: int = 0) -> None:
        super().__init__(name=f"sqs-worker-{number}", daemon=True)
        self._sqs, self._queue_url, self._handle = sqs, queue_url, handle
        self._stop = threading.Event()
        self._arn = "arn:aws:sqs:us-east-1:123456789012:" + queue_url.rsplit("/", 1)[-1]

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                reply = self._sqs.receive_message(QueueUrl=self._queue_url, MaxNumberOfMessages=5, WaitTimeSeconds=1)
                messages = reply.get("Messages", [])
                if not messages:
                    continue
                result = self._handle(sqs_event(messages, self._arn))
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
                for message in messages:
                    if message["MessageId"] in failed:
                        self._sqs.change_message_visibility(QueueUrl=self._queue_url,
                                                            ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=5)
                    else:
                        self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
            except Exception:  # keep the local worker alive, as Lambda would retry
                if not self._stop.is_set():
                    log.exception("worker poll failed")
                    time.sleep(1)


class Schedule(threading.Thread):
    """Runs a job every `seconds`, like an EventBridge rate schedule."""

    def __init__(self, name: str, seconds: float, job: Callable[[], Any]) -> None:
        super().__init__(name=name, daemon=True)
        self._seconds, self._job = seconds, job
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.wait(self._seconds):
            try:
                self._job()
            except Exception:
                log.exception("scheduled job %s failed", self.name)
