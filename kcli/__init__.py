"""kcli — Apache Kafka's classic quickstart as one pip install."""

__version__ = "0.1.0"
