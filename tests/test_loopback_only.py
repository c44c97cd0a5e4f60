import socket

import pytest

from tests.loopback_only import OffLoopbackConnection


@pytest.mark.parametrize("address", [("10.0.0.7", 80), ("169.254.169.254", 80), ("8.8.8.8", 53)])
def test_no_test_can_connect_off_loopback(address: tuple[str, int]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(OffLoopbackConnection):
        sock.connect(address)


def test_an_ipv4_mapped_address_is_judged_by_its_ipv4_form() -> None:
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock, pytest.raises(OffLoopbackConnection):
        sock.connect(("::ffff:169.254.169.254", 80))


def test_loopback_is_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
