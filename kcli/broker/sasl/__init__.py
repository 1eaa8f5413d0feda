"""SASL on the broker: the mechanisms (PLAIN, SCRAM-SHA-256/512), SCRAM credentials, and the authenticator
that runs the SaslHandshake/SaslAuthenticate exchange before a SASL connection reaches dispatch."""
