"""The local stack: moto's server on loopback, the pipeline's resources, and the real handlers.

    with LocalPipeline(port=0) as stack:              # a free port; stack.url is the page
        replay = stack.replay("samples/billing.jsonl", speed=10, fresh_id=True)
        stack.end_call(replay.call_id)             # optional: play the rest now ("call end")
        outcome = stack.wait_for(replay.call_id, timeout=60)

What stands for what (see docs/local.md):
- Kinesis event source mapping -> one `KinesisShardPoller` per shard feeding `ingest`;
- EventBridge rules (Chime status -> lifecycle, SummaryRequested -> summarizer, CallEnded ->
  final-summary delay queue -> summarizer, CallSummarized -> CRM hook) -> the same rules in moto
  with SQS targets + `QueuePoller`s;
- the sweeper's schedule -> `Timer`; the HTTP API -> `LocalHttpServer` (also serving ui/).

Starting a stack points this process's AWS SDK at the moto server (AWS_ENDPOINT_URL, fake
credentials) and sets the handlers' settings (`settings.EnvVar`) in os.environ, as the CDK stack
sets them on each function; `stop()` puts the previous environment back.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3

from callrecap.choices import CrmSendOn
from callrecap.contracts import Function
from callrecap.settings import EnvVar
from callrecap_local.aws_limits import enforced_aws_limits
from callrecap_local.environment import PROFILE_VARIABLES, ProcessEnvironment, aws_env, handler_env
from callrecap_local.functions import INVOKED, LocalFunction, reset_all_handler_caches
from callrecap_local.http_server import LocalHttpServer
from callrecap_local.lambda_events import local_claims
from callrecap_local.live_socket import LocalLiveSocket
from callrecap_local.moto_patches import transact_items_snapshot
from callrecap_local.partition_heat import PartitionHeat, metered
from callrecap_local.pollers import DeadLetter, KinesisShardPoller, QueuePoller, Timer, Worker
from callrecap_local.replayer import Replay
from callrecap_local.resources import (
    FINAL_SUMMARY_DELAY_SECONDS,
    WRAP_UP_SECONDS,
    LocalResources,
    create_resources,
)
from callrecap_local.stack_calls import CallsOnTheStack, LocalPipelineError

log = logging.getLogger("callrecap_local")

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_UI_DIR = REPO_ROOT / "ui"
DEFAULT_PROMPTS_DIR = REPO_ROOT / "prompts"
LOOPBACK = "127.0.0.1"
STACK_CLIENT_POOL = 64
"""Connections each of the stack's own clients keeps (replays, pollers and tests share them)."""

# The event source mapping's defaults in infra/config/deploy_config.py (not imported: it needs the CDK).
INGEST_BATCH_SIZE = 100
INGEST_BATCH_WINDOW_SECONDS = 1.0
INGEST_RETRY_ATTEMPTS = 5


RequestHook = Callable[[Function, str, str, Mapping[str, Any]], None]
"""(function, service name, operation name, the call's parameters): LocalPipeline.on_function_request."""


class LocalPipeline(CallsOnTheStack):
    _active: LocalPipeline | None = None
    """The running stack of this process: handlers are process-wide modules reading os.environ,
    so two stacks running at once would send one stack's events into the other's resources."""
    _active_lock = threading.Lock()

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = LOOPBACK,
        serve_http: bool = True,
        ui_dir: Path | None = DEFAULT_UI_DIR,
        prefix: str | None = None,
        region: str = "us-east-1",
        sweeper_interval: float = 30.0,
        settings_env: Mapping[str, str] | None = None,
        kinesis_batch_size: int = INGEST_BATCH_SIZE,
        kinesis_batch_window: float = INGEST_BATCH_WINDOW_SECONDS,
        final_summary_delay: int = FINAL_SUMMARY_DELAY_SECONDS,
        crm_send_on: CrmSendOn = CrmSendOn.FINAL,
        wrap_up_seconds: int = WRAP_UP_SECONDS,
        viewer: str = "admin",
        function_timeouts: Mapping[Function, float] | None = None,
        live_updates: bool = True,
    ):
        """`viewer`: who the page is signed in as: admin, supervisor or agent:<identity>;
        `function_timeouts`: shorter timeouts than the deployed ones (tests of a slow provider);
        `live_updates`: serve the live-updates WebSocket API with the page (False: pages poll, as
        a deployment without it)."""
        self.requested_port = port
        self.viewer = viewer
        self.viewer_claims = local_claims(viewer)  # ValueError for anything else
        self.host = host
        self.serve_http = serve_http
        self.ui_dir = ui_dir if ui_dir is not None and ui_dir.is_dir() else None
        # moto's backends are process-wide: two stacks in one process (tests) need distinct names.
        self.prefix = prefix or f"callrecap-local-{uuid.uuid4().hex[:6]}"
        self.region = region
        self.sweeper_interval = sweeper_interval
        self.settings_env = dict(settings_env or {})
        self.kinesis_batch_size = kinesis_batch_size
        self.kinesis_batch_window = kinesis_batch_window
        self.final_summary_delay = final_summary_delay
        self.crm_send_on = crm_send_on
        """crmSendOn: which summaries the CRM hook gets (approval-or-timeout adds the wrap-up queue)."""
        self.wrap_up_seconds = wrap_up_seconds
        """wrapUpMinutes, in seconds, so a test need not wait minutes."""
        self.live_updates = live_updates
        self.live: LocalLiveSocket | None = None
        """The live-updates WebSocket API (live_socket.py), while the page is served with it."""
        self.heat = PartitionHeat()
        """DynamoDB write units per partition per second while the stack runs (partition_heat.py)."""
        pipeline_lock = threading.Lock()  # see functions.py: handlers share non-thread-safe state
        # The page's requests run beside the pipeline, each function under its own lock.
        own_lock = (Function.API, Function.CALL_DATA, Function.APPROVALS, Function.LIVE_CONNECT)
        self.functions = {
            f: LocalFunction(
                f,
                region=region,
                prefix=self.prefix,
                lock=None if f in own_lock else pipeline_lock,
                timeout_seconds=(function_timeouts or {}).get(f),
            )
            for f in Function
        }
        self.dead_letters: list[DeadLetter] = []
        self.resources: LocalResources | None = None
        self.workers: list[Worker] = []
        self.replays: dict[str, Replay] = {}
        self._moto: Any = None
        self._http: LocalHttpServer | None = None
        self._environment = ProcessEnvironment()
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._started = False
        self._patches = ExitStack()
        self._tables = threading.local()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> LocalPipeline:
        if self._started:
            return self
        with LocalPipeline._active_lock:
            if LocalPipeline._active is not None:
                raise LocalPipelineError("another LocalPipeline is running in this process; stop() it first")
            LocalPipeline._active = self
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as error:  # pragma: no cover - depends on the install
            LocalPipeline._active = None
            raise LocalPipelineError("moto[server] is not installed: run `make setup`") from error
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per moto request otherwise
        self._started = True
        try:
            self._patches.enter_context(transact_items_snapshot())  # undone in stop()
            self._patches.enter_context(enforced_aws_limits())
            self._patches.enter_context(metered(self.heat))
            self._moto = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
            self._moto.start()
            moto_host, moto_port = self._moto.get_host_and_port()
            self.moto_url = f"http://{moto_host}:{moto_port}"
            self._environment.set(aws_env(self.moto_url, self.region))
            self._environment.unset(PROFILE_VARIABLES)
            boto3.DEFAULT_SESSION = None  # a session cached earlier keeps its profile and files
            reset_all_handler_caches()
            self.resources = create_resources(
                self.client,
                self.prefix,
                final_summary_delay_seconds=self.final_summary_delay,
                crm_send_on=self.crm_send_on,
                wrap_up_seconds=self.wrap_up_seconds,
            )
            settle = {EnvVar.SETTLE_SECONDS.value: str(self.final_summary_delay)}
            self._environment.set(
                handler_env(self.resources, DEFAULT_PROMPTS_DIR, {**settle, **self.settings_env})
            )
            if self.serve_http and self.live_updates:
                self._start_live(self.resources)
            self._start_workers(self.resources)
            if self.serve_http:
                self._start_http()
        except Exception:
            self.stop()
            raise
        log.info("local stack up: moto %s, page %s", self.moto_url, self.url if self.serve_http else "-")
        return self

    def stop(self) -> None:
        """Stop replays, pollers, the HTTP server and moto; restore the environment."""
        if not self._started:
            return
        for replay in list(self.replays.values()):
            replay.cancel()
        for worker in self.workers:
            worker.stop()
        if self._http is not None:
            self._http.stop()
            self._http = None
        if self.live is not None:
            self.live.stop()
            self.live = None
        for worker in self.workers:
            worker.join(timeout=5)
        for replay in list(self.replays.values()):
            replay.join(timeout=5)
        self.workers.clear()
        if self._moto is not None:
            try:
                self._moto.stop()
            except Exception:  # a server that never started: nothing to stop
                log.debug("moto server stop failed", exc_info=True)
            self._moto = None
        self._patches.close()
        self._clients.clear()
        reset_all_handler_caches()
        self._environment.restore()
        self._started = False
        with LocalPipeline._active_lock:
            if LocalPipeline._active is self:
                LocalPipeline._active = None

    def __enter__(self) -> LocalPipeline:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses and clients

    @property
    def port(self) -> int:
        if self._http is None:
            raise LocalPipelineError("the HTTP server is not running")
        return self._http.port

    @property
    def url(self) -> str:
        """The page (ui/), e.g. http://127.0.0.1:8000."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def sign_in_as(self, viewer: str) -> None:
        """The user the local API sees from now on, as if another person signed in (`viewer` as
        for the constructor: admin, supervisor, agent:<id>); a page reloaded afterwards is theirs."""
        claims = local_claims(viewer)  # ValueError for anything else
        self.viewer, self.viewer_claims = viewer, claims
        if self._http is not None:
            self._http.claims = claims
            self._http.config["viewer"] = viewer

    def client(self, service: str) -> Any:
        """A boto3 client on the moto server (thread-safe; shared)."""
        with self._clients_lock:
            if service not in self._clients:
                import boto3
                from botocore.config import Config

                # Shared by every replay and poller thread: a pool for all of them (botocore's 10
                # would discard connections, with a urllib3 warning, when many calls replay at once).
                self._clients[service] = boto3.session.Session().client(
                    service,
                    region_name=self.region,
                    endpoint_url=self.moto_url,
                    config=Config(max_pool_connections=STACK_CLIENT_POOL),
                )
            return self._clients[service]

    def table(self) -> Any:
        """The pipeline's table as a boto3 resource, one per thread (resources are not thread-safe).

        Cached: a new Session loads botocore's service models from disk, which costs more CPU
        than the query itself (it dominated a 500-call scale run that polled outcomes).
        """
        import boto3

        assert self.resources is not None
        cached = getattr(self._tables, "table", None)
        key = (self.moto_url, self.resources.table_name)
        if cached is not None and cached[0] == key:
            return cached[1]
        resource = boto3.session.Session().resource(
            "dynamodb", region_name=self.region, endpoint_url=self.moto_url
        )
        table = resource.Table(self.resources.table_name)
        self._tables.table = (key, table)
        return table

    def drained(self) -> bool:
        """Nothing left to do: no replay sending, no record buffered or handler running in a
        poller, and no message in any rule's queue (visible, in flight, or delayed: a summary put
        back to settle or for a throttled model counts). What a test waits for before asserting
        that nothing more happens."""
        self._require_started()
        assert self.resources is not None
        if any(r.is_alive() for r in self.replays.values()):
            return False
        for worker in self.workers:
            if worker.busy or (isinstance(worker, KinesisShardPoller) and worker.buffer):
                return False
        counts = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        names = [*counts, "ApproximateNumberOfMessagesDelayed"]
        sqs = self.client("sqs")
        for target in self.resources.targets:
            if target.queue_of:
                continue
            found = sqs.get_queue_attributes(QueueUrl=target.queue_url, AttributeNames=names)["Attributes"]
            if any(int(found.get(name, 0)) for name in names):
                return False
        return True

    def quarantined(self) -> list[dict[str, Any]]:
        """The bodies of the quarantine queue's messages (adapters/quarantine.py), left in the queue:
        each page is made visible again once read, as an operator's look would leave it."""
        self._require_started()
        assert self.resources is not None
        sqs, url = self.client("sqs"), self.resources.quarantine_queue_url
        bodies: list[dict[str, Any]] = []
        seen: list[str] = []
        while True:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get(
                "Messages", []
            )
            if not messages:
                break
            bodies += [json.loads(m["Body"]) for m in messages]
            seen += [m["ReceiptHandle"] for m in messages]
        for start in range(0, len(seen), 10):
            entries = [
                {"Id": str(n), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for n, handle in enumerate(seen[start : start + 10])
            ]
            sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)
        return bodies

    def on_function_request(self, hook: RequestHook) -> None:
        """Call `hook(function, service, operation, params)` for every AWS API call a function's
        handler makes from now on (not the stack's own calls, nor threads a handler starts),
        through botocore's event system on the SDK session the handlers use."""
        self._require_started()

        def before_call(params: Any, model: Any, **_: Any) -> None:
            function = INVOKED.get()
            if function is not None:
                hook(function, model.service_model.service_name, model.name, params)

        boto3._get_default_session().events.register("before-parameter-build", before_call)

    # ------------------------------------------------------------------ internals

    def _require_started(self) -> None:
        if not self._started:
            raise LocalPipelineError("start() the local stack first")

    def _start_live(self, resources: LocalResources) -> None:
        connect = self.functions[Function.LIVE_CONNECT]
        self.live = LocalLiveSocket(connect.invoke, host=self.host).start()
        self._environment.set(
            {
                EnvVar.LIVE_URL.value: self.live.url,
                EnvVar.LIVE_ENDPOINT.value: self.live.management_url,
                EnvVar.LIVE_KEY_ID.value: resources.live_key_id,
            }
        )

    def _start_workers(self, resources: LocalResources) -> None:
        kinesis, sqs = self.client("kinesis"), self.client("sqs")
        shards = kinesis.list_shards(StreamName=resources.stream_name)["Shards"]
        for shard in shards:
            self.workers.append(
                KinesisShardPoller(
                    kinesis=kinesis,
                    stream_name=resources.stream_name,
                    stream_arn=resources.stream_arn,
                    shard_id=shard["ShardId"],
                    function=self.functions[Function.INGEST],
                    dead_letters=self.dead_letters,
                    batch_size=self.kinesis_batch_size,
                    batch_window_seconds=self.kinesis_batch_window,
                    max_retries=INGEST_RETRY_ATTEMPTS,
                    region=self.region,
                )
            )
        for target in resources.targets:
            if target.queue_of:
                continue  # its events land in another target's queue, which that poller reads
            self.workers.append(
                QueuePoller(
                    sqs=sqs,
                    queue_url=target.queue_url,
                    function=self.functions[target.function],
                    sqs_source=target.sqs_source,
                    region=self.region,
                )
            )
        if self.sweeper_interval > 0:
            self.workers.append(
                Timer(
                    function=self.functions[Function.SWEEPER],
                    interval_seconds=self.sweeper_interval,
                    rule_arn=resources.sweeper_rule_arn,
                    region=self.region,
                )
            )
        for worker in self.workers:
            worker.start()

    def _start_http(self) -> None:
        api = self.functions[Function.API]
        try:
            self._http = LocalHttpServer(
                (self.host, self.requested_port),
                invoke_api=api.invoke,
                invoke_call_data=self.functions[Function.CALL_DATA].invoke,
                invoke_approvals=self.functions[Function.APPROVALS].invoke,
                ui_dir=self.ui_dir,
                config={"apiBase": "/api", "auth": None, "local": True, "viewer": self.viewer},
                claims=self.viewer_claims,
                user_pool_id=self.resources.user_pool_id if self.resources else "",
            )
        except OSError as error:
            raise LocalPipelineError(
                f"cannot listen on {self.host}:{self.requested_port}: {error.strerror}"
            ) from error
        self._http.start()
