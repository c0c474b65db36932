"""The README quick start, step by step, through a client that openapi-python-client generated
from openapi/openapi.json (package `openfiskal_client`, on PYTHONPATH).

    python quickstart_client.py <base-url> <setup-token>

Every call goes through the generated typed functions and models; every answer is checked as the
typed model the document promises (an ErrorBody or an unexpected status fails the run). Exits 0
when every step answered as the README says.
"""

import re
import sys
import uuid

from openfiskal_client import AuthenticatedClient, Client
from openfiskal_client.api.auth import bootstrap
from openfiskal_client.api.closings import create_closing
from openfiskal_client.api.fiscal_units import create_fiscal_unit
from openfiskal_client.api.locations import create_location
from openfiskal_client.api.operations import (
    cancel_operation_sales,
    complete_operation_sales,
    list_operations,
    list_operations_of_type_sales,
    start_operation_cash_movements,
    start_operation_refunds,
    start_operation_sales,
    start_operation_voids,
    update_operation_sales,
)
from openfiskal_client.api.organizations import create_organization
from openfiskal_client.api.receipts import get_receipt
from openfiskal_client.api.registers import create_register
from openfiskal_client.models import (
    Address,
    ApiKeyBody,
    BootstrapRequest,
    CancelRequest,
    CashDetail,
    Cashier,
    CashMovementData,
    CashMovementDirection,
    CashMovementReason,
    CashMovementStartRequest,
    ClosingBody,
    ClosingType,
    CreateClosingRequest,
    CreateLocationRequest,
    CreateOrganizationRequest,
    CreateRegisterRequest,
    DiscountInput,
    DiscountSource,
    DiscountType,
    ErrorBody,
    FiscalState,
    FiscalUnitResponse,
    FiscalUnitState,
    Jurisdiction,
    LineItemInput,
    LocationBody,
    Operation,
    OperationList,
    OperationState,
    OperationType,
    OrganizationBody,
    PaymentDirection,
    PaymentInput,
    PaymentMethod,
    Receipt,
    RefundData,
    RefundStartRequest,
    RegisterBody,
    ReturnLineInput,
    SaleCompleteRequest,
    SaleData,
    SaleStartRequest,
    SaleUpdateRequest,
    TaxInput,
    TransmissionStatus,
    TseClosingFiscal,
    TseRegistration,
    VoidStartRequest,
)
from openfiskal_client.models.error_body_code import ErrorBodyCode


def ik() -> str:
    """A fresh Idempotency-Key."""
    return str(uuid.uuid4())


def answer(response, status: int, model):
    """The parsed body of `response`, which must have `status` and parse as `model`."""
    if response.status_code != status or not isinstance(response.parsed, model):
        raise AssertionError(
            f"expected {status} {model.__name__}, got {response.status_code} "
            f"{type(response.parsed).__name__}: {response.content[:2000]!r}"
        )
    return response.parsed


def check(value, expected, what: str) -> None:
    if value != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {value!r}")


def main(base_url: str, setup_token: str) -> None:
    public = Client(base_url=base_url)
    address = Address(line1="Unter den Linden 1", city="Berlin", postal_code="10117", country="DE")

    # 1. Trade the setup token for a platform key.
    key = answer(
        bootstrap.sync_detailed(client=public, body=BootstrapRequest(setup_token=setup_token, label="Quick start")),
        201,
        ApiKeyBody,
    )
    client = AuthenticatedClient(base_url=base_url, token=key.api_key)

    # 2. The merchant: an organization and a location.
    org = answer(
        create_organization.sync_detailed(
            client=client,
            idempotency_key=ik(),
            body=CreateOrganizationRequest(
                legal_name="Muster GmbH", country="DE", tax_id="DE123456789", address=address
            ),
        ),
        201,
        OrganizationBody,
    )
    loc = answer(
        create_location.sync_detailed(
            org.id,
            client=client,
            idempotency_key=ik(),
            body=CreateLocationRequest(name="Berlin Mitte", timezone="Europe/Berlin", address=address),
        ),
        201,
        LocationBody,
    )
    # A platform key names the organization on every organization-scoped call.
    h = {"client": client, "open_fiskal_organization": org.id}

    # 3. A German register and its fiscal unit (a software TSE, active at once).
    reg = answer(
        create_register.sync_detailed(
            loc.id, **h, idempotency_key=ik(), body=CreateRegisterRequest(label="Kasse 1", jurisdiction=Jurisdiction.DE)
        ),
        201,
        RegisterBody,
    )
    unit = answer(create_fiscal_unit.sync_detailed(reg.id, **h, idempotency_key=ik()), 201, FiscalUnitResponse)
    check(unit.fiscal_unit.state, FiscalUnitState.ACTIVE, "unit state")
    registration = unit.fiscal_unit.fiscal_registration
    assert isinstance(registration, TseRegistration), type(registration)
    check(registration.client_id, "Kasse 1", "TSE client id")
    cashier = Cashier(id="c1")

    # 4. Morning: 100.00 EUR float into the drawer.
    float_in = answer(
        start_operation_cash_movements.sync_detailed(
            reg.id,
            **h,
            idempotency_key=ik(),
            body=CashMovementStartRequest(
                cashier=cashier,
                complete=True,
                direction=CashMovementDirection.IN,
                amount=10000,
                reason=CashMovementReason.FLOAT,
            ),
        ),
        201,
        Operation,
    )
    check(
        [float_in.type_, float_in.state, float_in.fiscal_state, float_in.fiscal.end_event.process_data],
        [
            OperationType.CASH_MOVEMENT,
            OperationState.COMPLETED,
            FiscalState.SUCCEEDED,
            "Beleg^0.00_0.00_0.00_0.00_100.00^100.00:Bar",
        ],
        "cash movement",
    )
    assert isinstance(float_in.data, CashMovementData), type(float_in.data)
    check(float_in.data.amount, 10000, "cash movement amount")

    # 5. A sale in one call: 3.50 at 19 % and 15.00 at 7 %, paid 20.00 cash, 1.50 change.
    one_shot = SaleStartRequest(
        cashier=cashier,
        complete=True,
        line_items=[
            LineItemInput(description="Kaffee", quantity="1", unit_price_gross=350, tax=TaxInput(rate="0.19")),
            LineItemInput(description="Buch", quantity="1", unit_price_gross=1500, tax=TaxInput(rate="0.07")),
        ],
        payments=[
            PaymentInput(method=PaymentMethod.CASH, direction=PaymentDirection.INBOUND, amount=2000),
            PaymentInput(method=PaymentMethod.CASH, direction=PaymentDirection.OUTBOUND, amount=150),
        ],
    )
    k1 = ik()
    sale = answer(start_operation_sales.sync_detailed(reg.id, **h, idempotency_key=k1, body=one_shot), 201, Operation)
    check([sale.state, sale.fiscal_state], [OperationState.COMPLETED, FiscalState.SUCCEEDED], "one-shot sale")
    check(sale.fiscal.transmission_status, TransmissionStatus.TRANSMITTED, "transmission")
    assert re.fullmatch(r"\d{4}-\d{6}", sale.fiscal.document_number), sale.fiscal.document_number
    assert sale.fiscal.verification.qr_data.startswith("V0;Kasse 1;Kassenbeleg-V1;"), sale.fiscal.verification.qr_data
    assert isinstance(sale.data, SaleData), type(sale.data)
    check(sale.data.totals.total_gross, 1850, "one-shot total")
    book_line = sale.data.line_items[1].id
    # The same request with the same Idempotency-Key is answered from storage.
    replay = start_operation_sales.sync_detailed(reg.id, **h, idempotency_key=k1, body=one_shot)
    check(answer(replay, 201, Operation).id, sale.id, "replayed id")
    check(replay.headers.get("idempotent-replayed"), "true", "Idempotent-Replayed")

    # 6. A sale in three steps. Start: the TSE signs the start at once.
    t_shirt = LineItemInput(
        description="T-Shirt",
        quantity="2",
        unit_price_gross=1800,
        tax=TaxInput(rate="0.19"),
        line_discounts=[DiscountInput(type_=DiscountType.PERCENTAGE, rate="0.10", label="Happy Hour")],
    )
    op = answer(
        start_operation_sales.sync_detailed(
            reg.id,
            **h,
            idempotency_key=ik(),
            body=SaleStartRequest(
                cashier=Cashier(id="c1", display_name="Maria R."), external_id="order-42", line_items=[t_shirt]
            ),
        ),
        201,
        Operation,
    )
    check([op.state, op.fiscal_state], [OperationState.OPEN, FiscalState.SUCCEEDED], "started sale")
    assert isinstance(op.fiscal.start_event.transaction_counter, int)
    check(op.fiscal.end_event, None, "no finish log while open")
    check(op.data.totals.total_gross, 3240, "started total")
    # PATCH with If-Match: replace the lines, add a coupon (nothing is signed).
    patch = SaleUpdateRequest(
        line_items=[
            t_shirt,
            LineItemInput(description="Socken", quantity="3", unit_price_gross=450, tax=TaxInput(rate="0.19")),
        ],
        cart_discounts=[
            DiscountInput(
                type_=DiscountType.FIXED, amount=340, label="SAVE coupon", code="SAVE", source=DiscountSource.PROMOTION
            )
        ],
    )
    patched = answer(
        update_operation_sales.sync_detailed(
            op.id, **h, idempotency_key=ik(), if_match=f'"{op.resource_version}"', body=patch
        ),
        200,
        Operation,
    )
    check(patched.data.totals.net_payable, 4250, "patched net payable")
    # A stale version is refused with 412 precondition_failed.
    stale = answer(
        update_operation_sales.sync_detailed(
            op.id, **h, idempotency_key=ik(), if_match=f'"{op.resource_version}"', body=SaleUpdateRequest()
        ),
        412,
        ErrorBody,
    )
    check(stale.code, ErrorBodyCode.PRECONDITION_FAILED, "stale If-Match")
    done = answer(
        complete_operation_sales.sync_detailed(
            op.id,
            **h,
            idempotency_key=ik(),
            if_match=f'"{patched.resource_version}"',
            body=SaleCompleteRequest(
                payments=[
                    PaymentInput(
                        method=PaymentMethod.CASH,
                        direction=PaymentDirection.INBOUND,
                        amount=5000,
                        cash=CashDetail(amount_tendered=5000),
                    ),
                    PaymentInput(method=PaymentMethod.CASH, direction=PaymentDirection.OUTBOUND, amount=750),
                ]
            ),
        ),
        200,
        Operation,
    )
    check(
        [done.state, done.fiscal_state, done.data.totals.net_payable, done.fiscal.end_event.process_data],
        [OperationState.COMPLETED, FiscalState.SUCCEEDED, 4250, "Beleg^42.50_0.00_0.00_0.00_0.00^42.50:Bar"],
        "completed sale",
    )
    check(done.data.payments[0].cash.amount_tendered, 5000, "tendered")

    # 7. A refund of the book line of sale 5, paid out in cash.
    refund = answer(
        start_operation_refunds.sync_detailed(
            reg.id,
            **h,
            idempotency_key=ik(),
            body=RefundStartRequest(
                cashier=cashier,
                complete=True,
                original_operation_id=sale.id,
                reason="Falscher Titel",
                line_items=[ReturnLineInput(original_line_id=book_line, quantity="1")],
                payments=[PaymentInput(method=PaymentMethod.CASH, direction=PaymentDirection.OUTBOUND, amount=1500)],
            ),
        ),
        201,
        Operation,
    )
    assert isinstance(refund.data, RefundData), type(refund.data)
    check(
        [refund.type_, refund.state, refund.data.totals.net_payable, refund.fiscal.end_event.process_data],
        [OperationType.REFUND, OperationState.COMPLETED, -1500, "Beleg^0.00_-15.00_0.00_0.00_0.00^-15.00:Bar"],
        "refund",
    )
    check(refund.references.original_operation_id, sale.id, "refund's original")

    # 8. Void sale 6 before the daily closing.
    void = answer(
        start_operation_voids.sync_detailed(
            reg.id,
            **h,
            idempotency_key=ik(),
            body=VoidStartRequest(cashier=cashier, complete=True, original_operation_id=op.id, reason="Fehlbuchung"),
        ),
        201,
        Operation,
    )
    check(
        [void.type_, void.state, void.data.totals.net_payable, void.fiscal.end_event.process_data],
        [OperationType.VOID, OperationState.COMPLETED, -4250, "Beleg^-42.50_0.00_0.00_0.00_0.00^-42.50:Bar"],
        "void",
    )

    # 9. A sale the customer walks away from: start it, then cancel it.
    walk = answer(
        start_operation_sales.sync_detailed(reg.id, **h, idempotency_key=ik(), body=SaleStartRequest(cashier=cashier)),
        201,
        Operation,
    )
    cancelled = answer(
        cancel_operation_sales.sync_detailed(
            walk.id, **h, idempotency_key=ik(), body=CancelRequest(reason="Kunde gegangen")
        ),
        200,
        Operation,
    )
    check(
        [cancelled.state, cancelled.fiscal_state, cancelled.fiscal.end_event.process_data],
        [OperationState.CANCELLED, FiscalState.SUCCEEDED, "AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^"],
        "cancel",
    )
    check([cancelled.fiscal.document_number, cancelled.cancellation_reason], [None, "Kunde gegangen"], "cancelled")

    # 10. The register's completed operations, newest first, and a filter by external_id.
    page = answer(
        list_operations.sync_detailed(reg.id, **h, state=OperationState.COMPLETED, limit=10), 200, OperationList
    )
    check(
        [o.type_ for o in page.data],
        [OperationType.VOID, OperationType.REFUND, OperationType.SALE, OperationType.SALE, OperationType.CASH_MOVEMENT],
        "completed operations, newest first",
    )
    check(page.has_more, False, "one page")
    for o in page.data:
        amount = o.data.amount if isinstance(o.data, CashMovementData) else o.data.totals.net_payable
        print(f"{o.id}\t{o.type_.value}\t{o.fiscal.document_number}\t{amount}")
    by_ref = answer(list_operations_of_type_sales.sync_detailed(reg.id, **h, external_id="order-42"), 200, OperationList)
    check([o.id for o in by_ref.data], [op.id], "sales with external_id order-42")

    # 11. What the receipt of sale 5 prints.
    receipt = answer(get_receipt.sync_detailed(sale.id, **h), 200, Receipt)
    check(receipt.issuer.legal_name, "Muster GmbH", "issuer")
    check([line.description for line in receipt.line_items], ["Kaffee", "Buch"], "receipt lines")
    check(receipt.totals.total_gross, 1850, "receipt total")
    check(receipt.fiscal.document_number, sale.fiscal.document_number, "receipt document number")
    check(receipt.fiscal.tse_serial, sale.fiscal.tse_serial, "TSE serial")
    check(receipt.fiscal.verification.qr_data, sale.fiscal.verification.qr_data, "receipt QR code")
    check(receipt.notices, [], "notices")
    check(receipt.operation.type_, OperationType.SALE, "receipt's operation")

    # 12. End of the day: the daily closing, a signed Kassenabschluss with Z number 1.
    closing = answer(
        create_closing.sync_detailed(
            reg.id, **h, idempotency_key=ik(), body=CreateClosingRequest(type_=ClosingType.DAILY)
        ),
        201,
        ClosingBody,
    )
    assert isinstance(closing.fiscal, TseClosingFiscal), type(closing.fiscal)
    check(closing.fiscal.z_number, 1, "Z number")
    check(closing.fiscal.process_data, "Kassenabschluss Z_NR=1", "closing process data")
    check(closing.summary.operation_count, 5, "operations in the closing")
    # 18.50 + 42.50 − 15.00 − 42.50; the float is no turnover.
    check(closing.summary.total_gross, 350, "turnover")
    check(closing.summary.total_by_payment_method.cash, 350, "cash")
    print(f"closing {closing.id}: z_number {closing.fiscal.z_number}, business date {closing.business_date}")
    print("quick start: every step answered as the README says")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
