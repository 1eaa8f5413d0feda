"""``kcli dump-log``: kafka-dump-log — print a log segment or index as Kafka's DumpLogSegments does, offline."""

from __future__ import annotations

from typing import Optional

import typer

from kcli.cli import render


def dump_log(
    files: Optional[str] = typer.Option(None, "--files", help="REQUIRED: comma-separated .log, .index or .timeindex files to dump."),
    print_data_log: bool = typer.Option(False, "--print-data-log", help="Print the records' keys and values (implies --deep-iteration)."),
    deep_iteration: bool = typer.Option(False, "--deep-iteration", help="Print every record, not only the batches."),
    offsets_decoder: bool = typer.Option(False, "--offsets-decoder", help="Decode __consumer_offsets records (implies --print-data-log)."),
    index_sanity_check: bool = typer.Option(False, "--index-sanity-check", help="Only check that the index passes the sanity check a broker makes at start-up."),
    verify_index_only: bool = typer.Option(False, "--verify-index-only", help="Check the index against the log without printing its entries."),
    skip_record_metadata: bool = typer.Option(False, "--skip-record-metadata", help="Leave the record metadata out when printing records."),
    max_message_size: int = typer.Option(5242880, "--max-message-size", help="The largest batch to read at an index entry."),
    max_bytes: int = typer.Option(2147483647, "--max-bytes", help="Read at most this many bytes of each .log file."),
) -> None:
    """Parse a log file and dump its contents to the console, useful for debugging a seemingly corrupt log segment (kafka-dump-log).

    Example: kcli dump-log --print-data-log --files /tmp/kafka-logs/coffee-0/00000000000000000000.log
    """
    from kcli.tools import dump_log as tool
    from kcli.tools.errors import ToolError

    if not files:
        render.fail('Missing required argument "[files]"')
    options = tool.DumpOptions(
        print_data_log=print_data_log, deep_iteration=deep_iteration, offsets_decoder=offsets_decoder,
        index_sanity_check=index_sanity_check, verify_index_only=verify_index_only,
        skip_record_metadata=skip_record_metadata, max_message_size=max_message_size, max_bytes=max_bytes,
    )
    try:
        render.dump_lines(tool.dump([f for f in files.split(",") if f], options))
    except ToolError as exc:
        render.fail(exc.message)
