"""ZooKeeper's client protocol: jute records, opcodes, error codes, framing. Pure: no sockets, no clock."""
