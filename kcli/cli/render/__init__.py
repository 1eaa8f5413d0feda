"""Everything the client tools print, in one place, a module per tool family. Data to stdout; messages and errors to stderr.

A command calls ``render.<name>``: every module's public functions are here. ``output`` holds the streams
(``out``, ``err``, ``warn``, ``fail``); ``tables`` the table layouts several tools share; ``stream`` is what
``kcli stream`` prints (imported as a module, its names overlap the servers').
"""

from __future__ import annotations

from kcli.cli.render.configs import configs_altered, entity_configs, user_scram_credentials
from kcli.cli.render.consumer_groups import (deleted_groups, deleted_offsets, group_list, group_members, group_offsets, group_states,
                                             offsets_to_reset, offsets_to_reset_csv)
from kcli.cli.render.logs import deleted_records, dump_lines, log_dirs, partition_offsets, storage_info
from kcli.cli.render.output import broker_unreachable, err, fail, ignored_configs, out, unresolved_server, warn
from kcli.cli.render.perf import (client_metrics, consumer_perf_header, consumer_perf_interval, consumer_perf_result,
                                  consumer_perf_timeout, e2e_creating_topic, e2e_results, e2e_sample, payload_file, perf_progress,
                                  producer_total, producer_window)
from kcli.cli.render.quickstart import quickstart_console, quickstart_done, quickstart_output, quickstart_step
from kcli.cli.render.security import adding_acls, confirm_removal, current_acls, dev_certs
from kcli.cli.render.servers import broker_started, broker_stopped, config_warnings, zookeeper_started, zookeeper_stopped
from kcli.cli.render.topics import created_topic, processed, records, topic_descriptions, topic_list
from kcli.cli.render.transactions import transactions_table
from kcli.cli.render.zookeeper_shell import (java_date, zk_connecting, zk_error, zk_event, zk_prompt, zk_result, zk_stat_lines, zk_usage,
                                             zk_welcome)

__all__ = [
    "adding_acls", "broker_started", "broker_stopped", "broker_unreachable", "client_metrics", "config_warnings", "configs_altered",
    "confirm_removal", "consumer_perf_header", "consumer_perf_interval", "consumer_perf_result", "consumer_perf_timeout",
    "created_topic", "current_acls", "deleted_groups", "deleted_offsets", "deleted_records", "dev_certs", "dump_lines",
    "e2e_creating_topic", "e2e_results", "e2e_sample", "entity_configs", "err", "fail", "group_list", "group_members",
    "group_offsets", "group_states", "ignored_configs", "java_date", "log_dirs", "offsets_to_reset", "offsets_to_reset_csv",
    "out", "partition_offsets", "payload_file", "perf_progress", "processed", "producer_total", "producer_window",
    "quickstart_console", "quickstart_done", "quickstart_output", "quickstart_step", "records", "storage_info",
    "topic_descriptions", "topic_list", "transactions_table", "unresolved_server", "user_scram_credentials", "warn",
    "zk_connecting", "zk_error", "zk_event", "zk_prompt", "zk_result", "zk_stat_lines", "zk_usage", "zk_welcome",
    "zookeeper_started", "zookeeper_stopped",
]
