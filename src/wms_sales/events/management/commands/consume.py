from __future__ import annotations

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from wms_sales.events.consumer import Consumer


class Command(BaseCommand):
    help = ("Apply messages from RabbitMQ (WMS_AMQP_URL) with the registered handlers — the "
            "warehouse's stock events on WMS_AMQP_INBOUND_EXCHANGE — idempotently, acking "
            "after commit; what cannot apply goes to <queue>.dead-letter with the reason.")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--queue", default="", help="queue name (default WMS_AMQP_QUEUE)")
        parser.add_argument("--max-attempts", type=int, default=0,
                            help="failed attempts before dead-lettering "
                                 "(default WMS_CONSUMER_MAX_ATTEMPTS)")
        parser.add_argument("--prefetch", type=int, default=50)
        parser.add_argument("--once", action="store_true",
                            help="stop when the queue has stayed empty for half a second")

    def handle(self, *args, queue, max_attempts, prefetch, once, **opts):
        if not settings.AMQP_URL:
            raise CommandError("WMS_AMQP_URL is not set: there is no broker to consume from.")
        logging.getLogger("wms_sales.events").setLevel(logging.INFO)
        consumer = Consumer(queue=queue or None, max_attempts=max_attempts or None,
                            prefetch=prefetch)
        consumer.install_signal_handlers()
        self.stdout.write(f"consuming {consumer.queue} (dead letters: "
                          f"{consumer.dead_letter_queue}) from "
                          f"{', '.join(sorted(consumer.exchanges()))}")
        counts = consumer.run(until_idle=once)
        self.stdout.write(f"consumer stopped: {counts.applied} applied, {counts.duplicates} "
                          f"duplicate(s), {counts.retried} retried, "
                          f"{counts.dead_lettered} dead-lettered")
