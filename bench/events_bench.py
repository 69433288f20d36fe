"""Event figures against the real RabbitMQ and a scratch database:

1. relay throughput: N outbox rows (order-sized payloads) published with publisher confirms
   by one relay, then by two in parallel (events/s);
2. lag from commit to broker while the HTTP lifecycle benchmark (bench/lifecycle.py --relay,
   8 clients, its own database) runs with a relay beside it: published_at − created_at
   per event, p50/p99;
3. consumer throughput for inbound stock events with a share of duplicates injected
   (messages/s), and the check that duplicates changed nothing.

    export WMS_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_events WMS_SECRET_KEY=x
    export WMS_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/%2F
    .venv/bin/python bench/events_bench.py [--events 20000] [--lag-seconds 20] [--messages 10000]

Exchanges and queues get names unique to the run and are deleted afterwards. Point it at a
scratch database: it migrates it, loads the demo data and deletes its outbox.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def setup(run_id: str) -> None:
    os.environ["WMS_AMQP_EXCHANGE"] = f"bench.{run_id}.wms.sales"
    os.environ["WMS_AMQP_INBOUND_EXCHANGE"] = f"bench.{run_id}.wms.inventory"
    os.environ["WMS_AMQP_QUEUE"] = f"bench.{run_id}.inbound"
    os.environ.setdefault("WMS_ALLOWED_HOSTS", "127.0.0.1,localhost")
    subprocess.run([sys.executable, "-m", "wms_sales.cli", "migrate", "-v", "0"], check=True)
    subprocess.run([sys.executable, "-m", "wms_sales.cli", "demo", "--if-empty",
                    "--no-progress"], check=True, capture_output=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms_sales.settings")
    import django

    django.setup()


def relay_throughput(events: int) -> None:
    from django.db import connection

    from wms_sales.events.models import OutboxEvent
    from wms_sales.events.relay import Relay

    payload = {"order_id": 1, "number": "SO20261203-0001", "status": "approved",
               "customer": {"id": 1, "code": "C0001"}, "net_amount": "375.00",
               "tax_amount": "48.75", "total_amount": "423.75", "reason": "",
               "from_status": "pending",
               "lines": [{"line_id": n, "line_no": n, "sku": f"SKU-{n:03}", "warehouse": "WH-SH",
                          "quantity": "5.0000", "unit_price": "25.00", "total_amount": "141.25"}
                         for n in range(1, 4)]}
    for relays in (1, 2):
        OutboxEvent.objects.all().delete()
        OutboxEvent.objects.bulk_create(
            [OutboxEvent(event_type="order.approved", aggregate_type="sales_order",
                         aggregate_id=n % 5000 + 1, payload=payload) for n in range(events)],
            batch_size=2000)
        counts: list[int] = []

        def run(counts: list[int] = counts) -> None:
            try:
                counts.append(Relay(poll_interval=0).run(until_idle=True))
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(relays)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        Relay(poll_interval=0).run(until_idle=True)
        elapsed = time.perf_counter() - started
        left = OutboxEvent.objects.filter(published_at__isnull=True).count()
        print(f"relay throughput, {relays} relay(s): {sum(counts) / elapsed:.0f} events/s "
              f"({sum(counts)} in {elapsed:.1f} s, confirms on; {left} left)")
    OutboxEvent.objects.all().delete()


def lag_under_load(seconds: float) -> None:
    load = subprocess.run([sys.executable, str(ROOT / "bench" / "lifecycle.py"), "--only",
                           "http", "--clients", "8", "--seconds", str(seconds), "--relay",
                           "--database", "bench_events_lag"], capture_output=True, text=True)
    lines = load.stdout.strip().splitlines()
    print("lifecycle load:", " | ".join(line.strip() for line in lines
                                        if "HTTP" in line or line.startswith("relay")))
    if load.returncode:
        print(load.stderr[-2000:])


def consumer_throughput(messages: int, duplicate_share: float = 0.2) -> None:
    import pika
    from django.conf import settings

    from wms_sales.catalog.models import Product
    from wms_sales.events.amqp import Publisher
    from wms_sales.events.consumer import Consumer
    from wms_sales.inventory.models import StockLevel, Warehouse

    warehouse = Warehouse.objects.get(is_default=True)
    products = list(Product.objects.filter(quantity_precision=0).order_by("id")[:50])
    before = {lv.product_id: lv.on_hand for lv in StockLevel.objects.filter(
        warehouse=warehouse, product__in=products)}
    consumer = Consumer(prefetch=200)
    consumer._open().connection.close()
    publisher = Publisher(settings.AMQP_INBOUND_EXCHANGE)
    unique = int(messages / (1 + duplicate_share))
    sent, expected = [], {p.pk: Decimal(0) for p in products}
    for n in range(unique):
        product = products[n % len(products)]
        body = {"id": str(uuid.uuid4()), "type": "inventory.received", "version": 1,
                "occurred_at": "2026-12-03T09:00:00+08:00",
                "payload": {"sku": product.sku, "warehouse": warehouse.code, "quantity": "2",
                            "reference": f"ASN-{n}"}}
        sent.append(body)
        expected[product.pk] += 2
    wire = sent + sent[: messages - unique]  # the duplicates
    for body in wire:
        publisher.publish(body["type"], json.dumps(body).encode(), message_id=body["id"],
                          message_type=body["type"])
    publisher.close()
    started = time.perf_counter()
    counts = consumer.run(until_idle=True, idle_timeout=1.0)
    elapsed = time.perf_counter() - started - 1.0  # the idle wait at the end
    after = {lv.product_id: lv.on_hand for lv in StockLevel.objects.filter(
        warehouse=warehouse, product__in=products)}
    wrong = [pk for pk in expected if after.get(pk, 0) - before.get(pk, 0) != expected[pk]]
    print(f"consumer throughput: {counts.handled / elapsed:.0f} messages/s ({counts.applied} "
          f"applied + {counts.duplicates} duplicates in {elapsed:.1f} s, "
          f"{counts.dead_lettered} dead-lettered); stock off on {len(wrong)} product(s)")
    connection = pika.BlockingConnection(pika.URLParameters(settings.AMQP_URL))
    channel = connection.channel()
    for queue in (consumer.queue, consumer.dead_letter_queue):
        channel.queue_delete(queue=queue)
    for exchange in (settings.AMQP_EXCHANGE, settings.AMQP_INBOUND_EXCHANGE):
        channel.exchange_delete(exchange=exchange)
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--lag-seconds", type=float, default=20,
                        help="how long the HTTP load runs while the lag is measured")
    parser.add_argument("--messages", type=int, default=10000)
    args = parser.parse_args()
    if not os.environ.get("WMS_AMQP_URL"):
        sys.exit("set WMS_AMQP_URL")
    setup(uuid.uuid4().hex[:8])
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} database "
          f"{os.environ.get('WMS_DATABASE_URL', 'sqlite').split('@')[-1]}")
    relay_throughput(args.events)
    lag_under_load(args.lag_seconds)
    consumer_throughput(args.messages)


if __name__ == "__main__":
    main()
