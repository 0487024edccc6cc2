"""The SQS-triggered generation worker and the sweeper schedule (which also delivers the email outbox and the
webhook deliveries)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Rate

from ..bootstrap import container
from ..observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

bp = Blueprint(__name__)
JOBS_QUEUE = "pixmint-jobs"


@functools.cache
def job_record_model() -> type[Any]:
    """An SQS record whose body is a generation job, as Powertools' typed SQS model: a record that does not parse
    fails alone (and, after its retries, goes to the dead-letter queue)."""
    from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
    from pydantic import BaseModel, ConfigDict, Json

    class Job(BaseModel):
        """What the API enqueues: which generation to run."""

        model_config = ConfigDict(strict=True)
        generation_id: str

    class JobRecord(SqsRecordModel):
        body: Json[Job]

    return JobRecord


def process_record(record: Any) -> str:
    """One SQS record, already parsed: a raise marks only this record failed."""
    generation_id = record.body.generation_id
    outcome = container().worker.process(generation_id)
    logger.info("job processed", extra={"generation_id": generation_id, "outcome": outcome})
    return outcome


def handle_batch(raw_event: dict[str, Any]) -> PartialItemFailureResponse:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS, model=job_record_model())
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
