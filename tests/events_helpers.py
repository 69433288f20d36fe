"""Helpers for the event tests: a lifecycle that emits every sales event type, and a real
RabbitMQ reached through names unique to this test run."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import uuid
from decimal import Decimal

from wms_sales.customers.services import create_customer
from wms_sales.finance.models import Invoice
from wms_sales.finance.services import (
    allocate_payment,
    apply_credit_note,
    record_payment,
    refund_credit_note,
)
from wms_sales.inventory.services import record_stock_change
from wms_sales.orders.services import (
    approve_order,
    cancel_order,
    close_order,
    create_order,
    reject_order,
    update_order,
)
from wms_sales.outbound.services import cancel_outbound, create_outbound, post_outbound
from wms_sales.returns.services import (
    approve_return,
    create_return,
    receive_return,
    reject_return,
)

AMQP_URL = os.environ.get("WMS_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
REDIS_URL = os.environ.get("WMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released): an 'outage'."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ship(order, warehouse, lines=None):
    outbound = create_outbound(actor=None, order_id=order.pk, warehouse_id=warehouse.pk,
                               lines=lines)
    return post_outbound(actor=None, outbound_id=outbound.pk)


def every_event_lifecycle(product, warehouse) -> None:
    """Drive documents through every transition that records an event (all 23 types)."""
    record_stock_change(actor=None, product_id=product.pk, warehouse_id=warehouse.pk,
                        quantity=100)
    customer = create_customer(actor=None, name="事件客户")
    line = [{"product_id": product.pk, "quantity": 4}]
    order = create_order(actor=None, customer_id=customer.pk, lines=line)
    update_order(actor=None, order_id=order.pk, note="改一下")
    approve_order(actor=None, order_id=order.pk)
    order_line = order.lines.get()
    ship(order, warehouse, [{"order_line_id": order_line.pk, "quantity": 1}])  # shipping
    dropped = create_outbound(actor=None, order_id=order.pk, warehouse_id=warehouse.pk)
    cancel_outbound(actor=None, outbound_id=dropped.pk, reason="车辆故障")
    ship(order, warehouse)  # completed
    wanted = [{"order_line_id": order_line.pk, "quantity": "1", "reason": "quality",
               "expected_condition": "good"}]
    refused = create_return(actor=None, order_id=order.pk, lines=wanted)
    reject_return(actor=None, return_id=refused.pk, reason="超期")
    accepted = create_return(actor=None, order_id=order.pk, lines=wanted)
    approve_return(actor=None, return_id=accepted.pk)
    received = receive_return(actor=None, return_id=accepted.pk)  # order.returned too
    invoice = Invoice.objects.filter(customer=customer).order_by("id").first()
    payment = record_payment(actor=None, customer_id=customer.pk, amount="20.00",
                             method="bank_transfer")
    allocate_payment(actor=None, payment_id=payment.pk,
                     allocations=[{"invoice_id": invoice.pk, "amount": "5.00"}])
    apply_credit_note(actor=None, credit_note_id=received.credit_note_id,
                      invoice_id=invoice.pk, amount=Decimal("1.00"))
    refund_credit_note(actor=None, credit_note_id=received.credit_note_id, amount="1.00")
    for ending in (reject_order, cancel_order):
        other = create_order(actor=None, customer_id=customer.pk, lines=line)
        ending(actor=None, order_id=other.pk, reason="测试")
    short = create_order(actor=None, customer_id=customer.pk, lines=line)
    approve_order(actor=None, order_id=short.pk)
    close_order(actor=None, order_id=short.pk, reason="余量不发")


class Rabbit:
    """A connection to the test broker with exchange and queue names unique to this run."""

    def __init__(self) -> None:
        from wms_sales.events.amqp import connect

        self.run_id = uuid.uuid4().hex[:10]
        self.connection = connect(AMQP_URL)
        self.channel = self.connection.channel()
        self.exchanges: list[str] = []
        self.queues: list[str] = []

    def name(self, base: str) -> str:
        return f"test.{self.run_id}.{base}"

    def exchange(self, base: str) -> str:
        name = self.name(base)
        self.channel.exchange_declare(exchange=name, exchange_type="topic", durable=True)
        self.exchanges.append(name)
        return name

    def queue(self, base: str, exchange: str | None = None, pattern: str = "#") -> str:
        name = self.name(base)
        self.channel.queue_declare(queue=name, durable=True)
        self.queues.append(name)
        if exchange:
            self.channel.queue_bind(queue=name, exchange=exchange, routing_key=pattern)
        return name

    def drain(self, queue: str) -> list[tuple[object, dict]]:
        """Every message now in ``queue`` as (properties, decoded body or raw bytes), acked."""
        got = []
        while True:
            method, properties, body = self.channel.basic_get(queue=queue, auto_ack=True)
            if method is None:
                return got
            try:
                got.append((properties, json.loads(body)))
            except ValueError:  # dead letters may be anything
                got.append((properties, body))

    def publish(self, exchange: str, routing_key: str, body: bytes | dict, *,
                message_id: str | None = None) -> None:
        import pika

        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.channel.basic_publish(exchange=exchange, routing_key=routing_key, body=data,
                                   properties=pika.BasicProperties(
                                       message_id=message_id, delivery_mode=2,
                                       content_type="application/json"))

    def close(self) -> None:
        for queue in self.queues:
            self.channel.queue_delete(queue=queue)
        for exchange in self.exchanges:
            self.channel.exchange_delete(exchange=exchange)
        self.connection.close()


class BrokerProxy:
    """A TCP relay in front of RabbitMQ: ``cut()`` drops every open connection and refuses
    new ones, as a stopped broker does; ``restore()`` listens again on the same port."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 5672)) -> None:
        self.target, self.lock, self.sockets = target, threading.Lock(), []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._serve()

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def _serve(self) -> None:
        listener = self.listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass  # the other direction or cut() closed it
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def cut(self) -> None:
        # shutdown() first: close() alone leaves a thread blocked in accept() listening.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for end in sockets:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def restore(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self._serve()


def subprocess_database_url() -> str:
    """The URL of the database this test runs on, for a child process."""
    from django.db import connection

    config = connection.settings_dict
    scheme = {"postgresql": "postgres", "mysql": "mysql"}[connection.vendor]
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    return (f"{scheme}://{config['USER']}{password}@{config['HOST'] or '127.0.0.1'}:"
            f"{config['PORT'] or ''}/{config['NAME']}")


class EffectRecorder:
    """A consumer handler for every sales event whose effect is observable: the ids it
    applied, recorded when its transaction commits (so a rolled-back attempt is not seen)."""

    def __init__(self) -> None:
        from wms_sales.events.contract import SALES_PAYLOADS

        self.applied: list[str] = []
        self.types = tuple(SALES_PAYLOADS)

    def __call__(self, envelope: dict) -> None:
        from django.db import transaction

        transaction.on_commit(lambda: self.applied.append(envelope["id"]))

    def __enter__(self) -> EffectRecorder:
        from wms_sales.events import consumers

        self.__module__, self.__qualname__ = __name__, "EffectRecorder"
        consumers.handles("AMQP_EXCHANGE", *self.types)(self)
        return self

    def __exit__(self, *exc: object) -> None:
        from wms_sales.events import consumers

        consumers.unregister(self)
