"""The SQS-triggered generation worker and the sweeper schedule (which also delivers the email outbox and the
webhook deliveries)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Rate

from ..bootstrap import container
from ..observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

bp = Blueprint(__name__)
JOBS_QUEUE = "pixmint-jobs"


class BadJob(ValueError):
    """A message that is not a generation job; it fails alone and goes to the dead-letter queue."""


def job_generation_id(body: str) -> str:
    try:
        message = json.loads(body)
    except ValueError:
        raise BadJob("the message body is not JSON") from None
    if not isinstance(message, dict) or not isinstance(message.get("generation_id"), str):
        raise BadJob("the message has no generation_id")
    return message["generation_id"]


def process_record(record: Any) -> str:
    """One SQS record: a raise marks only this record failed."""
    generation_id = job_generation_id(record.body)
    outcome = container().worker.process(generation_id)
    logger.info("job processed", extra={"generation_id": generation_id, "outcome": outcome})
    return outcome


def handle_batch(raw_event: dict[str, Any]) -> PartialItemFailureResponse:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=raw_event, record_handler=process_record, processor=processor)


@bp.on_sqs_message(queue=JOBS_QUEUE, batch_size=5)
def process_jobs(event: Any) -> PartialItemFailureResponse:
    return handle_batch(event.to_dict())


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def sweep_generations(event: Any) -> dict[str, int]:
    result = container().sweeper.sweep()
    logger.info("sweep", extra=result)
    # The email outbox rides on this schedule: in Lambda it is what sends verification and reset emails.
    logger.info("email outbox delivered", extra=container().accounts.deliver_due_emails())
    # So do developers' webhooks: one run a minute is what makes "the first retry within a minute" hold.
    logger.info("webhooks delivered", extra=container().webhook_endpoints.deliver_due())
    return result


@bp.schedule(Rate(15, unit=Rate.MINUTES))
def retry_s3_deletions(event: Any) -> dict[str, int]:
    result = container().library.retry_s3_deletions()
    logger.info("s3 deletions retried", extra=result)
    return result
