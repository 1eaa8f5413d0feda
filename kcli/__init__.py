"""kcli — Apache Kafka's classic quickstart as one pip install."""

import time

__version__ = "0.1.0"
IMPORTED = time.perf_counter()  # the earliest moment kcli's code runs; kcli.cli.launch's fallback for process start
