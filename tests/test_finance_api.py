"""Receivables through the API: invoices raised by shipments, payments and their allocation,
the customer balance and aging, and how they feed the credit check (DESIGN.md §2, Credit)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from documents_helpers import D, aware, money, ship
from orders_helpers import create, error, order_body
from wms_sales.customers.services import create_customer
from wms_sales.finance.models import Invoice, Payment, PaymentAllocation
from wms_sales.orders.services import approve_order, create_order

pytest_plugins = ["orders_fixtures", "documents_fixtures"]


@pytest.fixture
def invoices(order, lines, warehouse, second_warehouse) -> dict[str, Invoice]:
    """A: 4 × SKU-001 @ 12.50 −10 % +13 % = 45.00 + 5.85 = 50.85;
    B: 5.5 m cable @ 0.50 +13 % and 4 × SKU-001 @ 12.50 = 52.75 + 0.36 = 53.11."""
    return {"A": ship(order["id"], warehouse.pk, [(lines[0], 4)]).invoice,
            "B": ship(order["id"], second_warehouse.pk).invoice}


def pay(api, customer, amount, allocations=(), **extra):
    return api.post("payments", {"customer_id": customer.pk, "amount": amount,
                                 "allocations": list(allocations), **extra})


def allocations(invoices, **amounts) -> list[dict]:
    return [{"invoice_id": invoices[name].pk, "amount": amount}
            for name, amount in amounts.items()]


def balance(api, customer, **params) -> dict:
    response = api.get(f"customers/{customer.pk}/balance", **params)
    assert response.status_code == 200, response.content
    return response.json_body


# Each step: a payment (amount, allocations) or ("allocate", allocations) to the last payment;
# then each invoice's (status, paid) and the balance's (paid, unallocated, open_invoices).
STEPS = [
    (("20.00", {"A": "20.00"}), {"A": ("partially_paid", "20.00"), "B": ("open", "0")},
     ("20.00", "0", "83.96")),
    (("40.00", {}), {"A": ("partially_paid", "20.00"), "B": ("open", "0")},
     ("60.00", "40.00", "83.96")),
    (("allocate", {"A": "30.85", "B": "9.15"}), {"A": ("paid", "50.85"),
                                                 "B": ("partially_paid", "9.15")},
     ("60.00", "0", "43.96")),
    (("43.96", {"B": "43.96"}), {"A": ("paid", "50.85"), "B": ("paid", "53.11")},
     ("103.96", "0", "0")),
]


def test_partial_payments_settle_invoices_step_by_step(finance_api, customer, invoices):
    assert [(inv.total_amount, inv.status) for inv in invoices.values()] == [
        (D("50.85"), "open"), (D("53.11"), "open")]
    payment = None
    for (amount, allocated), statuses, (paid, unallocated, open_invoices) in STEPS:
        if amount == "allocate":
            response = finance_api.post(f"payments/{payment['id']}/allocate",
                                        {"allocations": allocations(invoices, **allocated)})
            assert response.status_code == 200, response.content
        else:
            response = pay(finance_api, customer, amount, allocations(invoices, **allocated))
            assert response.status_code == 201, response.content
            payment = response.json_body
        for name, (status, paid_amount) in statuses.items():
            got = finance_api.get(f"invoices/{invoices[name].pk}").json_body
            assert (got["status"], D(got["paid_amount"]), D(got["open_amount"])) == (
                status, D(paid_amount), D(got["total_amount"]) - D(paid_amount))
        assert money(balance(finance_api, customer), "invoiced", "credited", "paid", "balance",
                     "unallocated", "open_invoices") == (
            D("103.96"), 0, D(paid), D("103.96") - D(paid), D(unallocated), D(open_invoices))
    listed = finance_api.get("payments", customer_id=customer.pk).json_body["items"]
    assert [[(a["invoice_id"], D(a["amount"])) for a in p["allocations"]] for p in listed] == [
        [(invoices["B"].pk, D("43.96"))],
        [(invoices["A"].pk, D("30.85")), (invoices["B"].pk, D("9.15"))],
        [(invoices["A"].pk, D("20.00"))]]


@pytest.mark.parametrize("amount, allocated, fields", [
    ("100.00", [("A", "50.86")], {"allocations[0].amount"}),
    ("60.00", [("A", "30.00"), ("A", "30.00")], {"allocations[0].amount",
                                                  "allocations[1].amount"}),
    ("10.00", [("A", "6.00"), ("B", "5.00")], {"allocations"}),
    ("10.00", [("A", "-1.00")], {"allocations[0].amount"}),
    ("10.00", [("A", "0")], {"allocations[0].amount"}),
    ("10.00", [("A", "1.005")], {"allocations[0].amount"}),
    ("10.00", [("other", "1.00")], {"allocations[0].invoice_id"}),
    ("10.00", [(None, "1.00")], {"allocations[0].invoice_id"}),
    ("-10.00", [("A", "1.00")], {"allocations"}),
    ("0", [], {"amount"}),
    ("1.001", [], {"amount"}),
], ids=["above-invoice-open", "together-above-invoice-open", "above-payment", "negative",
        "zero", "sub-cent", "other-customer", "unknown-invoice", "refund-allocated",
        "zero-payment", "sub-cent-payment"])
def test_invalid_payments_are_422_and_write_nothing(finance_api, customer, invoices, product,
                                                    warehouse, amount, allocated, fields):
    other = create_customer(actor=None, name="别家 Other")
    other_order = create_order(actor=None, customer_id=other.pk,
                               lines=[{"product_id": product.pk, "quantity": 1}])
    approve_order(actor=None, order_id=other_order.pk)
    ship(other_order.pk, warehouse.pk)
    ids = {**{name: inv.pk for name, inv in invoices.items()}, None: 999999,
           "other": Invoice.objects.get(customer=other).pk}
    before = (Payment.objects.count(), list(Invoice.objects.values_list("paid_amount", "status")))
    response = pay(finance_api, customer, amount,
                   [{"invoice_id": ids[name], "amount": value} for name, value in allocated])
    assert set(error(response, 422, "validation_error")["fields"]) == fields
    assert (Payment.objects.count(),
            list(Invoice.objects.values_list("paid_amount", "status"))) == before


def test_allocating_more_than_is_unallocated_is_422(finance_api, customer, invoices):
    payment = pay(finance_api, customer, "30.00", allocations(invoices, A="25.00")).json_body
    path = f"payments/{payment['id']}/allocate"
    response = finance_api.post(path, {"allocations": allocations(invoices, B="5.01")})
    assert set(error(response, 422, "validation_error")["fields"]) == {"allocations"}
    assert finance_api.post(path, {"allocations": allocations(invoices, B="5.00")}) \
        .status_code == 200
    assert PaymentAllocation.objects.count() == 2
    assert money(balance(finance_api, customer), "unallocated") == (0,)


# --- aging ---------------------------------------------------------------------------------

AS_OF = date(2025, 6, 30)
BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")


@pytest.mark.parametrize("overdue, bucket", [
    (-10, "current"), (0, "current"), (1, "1_30"), (30, "1_30"), (31, "31_60"), (60, "31_60"),
    (61, "61_90"), (90, "61_90"), (91, "over_90"), (400, "over_90"),
])
def test_aging_buckets_by_days_past_due(finance_api, customer, order, lines, warehouse,
                                        overdue, bucket):
    issued = AS_OF - timedelta(days=30 + overdue)  # payment terms: 30 days
    invoice = ship(order["id"], warehouse.pk, [(lines[0], 4)], shipped_at=aware(issued)).invoice
    assert (invoice.issue_date, invoice.due_date) == (issued, issued + timedelta(days=30))
    aging = balance(finance_api, customer, as_of=str(AS_OF))["aging"]
    assert {name: D(value) for name, value in aging.items()} == {
        **dict.fromkeys(BUCKETS, D(0)), bucket: D("50.85"), "total": D("50.85")}


def test_aging_counts_what_is_still_open(finance_api, customer, order, lines, warehouse,
                                         second_warehouse):
    def invoice(line, quantity, shipped_on):
        wh = second_warehouse if line == 2 else warehouse
        return ship(order["id"], wh.pk, [(lines[line], quantity)],
                    shipped_at=aware(shipped_on)).invoice

    invoice(2, 1, date(2025, 6, 20))  # 12.50, not yet due
    partly = invoice(2, 1, date(2025, 5, 20))  # 12.50, 11 days past due, 5.00 paid
    invoice(2, 2, date(2025, 3, 1))  # 25.00, 91 days past due
    paid = invoice(0, 1, date(2025, 4, 15))  # 12.71, 46 days past due, paid
    pay(finance_api, customer, "17.71", [{"invoice_id": partly.pk, "amount": "5.00"},
                                         {"invoice_id": paid.pk, "amount": "12.71"}])
    aging = balance(finance_api, customer, as_of=str(AS_OF))["aging"]
    assert {name: D(value) for name, value in aging.items()} == {
        "current": D("12.50"), "1_30": D("7.50"), "31_60": 0, "61_90": 0, "over_90": D("25.00"),
        "total": D("45.00")}
    later = balance(finance_api, customer, as_of=str(AS_OF + timedelta(days=30)))["aging"]
    assert money(later, *BUCKETS) == (0, D("12.50"), D("7.50"), 0, D("25.00"))


# --- the credit check ----------------------------------------------------------------------

@pytest.mark.parametrize("amount, allocate, passes", [
    (None, False, False), ("12.49", True, False), ("12.50", True, True),
    ("12.50", False, True), ("75.00", True, True),
])
def test_payments_change_the_credit_checks_outcome(sales_api, reviewer_api, finance_api,
                                                   customer, product, warehouse, stocked,
                                                   amount, allocate, passes):
    customer.credit_limit = D("100.00")
    customer.save()
    first = create(sales_api, order_body(customer, product, quantity="6"))  # 75.00
    assert reviewer_api.post(f"orders/{first['id']}/approve").status_code == 200
    invoice = ship(first["id"], warehouse.pk).invoice
    second = create(sales_api, order_body(customer, product, quantity="3"))  # 37.50
    details = error(reviewer_api.post(f"orders/{second['id']}/approve"), 409,
                    "credit_limit_exceeded")
    assert money(details, "receivables", "open_orders", "excess") == (
        D("75.00"), 0, D("12.50"))
    if amount:
        response = pay(finance_api, customer, amount,
                       [{"invoice_id": invoice.pk, "amount": amount}] if allocate else [])
        assert response.status_code == 201, response.content
    response = reviewer_api.post(f"orders/{second['id']}/approve")
    if passes:
        assert response.json_body["status"] == "approved", response.content
    else:
        assert error(response, 409, "credit_limit_exceeded")["receivables"] == str(
            D("75.00") - D(amount or 0))


# --- idempotency, roles, lists -------------------------------------------------------------

@pytest.mark.parametrize("action", ["payment", "allocate"])
def test_idempotency_key_replays_payments(finance_api, customer, invoices, action):
    if action == "payment":
        path = "payments"
        body, other = ({"customer_id": customer.pk, "amount": amount,
                        "allocations": allocations(invoices, A=amount)}
                       for amount in ("10.00", "11.00"))
    else:
        payment = pay(finance_api, customer, "30.00").json_body
        path = f"payments/{payment['id']}/allocate"
        body, other = ({"allocations": allocations(invoices, A=amount)}
                       for amount in ("10.00", "11.00"))
    key = {"Idempotency-Key": f"pay-{action}"}

    def effects():
        return (Payment.objects.count(), PaymentAllocation.objects.count(),
                list(Invoice.objects.values_list("paid_amount", "status")))

    first = finance_api.post(path, body, headers=key)
    assert first.status_code in (200, 201), first.content
    after_first = effects()
    again = finance_api.post(path, body, headers=key)
    assert (again.status_code, again.json_body) == (first.status_code, first.json_body)
    error(finance_api.post(path, other, headers=key), 409, "idempotency_key_reused")
    assert effects() == after_first
    assert after_first[2][-1] == (D("10.00"), "partially_paid")  # A is the older invoice


@pytest.mark.parametrize("api_name", ["sales_api", "reviewer_api", "warehouse_api"])
def test_only_finance_records_payments(request, customer, invoices, api_name):
    api = request.getfixturevalue(api_name)
    error(pay(api, customer, "10.00"), 403, "permission_denied")
    assert not Payment.objects.exists()


@pytest.mark.parametrize("params, expected", [
    ({}, ["B", "A"]), ({"status": "open"}, ["B"]), ({"status": "paid"}, ["A"]),
    ({"number": "A"}, ["A"]),
])
def test_invoice_list_filters(finance_api, sales_api, customer, invoices, params, expected):
    pay(finance_api, customer, "50.85", allocations(invoices, A="50.85"))
    if "number" in params:
        params = {"number": invoices["A"].number}
    response = sales_api.get("invoices", customer_id=customer.pk, **params)
    names = {inv.pk: name for name, inv in invoices.items()}
    assert [names[i["id"]] for i in response.json_body["items"]] == expected
def test_a_refund_is_a_negative_payment_on_account(finance_api, db):
    from wms_sales.customers.services import create_customer
    c = create_customer(actor=None, name="退款客户")
    r = finance_api.post("payments", {"customer_id": c.pk, "amount": "-5.00", "method": "cash"})
    assert r.status_code == 201, r.json_body
    assert finance_api.get(f"customers/{c.pk}/balance").json_body["balance"] == "5.00"
    r = finance_api.post("payments", {"customer_id": c.pk, "amount": "-5.00",
                                      "allocations": [{"invoice_id": 1, "amount": "1"}]})
    assert r.status_code == 422
