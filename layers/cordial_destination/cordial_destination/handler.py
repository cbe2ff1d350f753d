"""Wiring of one action's Lambda handler: settings, key, client, queues, logs and metrics.

Everything here runs once per cold start. A missing or bad setting, or an
invalid mapping file, raises at init: the function then fails loudly and
every event stays on its queue until the deployment is fixed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from cordial_destination.actions import resolve_overrides
from cordial_destination.api_key import SecretsManagerKeySource
from cordial_destination.client import CordialClient
from cordial_destination.dead_letters import DeadLetterQueue
from cordial_destination.delivery import ActionProcessor, Outcome, RecordOutcome
from cordial_destination.exceptions import ConfigurationError, CordialUnavailableError
from cordial_destination.redaction import mask_email_addresses
from cordial_destination.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

SERVICE: Final = "cordial-destination"
NAMESPACE: Final = "CordialDestination"
Handler = Callable[[Mapping[str, Any], LambdaContext], dict[str, Any]]

logger = Logger(service=SERVICE)

# At DEBUG, botocore logs every response body (the API key secret's value among them) and
# every request's parameters (each dead letter's event); Lambda's ApplicationLogLevel can
# put the root logger at DEBUG. Whatever the root level, the AWS SDK stops at INFO.
for _sdk in ("boto3", "botocore"):
    logging.getLogger(_sdk).setLevel(logging.INFO)

METRIC_NAMES: Final = {
    Outcome.DELIVERED: "Delivered",
    Outcome.SKIPPED: "Skipped",
    Outcome.DEAD_LETTERED: "DeadLettered",
    Outcome.RETRY: "Retried",
}


#: dead-letter reasons that say the event itself was refused (not that retries ran out)
REJECTION_REASONS: Final = frozenset(
    {"validation", "rejected", "malformed", "oversized", "unencodable"}
)


def load_overrides(settings: Settings, action: str) -> dict[str, Any]:
    """The deployment's mapping overrides for one action, checked before any event is read."""
    where = settings.mappings_file
    try:
        config = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read mapping file {where}: {exc}") from exc
    except RecursionError:
        raise ConfigurationError(f"mapping file {where} is nested too deeply") from None
    try:
        return resolve_overrides(config).get(action, {})
    except RecursionError:
        raise ConfigurationError(f"mapping file {where} is nested too deeply") from None


def make_processor(
    action: str, settings: Settings, *, sqs: SQSClient | None = None
) -> tuple[ActionProcessor, IdempotencyConfig | None]:
    if not settings.dead_letter_queue_url:
        raise ConfigurationError("CORDIAL_DEAD_LETTER_QUEUE_URL is not set")
    # One session for every AWS client: they then share botocore's loaded service models,
    # which is most of a cold start's client cost.
    session = boto3.session.Session()
    sqs = sqs or session.client("sqs")
    key_source = SecretsManagerKeySource(
        settings.secret_arn,
        max_age=settings.secret_max_age,
        client=session.client("secretsmanager"),
    )
    client = CordialClient(
        settings.endpoint,
        key_source,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        max_body_bytes=settings.max_body_bytes,
        pool_size=settings.concurrency,
    )
    processor = ActionProcessor(
        action,
        settings=settings,
        client=client,
        dead_letters=DeadLetterQueue(settings.dead_letter_queue_url, sqs),
        overrides=load_overrides(settings, action),
        sqs=sqs,
    )
    if not settings.idempotency_table:
        return processor, None
    # The key holds the body as well as (action, messageId): the same message delivered
    # twice is sent once, but two different events that share a caller-supplied messageId
    # are two deliveries.
    config = IdempotencyConfig(
        event_key_jmespath="[key, body]", expires_after_seconds=settings.idempotency_ttl
    )
    persistence = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table, boto3_client=session.client("dynamodb")
    )
    processor.send = idempotent_sender(processor, persistence, config)
    return processor, config


def idempotent_sender(
    processor: ActionProcessor, persistence: DynamoDBPersistenceLayer, config: IdempotencyConfig
) -> Callable[[Mapping[str, Any], str | None], int]:
    """Wrap the send so a Segment message reaches Cordial once per action within the TTL.

    Only a successful send is remembered: an exception removes the in-progress
    record, so a failed attempt is tried again later.
    """

    @idempotent_function(  # type: ignore[untyped-decorator]  # Powertools' decorator is untyped
        data_keyword_argument="delivery", persistence_store=persistence, config=config
    )
    def send_once(delivery: dict[str, Any]) -> dict[str, int]:
        return {"status": processor._send_now(delivery["body"], delivery["messageId"])}

    def send(payload: Mapping[str, Any], message_id: str | None) -> int:
        if not message_id:
            return processor._send_now(payload, message_id)
        delivery = {
            "key": f"{processor.action}#{message_id}",
            "body": payload,
            "messageId": message_id,
        }
        try:
            return int(send_once(delivery=delivery)["status"])
        except IdempotencyAlreadyInProgressError as exc:
            raise CordialUnavailableError("another invocation is sending this event") from exc
        except IdempotencyPersistenceLayerError as exc:
            raise CordialUnavailableError(f"idempotency table unavailable: {exc}") from exc

    return send


def log_outcome(action: str, outcome: RecordOutcome) -> None:
    # The id comes from the event: a sender may have put an email address in it.
    message_id = mask_email_addresses(outcome.message_id) if outcome.message_id else None
    fields = {
        "action": action,
        "outcome": outcome.outcome.value,
        "status": outcome.status,
        "messageId": message_id,
        "correlation_id": message_id,
        "reason": outcome.reason,
        "error": outcome.error,
        "retryIn": outcome.delay,
    }
    extra = {key: value for key, value in fields.items() if value is not None}
    if outcome.outcome is Outcome.DEAD_LETTERED:
        logger.warning("event dead-lettered", extra=extra)
    elif outcome.outcome is Outcome.RETRY:
        logger.warning("event will be retried", extra=extra)
    else:
        logger.info(f"event {outcome.outcome.value}", extra=extra)


def publish_metrics(action: str, outcomes: list[RecordOutcome]) -> None:
    metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    metrics.add_dimension(name="action", value=action)
    for kind, name in METRIC_NAMES.items():
        count = sum(1 for outcome in outcomes if outcome.outcome is kind)
        if count:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=count)
    rejected = sum(1 for o in outcomes if o.reason in REJECTION_REASONS)
    if rejected:
        metrics.add_metric(name="Rejected", unit=MetricUnit.Count, value=rejected)
    if outcomes:
        metrics.flush_metrics()

    configuration = sum(1 for o in outcomes if o.reason == "configuration")
    if configuration:
        # Dimensioned by service only, the one series the template's alarm watches.
        alarm = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
        alarm.add_metric(name="ConfigurationErrors", unit=MetricUnit.Count, value=configuration)
        alarm.flush_metrics()


def make_handler(
    action: str,
    settings: Settings | None = None,
    *,
    on_outcomes: Callable[[str, list[RecordOutcome]], None] | None = None,
) -> Handler:
    """Build the Lambda handler of one action; raises ConfigurationError at cold start.

    on_outcomes, when given, sees every batch's outcomes (the local runner counts them).
    """
    settings = settings or Settings.from_env()
    processor, idempotency = make_processor(action, settings)

    # log_event=False: POWERTOOLS_LOGGER_LOG_EVENT=true would otherwise log whole events,
    # personal data and all.
    @logger.inject_lambda_context(clear_state=True, log_event=False)
    def handler(event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        if idempotency is not None:
            # Lets an in-progress record expire with the invocation that a timeout cut off.
            idempotency.register_lambda_context(context)
        records = event.get("Records") or []
        outcomes = processor.process(records, context.get_remaining_time_in_millis)
        for outcome in outcomes:
            log_outcome(action, outcome)
        publish_metrics(action, outcomes)
        if on_outcomes is not None:
            on_outcomes(action, outcomes)
        failures = [o.record_id for o in outcomes if o.outcome is Outcome.RETRY]
        return {"batchItemFailures": [{"itemIdentifier": rid} for rid in failures]}

    return handler
