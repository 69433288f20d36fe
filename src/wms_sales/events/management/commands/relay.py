from __future__ import annotations

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from wms_sales.events.relay import Relay
from wms_sales.events.services import outbox_backlog, prune_delivered


class Command(BaseCommand):
    help = ("Publish the outbox to RabbitMQ (WMS_AMQP_URL, exchange WMS_AMQP_EXCHANGE) until "
            "stopped; several relays may run at once. Delivered rows older than "
            "WMS_OUTBOX_RETENTION_HOURS are pruned as it goes.")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument("--poll-interval", type=float, default=0.1,
                            help="seconds to wait when the outbox is empty (default 0.1)")
        parser.add_argument("--once", action="store_true",
                            help="stop when no undelivered row is left")
        parser.add_argument("--prune-only", action="store_true",
                            help="only delete delivered rows older than the retention")

    def handle(self, *args, batch_size, poll_interval, once, prune_only, **opts):
        if prune_only:
            self.stdout.write(f"pruned {prune_delivered()} delivered outbox row(s)")
            return
        if not settings.AMQP_URL:
            raise CommandError("WMS_AMQP_URL is not set: without a broker, events are "
                               "delivered in process and there is nothing to relay.")
        logging.getLogger("wms_sales.events").setLevel(logging.INFO)
        relay = Relay(batch_size=batch_size, poll_interval=poll_interval)
        relay.install_signal_handlers()
        pending, _ = outbox_backlog()
        self.stdout.write(f"relaying to exchange {relay.exchange} ({pending} event(s) waiting)")
        delivered = relay.run(until_idle=once)
        self.stdout.write(f"relay stopped after delivering {delivered} event(s)")
