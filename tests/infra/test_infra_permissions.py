"""Each function's role grants exactly what its handler's adapters call: a missing action is an
outage in production, an extra one is privilege nobody uses.

The AWS calls are read from the adapters' source (boto3 operation names of the service each
module creates a client for), so a new call fails here until infra/grants.OPERATION_ACTIONS
lists it and the function that makes it is granted it.
"""

from __future__ import annotations

import ast
import importlib.util
from functools import cache
from pathlib import Path

import pytest
from botocore import xform_name
from botocore.session import get_session
from infra_helpers import actions_of, function_role_id, resources_of, role_statements
from infra_synth import Synthesized

from callrecap.contracts import Function, handler_path
from infra.grants import LOCAL_ONLY_OPERATIONS, OPERATION_ACTIONS

ADAPTERS = "callrecap.adapters"
PROVIDERS = "callrecap.adapters.llm"
"""Provider adapters are all imported by the factory; only the configured one is granted."""
PROVIDER_MODULES = {
    "bedrock": ("callrecap.adapters.llm.bedrock",),
    "lambda": ("callrecap.adapters.llm.lambda_provider",),
    "openai": ("callrecap.adapters.llm.openai", "callrecap.adapters.secrets"),  # its API key's secret
}
OPTIONAL_MODULES = frozenset(
    {
        "callrecap.adapters.comprehend_pii",
        "callrecap.adapters.crm.webhook_sender",
        "callrecap.adapters.secrets",
    }
)
"""Adapters only a configured option uses (piiDetector: comprehend; crmTarget: webhook, whose
secret read is checked by test_infra_crm_target.py); checked in their variant."""
AUDITED_SERVICES = ("dynamodb", "events", "sqs", "s3", "bedrock", "lambda", "secretsmanager", "execute-api")
"""IAM prefixes whose grants must match the adapters' calls (kms and logs follow from these)."""
AUDITED_KMS_ACTIONS = frozenset({"kms:GenerateMac", "kms:VerifyMac"})
"""The live tickets' KMS calls are the adapters' own (the table key's actions follow from the table)."""


def _source(module: str) -> ast.Module:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, module
    return ast.parse(Path(spec.origin).read_text())


def _creates_client(node: ast.AST) -> bool:
    """boto3.client("svc"), or the adapters' own new_client("svc") / budgeted_client("svc") /
    LazyClient("svc") (adapters.aws_clients)."""
    if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
        return False
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == "client") or (
        isinstance(func, ast.Name) and func.id in ("new_client", "budgeted_client", "LazyClient")
    )


@cache
def client_services(module: str) -> frozenset[str]:
    """Services whose clients `module` creates, or inherits from the adapter modules it imports
    (the DynamoDB stores share one client created in adapters.dynamo.table)."""
    own = {node.args[0].value for node in ast.walk(_source(module)) if _creates_client(node)}  # type: ignore[attr-defined]
    for imported in adapter_modules(module):
        own |= client_services(imported)
    return frozenset(own)


@cache
def aws_calls(module: str) -> frozenset[tuple[str, str]]:
    """(service, operation) pairs the module calls on the boto3 client(s) it creates."""
    tree = _source(module)
    services = client_services(module)
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute):
            names.add(node.func.attr)  # client.put_item(...)
        if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            names.add(node.args[0].value)  # _call("transact_write_items", ...), get_paginator("...")
    session = get_session()
    calls = set()
    for service in services:
        operations = {xform_name(op) for op in session.get_service_model(service).operation_names}
        calls |= {(service, name) for name in names & operations}
    return frozenset(calls - LOCAL_ONLY_OPERATIONS)


@cache
def adapter_modules(module: str) -> frozenset[str]:
    """callrecap.adapters modules `module` imports, directly or through other adapters."""
    found: set[str] = set()
    for node in ast.walk(_source(module)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(ADAPTERS):
            found.add(node.module)
            found |= adapter_modules(node.module)
    return frozenset(found)


WIRING = "callrecap.wiring"
"""The composition root: one builder a function, named like its handler module."""


@cache
def wired_adapter_modules(builder: str) -> frozenset[str]:
    """callrecap.adapters modules the wiring builder `builder` (and the helpers it calls) imports."""
    functions = {n.name: n for n in _source(WIRING).body if isinstance(n, ast.FunctionDef)}
    found: set[str] = set()
    todo, seen = [builder], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(ADAPTERS):
                found |= {node.module, *adapter_modules(node.module)}
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions:
                todo.append(node.func.id)
    return frozenset(found)


def needed_actions(function: Function, provider: str) -> set[str]:
    handler_module = handler_path(function).rsplit(".", 1)[0]
    used = adapter_modules(handler_module) | wired_adapter_modules(handler_module.rsplit(".", 1)[1])
    modules = {m for m in used if not m.startswith(PROVIDERS) and m not in OPTIONAL_MODULES}
    if any(m.startswith(PROVIDERS) for m in used):
        modules.update(PROVIDER_MODULES[provider])
    return {action for m in modules for call in aws_calls(m) for action in OPERATION_ACTIONS[call]}


def _to_dead_letter_queue(statement: dict) -> bool:
    """Grants the Lambda service uses with the role to park failed events (not the handler's)."""
    return all("Dlq" in str(resource) for resource in resources_of(statement))


SQS_EVENT_SOURCE_ACTIONS = frozenset(
    {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    }
)
"""What `SqsEventSource` grants: the Lambda service polls the queue with the role, the handler
itself makes no SQS call for it (tests/infra/test_infra_pipeline checks the grant and its queue)."""


EVENT_SOURCE_QUEUES = ("FinalSummaryQueue", "WrapUpQueue")
"""The queues a function consumes through an SQS event source mapping."""


def _on_an_event_source_queue(statement: dict) -> bool:
    return all(any(q in str(resource) for q in EVENT_SOURCE_QUEUES) for resource in resources_of(statement))


def _consumes_event_source_queue(statement: dict) -> bool:
    """Grants of an SQS event source mapping (the final-summary, wrap-up queues), not the handler's."""
    return set(actions_of(statement)) <= SQS_EVENT_SOURCE_ACTIONS and _on_an_event_source_queue(statement)


def granted_actions(raw: dict, function: Function) -> set[str]:
    statements = role_statements(raw, function_role_id(raw, function))
    return {
        action
        for statement in statements
        if not _to_dead_letter_queue(statement) and not _consumes_event_source_queue(statement)
        for action in actions_of(statement)
        if action.split(":")[0] in AUDITED_SERVICES or action in AUDITED_KMS_ACTIONS
        # The event source mapping's own grants may share a statement with the handler's
        # SendMessage on the same queue (CDK merges statements on one resource).
        if not (_on_an_event_source_queue(statement) and action in SQS_EVENT_SOURCE_ACTIONS)
    }


def test_every_aws_call_of_the_adapters_has_its_iam_actions_listed() -> None:
    import callrecap.adapters as package

    root = Path(package.__file__).parent
    modules = [
        ".".join((ADAPTERS, *path.relative_to(root).with_suffix("").parts))
        for path in sorted(root.rglob("*.py"))
        if path.name != "__init__.py"
    ]
    calls = {call for m in modules for call in aws_calls(m)}
    assert ("dynamodb", "transact_write_items") in calls  # the scan sees calls made by name
    assert ("s3", "list_objects_v2") in calls  # ... and paginators
    assert calls - set(OPERATION_ACTIONS) == set()


@pytest.mark.parametrize("function", list(Function), ids=lambda f: f.value)
def test_each_function_is_granted_exactly_what_its_adapters_call(
    function: Function, main_synth: Synthesized
) -> None:
    needed = needed_actions(function, "bedrock")  # the main variant's provider
    assert needed, "every function calls AWS"
    assert granted_actions(main_synth.raw, function) == needed


def test_a_lambda_summarizer_is_granted_invoke_instead_of_bedrock(alt_synth: Synthesized) -> None:
    granted = granted_actions(alt_synth.raw, Function.SUMMARIZER)
    assert granted == needed_actions(Function.SUMMARIZER, "lambda")
    assert "lambda:InvokeFunction" in granted
    assert not any(a.startswith("bedrock:") for a in granted)


def test_the_api_function_reads_and_publishes_but_cannot_write_or_encrypt(main_synth: Synthesized) -> None:
    """The page's API only reads calls and summaries and puts SummaryRequested on the bus."""
    from infra_helpers import role_statements as statements_of

    granted = {
        action
        for statement in statements_of(main_synth.raw, function_role_id(main_synth.raw, Function.API))
        for action in actions_of(statement)
    }
    assert {"dynamodb:GetItem", "dynamodb:Query", "events:PutEvents", "kms:Decrypt"} <= granted
    forbidden = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    assert granted & (forbidden | {"kms:Encrypt", "kms:GenerateDataKey"}) == set()
