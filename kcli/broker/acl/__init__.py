"""ACLs: the bindings (durable), and the authorizer every handler asks, as Kafka's StandardAuthorizer."""
