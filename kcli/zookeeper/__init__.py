"""The embedded ZooKeeper-protocol server: a pure core (tree, sessions, watches, ops) and an asyncio adapter."""
