"""kcli certs: a CA, a broker key store that Python's ssl loads, and the client's properties."""

import ssl

from kcli.tools import certs
from kcli.tools.client_config import read_properties


def test_the_broker_key_store_loads_and_the_ca_verifies_it(tmp_path):
    made = certs.make(tmp_path / "c", ["localhost", "127.0.0.1"])
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(made.broker_keystore)  # key and chain in one PEM file, as ssl.keystore.type=PEM
    client = ssl.create_default_context(cafile=str(made.ca))
    assert client.cert_store_stats()["x509_ca"] == 1
    assert read_properties(made.client_properties) == {"security.protocol": "SSL", "ssl.truststore.type": "PEM",
                                                       "ssl.truststore.location": made.ca.as_posix()}
    assert made.ca.is_absolute()
