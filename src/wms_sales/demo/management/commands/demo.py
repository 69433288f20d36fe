from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError

from wms_sales.customers.models import Customer
from wms_sales.demo.history import generate_history
from wms_sales.demo.master import CUSTOMERS, DEMO_PASSWORD, PRODUCTS, WAREHOUSES, load_master_data


class Command(BaseCommand):
    help = ("Load demo data: users per role, warehouses, products, customers, opening stock; "
            "with --orders N also N orders of sales history over the past months.")

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing when the database already has customers")
        parser.add_argument("--orders", type=int, default=0,
                            help="generate this many historical orders (bulk inserts)")
        parser.add_argument("--months", type=int, default=18,
                            help="how far back the generated history reaches")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **opts):
        if opts["if_empty"] and Customer.objects.exists():
            self.stdout.write("Demo data skipped: the database already has customers.")
            return
        if opts["orders"] < 0 or not 1 <= opts["months"] <= 120:
            raise CommandError("--orders must be >= 0 and --months between 1 and 120.")
        rng = random.Random(opts["seed"])
        progress = not opts["no_progress"]
        if not Customer.objects.exists():
            load_master_data(rng, progress)
            self.stdout.write(self.style.SUCCESS(
                f"Demo data loaded: {len(CUSTOMERS)} customers, {len(PRODUCTS)} products, "
                f"{len(WAREHOUSES)} warehouses. Log in as admin / {DEMO_PASSWORD} "
                f"(or sales, reviewer, warehouse, finance with the same password)."))
        if opts["orders"]:
            started = time.monotonic()
            counts = generate_history(orders=opts["orders"], months=opts["months"],
                                      seed=opts["seed"], progress=progress)
            self.stdout.write(self.style.SUCCESS(
                "History generated in {:.0f}s: {}.".format(
                    time.monotonic() - started,
                    ", ".join(f"{n:,} {name}" for name, n in counts.items()))))
