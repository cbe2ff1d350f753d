"""The local AWS: moto's server on 127.0.0.1, holding the bus, rules, queues, secret and table.

Resources follow template.yaml: one rule per enabled trigger, each targeting
its action's queue, which has a dead-letter queue and a redrive policy.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
import requests
from moto.server import ThreadedMotoServer

from cordial_local.template import Template, Trigger

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

REGION = "us-east-1"
BUS_NAME = "segment-local"
SECRET_NAME = "cordial-destination/api-key"  # noqa: S105  # nosec B105 # a name, not a secret
TABLE_NAME = "cordial-destination-idempotency"
#: moto accepts any credentials: this one only keeps boto3 from looking for real ones
FAKE_CREDENTIAL = "local"
#: AWS settings for boto3 in this process
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": FAKE_CREDENTIAL,
    "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIAL,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@dataclass
class ActionQueues:
    url: str
    arn: str
    dead_letter_url: str


@dataclass
class LocalStack:
    template: Template
    api_key: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    #: seconds a received record stays hidden when a handler neither deletes nor postpones it
    visibility_timeout: int = 5
    max_receive_count: int = 60
    endpoint: str = ""
    secret_arn: str = ""
    queues: dict[str, ActionQueues] = field(default_factory=dict)
    triggers: list[Trigger] = field(default_factory=list)
    _server: ThreadedMotoServer | None = None
    _saved_env: dict[str, str | None] = field(default_factory=dict)

    def start(self) -> LocalStack:
        # moto's server logs every request through werkzeug; the run's own table is the output.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        # The handlers build their boto3 clients from the environment, as in Lambda.
        self._set_env({**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint})
        # moto keeps its state per process: start each stack from nothing.
        requests.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        self._create_resources()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION)  # type: ignore[call-overload]

    @property
    def sqs(self) -> SQSClient:
        client: SQSClient = self.client("sqs")
        return client

    def _set_env(self, values: Mapping[str, str]) -> None:
        for name, value in values.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    def _create_resources(self) -> None:
        secret = self.client("secretsmanager").create_secret(
            Name=SECRET_NAME, SecretString=self.api_key
        )
        self.secret_arn = secret["ARN"]
        self.client("dynamodb").create_table(
            TableName=TABLE_NAME,
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        events = self.client("events")
        events.create_event_bus(Name=BUS_NAME)
        self.triggers = self.template.triggers(self.parameters)
        for trigger in self.triggers:
            queues = self._create_queues(trigger.action)
            self.queues[trigger.action] = queues
            events.put_rule(
                Name=trigger.rule, EventBusName=BUS_NAME, EventPattern=json.dumps(trigger.pattern)
            )
            events.put_targets(
                Rule=trigger.rule,
                EventBusName=BUS_NAME,
                Targets=[{"Id": trigger.action, "Arn": queues.arn}],
            )

    def _create_queues(self, action: str) -> ActionQueues:
        sqs = self.sqs
        dead_letter_url = sqs.create_queue(QueueName=f"{action}-dlq")["QueueUrl"]
        dead_letter_arn = sqs.get_queue_attributes(
            QueueUrl=dead_letter_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        redrive = {
            "deadLetterTargetArn": dead_letter_arn,
            "maxReceiveCount": self.max_receive_count,
        }
        url = sqs.create_queue(
            QueueName=action,
            Attributes={
                "VisibilityTimeout": str(self.visibility_timeout),
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return ActionQueues(url=url, arn=arn, dead_letter_url=dead_letter_url)
