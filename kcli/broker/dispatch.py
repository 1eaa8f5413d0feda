"""ROUTES: api_key → the handler module serving it. ApiVersions is computed from this table.

Each handler module names its kafka-python ``Request``/``Response`` classes, the
version range it advertises and serves (``ADVERTISED``: Kafka 3.9's floor, 0
for every API here, up to kcli's maximum), optionally ``IMPLEMENTED_MIN`` (a
lowest served version above the advertised floor; no module sets one, since
nothing advertised may be refused), and ``handle(request, ctx)``. A module on a
hot path may name its own ``decode_body(frame, head)``, checked byte for byte
against kafka-python's decoder; every other request body is decoded with
``Request`` (frame.decode_request).

A handler that raises is answered, as Kafka answers (``getErrorResponse``), with
its module's ``error_response(request, ctx, code)``: the request's topics,
partitions or groups each carrying ``code``. A module whose response has one
top-level ``error_code`` needs none: ``top_level_error`` fills it. ``None``
means there is no error response (Produce with acks=0): the connection closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from types import ModuleType
from typing import Callable

from kcli.protocol.kafka import frame
from kcli.broker.handlers import (
    add_offsets_to_txn,
    add_partitions_to_txn,
    alter_configs,
    alter_user_scram_credentials,
    api_versions,
    create_acls,
    create_partitions,
    create_topics,
    delete_acls,
    delete_groups,
    delete_records,
    delete_topics,
    describe_acls,
    describe_configs,
    describe_groups,
    describe_log_dirs,
    describe_producers,
    describe_transactions,
    end_txn,
    describe_user_scram_credentials,
    fetch,
    find_coordinator,
    heartbeat,
    incremental_alter_configs,
    init_producer_id,
    join_group,
    leave_group,
    list_groups,
    list_offsets,
    list_transactions,
    metadata,
    offset_commit,
    offset_delete,
    offset_fetch,
    produce,
    sasl_authenticate,
    sasl_handshake,
    sync_group,
    txn_offset_commit,
    write_txn_markers,
)


@dataclass(frozen=True, slots=True)
class Route:
    api_key: int
    request: type
    response: type
    handle: Callable  # returns the response, or a coroutine giving it when the answer waits
    min_version: int
    max_version: int
    implemented_min: int
    error_response: Callable  # (request, ctx, code) -> response or None
    decode: Callable  # (frame, head) -> request: the body, the header being parsed already

    def serves(self, version: int) -> bool:
        return self.implemented_min <= version <= self.max_version


def _route(module: ModuleType) -> Route:
    low, high = module.ADVERTISED
    return Route(
        api_key=module.Request.API_KEY,
        request=module.Request,
        response=module.Response,
        handle=module.handle,
        min_version=low,
        max_version=high,
        implemented_min=getattr(module, "IMPLEMENTED_MIN", low),
        error_response=getattr(module, "error_response", None) or partial(top_level_error, module.Response),
        decode=getattr(module, "decode_body", None) or partial(_decode_body, module.Request),
    )


def _decode_body(request_class, data, head):
    return frame.decode_request(request_class, head.api_version, data, head)


def top_level_error(response_class, request, ctx, code):
    """The response with ``code`` as its top-level error_code and every other field at its default, or None
    when this version of the response has no top-level error_code."""
    field = response_class.fields.get("error_code")
    if field is None or not field.for_version_q(ctx.api_version):
        return None
    return response_class(version=ctx.api_version, error_code=code)


ROUTES: dict[int, Route] = {
    r.api_key: r
    for r in map(
        _route,
        (
            produce,
            fetch,
            list_offsets,
            metadata,
            api_versions,
            create_topics,
            delete_topics,
            init_producer_id,
            describe_configs,
            alter_configs,
            create_partitions,
            incremental_alter_configs,
            find_coordinator,
            join_group,
            sync_group,
            heartbeat,
            leave_group,
            offset_commit,
            offset_fetch,
            describe_groups,
            list_groups,
            delete_groups,
            offset_delete,
            describe_log_dirs,
            delete_records,
            add_partitions_to_txn,
            add_offsets_to_txn,
            end_txn,
            txn_offset_commit,
            write_txn_markers,
            describe_producers,
            describe_transactions,
            list_transactions,
            sasl_handshake,
            sasl_authenticate,
            describe_user_scram_credentials,
            alter_user_scram_credentials,
            describe_acls,
            create_acls,
            delete_acls,
        ),
    )
}
