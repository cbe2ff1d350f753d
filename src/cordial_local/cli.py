"""The `cordial-destination` command: its parser, and run, redrive, sandbox and check-auth."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import boto3
import requests
from botocore.exceptions import BotoCoreError, ClientError

from cordial_destination.actions import ACTIONS
from cordial_destination.api_key import ApiKey, parse_secret
from cordial_destination.client import CordialClient
from cordial_destination.exceptions import (
    ConfigurationError,
    CordialDestinationError,
)
from cordial_destination.settings import DEFAULT_ENDPOINT, DEFAULT_MAPPINGS_FILE, normalize_endpoint
from cordial_local.exceptions import UsageError
from cordial_local.faults import Fault
from cordial_local.inputs import read_inputs
from cordial_local.mapping_commands import (
    load_mapping_file,
    map_command,
    preview_command,
    validate_config_command,
)
from cordial_local.redrive import redrive, stack_queues
from cordial_local.reference import fields_markdown
from cordial_local.report import Progress, print_redrive, print_summary
from cordial_local.runner import LocalRun, RunSummary
from cordial_local.sandbox import CordialSandbox
from cordial_local.template import DEFAULT_TEMPLATE, Template

DEFAULT_KEY_ENV = "CORDIAL_API_KEY"
SANDBOX_DEFAULT_KEY = "sandbox-key"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.command(args))
    except (UsageError, ConfigurationError) as exc:
        print(f"cordial-destination: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cordial-destination",
        description="Deliver Segment-format events from EventBridge to Cordial, locally.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="process events through the local stack")
    add_event_options(run)
    run.add_argument("--endpoint", help="a real Cordial endpoint (default: the local sandbox)")
    run.add_argument(
        "--api-key-env",
        default=DEFAULT_KEY_ENV,
        metavar="NAME",
        help="environment variable holding the key, with --endpoint",
    )
    run.add_argument("--summary-json", type=Path, metavar="FILE", help="write the counts as JSON")
    run.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="sandbox fault, KIND[:RATE][:NAME=VALUE...] (repeatable)",
    )
    run.add_argument("--seed", type=int, default=None, help="seed of the sandbox's faults")
    run.add_argument(
        "--log-file",
        type=Path,
        metavar="FILE",
        help="write the handlers' JSON logs here (default: discarded)",
    )
    run.add_argument(
        "--remove-from-list-event",
        default="",
        metavar="NAME",
        help="track event that triggers removeContactFromList",
    )
    run.add_argument(
        "--time-limit",
        type=positive_seconds,
        default=600.0,
        metavar="SECONDS",
        help="stop waiting for the queues to drain after this long (default 600)",
    )
    run.add_argument(
        "--redrive",
        action="store_true",
        help="after the queues drain, clear the faults and redrive every dead letter",
    )
    run.set_defaults(command=run_command)

    again = commands.add_parser("redrive", help="move dead letters back to their action's queue")
    again.add_argument("--stack-name", required=True, help="the deployed stack")
    again.add_argument("--region", default=None)
    again.add_argument("--action", choices=ACTIONS, help="only this action's dead letters")
    again.add_argument(
        "--reason",
        metavar="CLASS",
        help="only letters of this reason (validation, rejected, exhausted, ...)",
    )
    again.add_argument("--dry-run", action="store_true", help="count, move nothing")
    again.set_defaults(command=redrive_command)

    preview = commands.add_parser("preview", help="print the requests events would make")
    add_event_options(preview)
    preview.add_argument("--action", choices=ACTIONS, help="only this action, matched or not")
    preview.add_argument("--endpoint", default=DEFAULT_ENDPOINT)
    preview.add_argument("--remove-from-list-event", default="", metavar="NAME")
    preview.set_defaults(command=preview_command)

    mapper = commands.add_parser("map", help="apply one mapping to events, one JSON line each")
    mapper.add_argument(
        "--mapping",
        type=Path,
        required=True,
        metavar="FILE",
        help="a mapping in Segment's mapping language (JSON)",
    )
    mapper.add_argument("files", nargs="*", metavar="FILE")
    mapper.set_defaults(command=map_command)

    check_config = commands.add_parser(
        "validate-config", help="check the deployment's mapping file and say where it is wrong"
    )
    check_config.add_argument("file", nargs="?", type=Path, default=DEFAULT_MAPPINGS_FILE)
    check_config.set_defaults(command=validate_config_command)

    reference = commands.add_parser("fields", help="print every action's fields as Markdown")
    reference.set_defaults(command=lambda args: print(fields_markdown(), end="") or 0)

    sandbox = commands.add_parser("sandbox", help="run the Cordial sandbox in the foreground")
    sandbox.add_argument("--port", type=int, default=8787)
    sandbox.add_argument(
        "--api-key",
        default=None,
        help=f"key it accepts (default: ${DEFAULT_KEY_ENV} or '{SANDBOX_DEFAULT_KEY}')",
    )
    sandbox.add_argument("--fault", action="append", default=[], metavar="SPEC")
    sandbox.add_argument("--seed", type=int, default=None)
    sandbox.set_defaults(command=sandbox_command)

    check = commands.add_parser("check-auth", help="check that Cordial accepts an API key")
    check.add_argument("--endpoint", default=DEFAULT_ENDPOINT)
    check.add_argument("--api-key-env", default=DEFAULT_KEY_ENV, metavar="NAME")
    check.set_defaults(command=check_auth_command)
    return parser


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError("must be more than 0 and less than a day")
    return value


def add_event_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="JSON, JSON array or JSON Lines; '-' for standard input",
    )
    parser.add_argument(
        "--mapping",
        type=Path,
        default=DEFAULT_MAPPINGS_FILE,
        metavar="FILE",
        help="mapping overrides (default: the deployed mappings.json)",
    )
    parser.add_argument("--segment-id-key", default=None, metavar="KEY")


def key_from_env(name: str) -> ApiKey:
    value = os.environ.get(name, "")
    if not value.strip():
        raise UsageError(f"set the Cordial API key in the environment variable {name}")
    return parse_secret(value)


def run_command(args: argparse.Namespace) -> int:
    load_mapping_file(args.mapping)
    faults = [parse_fault(spec) for spec in args.fault]
    inputs = read_inputs(args.files)
    for problem in inputs.problems:
        print(f"skipped input: {problem}", file=sys.stderr)

    sandbox: CordialSandbox | None = None
    if args.endpoint:
        if faults:
            raise UsageError("--fault applies to the embedded sandbox, not to --endpoint")
        endpoint, api_key = normalize_endpoint(args.endpoint), key_from_env(args.api_key_env)
    else:
        api_key = ApiKey(secrets.token_urlsafe(24))
        sandbox = CordialSandbox(api_key.reveal(), faults=faults, seed=args.seed).start()
        endpoint = sandbox.url

    parameters = {"RemoveFromListEventName": args.remove_from_list_event}
    progress = Progress(sys.stderr) if sys.stderr.isatty() else None
    log_path = args.log_file or Path(os.devnull)
    try:
        with log_path.open("w", encoding="utf-8") as log_stream:
            summary = LocalRun(
                endpoint=endpoint,
                api_key=api_key.reveal(),
                template=Template.load(DEFAULT_TEMPLATE),
                parameters=parameters,
                mappings_file=args.mapping,
                segment_id_key=args.segment_id_key,
                time_limit=args.time_limit,
                progress=progress,
                log_stream=log_stream,
                redrive_after=clear_faults(sandbox) if args.redrive else None,
            ).execute(inputs.envelopes)
    finally:
        if progress is not None:
            progress.close()
        if sandbox is not None:
            sandbox.stop()
    if sandbox is not None:
        summary.sandbox = {"accepted": sandbox.accepted, "repeats": sandbox.repeats}
    return finish_run(args, summary, len(inputs.problems))


def finish_run(args: argparse.Namespace, summary: RunSummary, input_problems: int) -> int:
    print_summary(summary, sys.stdout)
    if input_problems:
        print(f"{input_problems} input item(s) could not be read (see above)")
    if args.summary_json:
        document = summary.as_json()
        document["unreadable_inputs"] = input_problems
        args.summary_json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 1 if summary.unaccounted or input_problems else 0


def clear_faults(sandbox: CordialSandbox | None) -> Callable[[], None]:
    def clear() -> None:
        if sandbox is not None:
            sandbox.set_faults([])

    return clear


def redrive_command(args: argparse.Namespace) -> int:
    try:
        cloudformation = boto3.client("cloudformation", region_name=args.region)
        (stack,) = cloudformation.describe_stacks(StackName=args.stack_name)["Stacks"]
        queues = stack_queues(stack.get("Outputs", []))
        if not queues:
            raise UsageError(f"stack {args.stack_name} has no action queue outputs")
        sqs = boto3.client("sqs", region_name=args.region)
        counts = redrive(sqs, queues, action=args.action, reason=args.reason, dry_run=args.dry_run)
    except (BotoCoreError, ClientError) as exc:
        raise UsageError(f"redrive failed: {exc}") from exc
    print_redrive(counts, sys.stdout, dry_run=args.dry_run)
    return 0


def parse_fault(spec: str) -> Fault:
    try:
        return Fault.parse(spec)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def sandbox_command(args: argparse.Namespace) -> int:
    if args.api_key is not None and not args.api_key.strip():
        raise UsageError("--api-key must not be empty")
    api_key = args.api_key or os.environ.get(DEFAULT_KEY_ENV) or SANDBOX_DEFAULT_KEY
    faults = [parse_fault(spec) for spec in args.fault]
    try:
        sandbox = CordialSandbox(api_key, port=args.port, faults=faults, seed=args.seed)
        sandbox.bind()
    except (OSError, ValueError, OverflowError) as exc:
        raise UsageError(f"cannot start the sandbox on port {args.port}: {exc}") from exc
    print(f"Cordial sandbox (a local model of Cordial, not Cordial) on {sandbox.url}", flush=True)
    print(f"state: GET {sandbox.url}/_sandbox/state; stop with Ctrl-C", flush=True)
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


def check_auth_command(args: argparse.Namespace) -> int:
    key = key_from_env(args.api_key_env)
    endpoint = normalize_endpoint(args.endpoint)

    def key_source(*, refresh: bool = False) -> ApiKey:
        return key

    try:
        valid = CordialClient(endpoint, key_source).check_auth()
    except (CordialDestinationError, requests.RequestException) as exc:
        print(f"could not check the key at {endpoint}: {exc}", file=sys.stderr)
        return 2
    if valid:
        print(f"the API key in ${args.api_key_env} works with {endpoint}")
        return 0
    print(f"Cordial refused the API key in ${args.api_key_env} (401) at {endpoint}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
