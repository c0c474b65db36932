//! The request bodies of the operation calls (api.md §7.4), one schema per type and call: the
//! start, PATCH (`…UpdateRequest`) and complete bodies of `sale`, `refund`, … Built from the same
//! field lists the server splits bodies by ([`OpKind::fields`]), so each schema names exactly the
//! fields that type and call accept; every other field is a `400`, so the bodies are closed
//! (`additionalProperties: false`).
//!
//! The handlers document the `sales` paths with the `Sale…Request` schemas; the other types' paths
//! are copies of those (`routes::operations::routes`), and [`per_type`] points each copy at its
//! own type's schema.

use std::borrow::Cow;

use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Ref, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::enums::{CashMovementDirection, CashMovementReason};
use super::model::{Customer, DiscountInput, LineItemInput, PaymentInput, ReturnLineInput};
use crate::routes::operations::kind::OpKind;
use crate::routes::operations::{Cashier, OriginalDocument};

/// The call a body belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `POST /v1/registers/{registerId}/{type}`.
    Start,
    /// `PATCH /v1/{type}/{operationId}`.
    Update,
    /// `POST /v1/{type}/{operationId}/complete`.
    Complete,
}

impl Call {
    /// Every call.
    pub const ALL: [Self; 3] = [Self::Start, Self::Update, Self::Complete];

    fn word(self) -> &'static str {
        match self {
            Self::Start => "Start",
            Self::Update => "Update",
            Self::Complete => "Complete",
        }
    }
}

/// The component name of the body of `call` for `kind`: `SaleStartRequest`, `CashMovementUpdateRequest`.
pub fn name(kind: OpKind, call: Call) -> String {
    let camel: String = kind
        .as_str()
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect();
    format!("{camel}{}Request", call.word())
}

fn reference(name: Cow<'static, str>) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

fn text(description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).description(Some(description))
}

fn nullable(types: Type, description: &str) -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::Array(vec![types, Type::Null]))
            .description(Some(description))
            .build(),
    ))
}

fn array(items: RefOr<Schema>, max: usize, description: &str) -> RefOr<Schema> {
    RefOr::T(Schema::Array(
        ArrayBuilder::new().items(items).max_items(Some(max)).description(Some(description)).build(),
    ))
}

/// A returned line: a reference to a line of the original operation, or (without an original) a
/// free line.
fn returned_line() -> RefOr<Schema> {
    RefOr::T(Schema::OneOf(
        OneOfBuilder::new()
            .item(reference(ReturnLineInput::name()))
            .item(reference(LineItemInput::name()))
            .description(Some("With an original operation: `{original_line_id, quantity}`; without one: a free line."))
            .build(),
    ))
}

fn nullable_ref(name: Cow<'static, str>, description: &str) -> RefOr<Schema> {
    RefOr::T(Schema::OneOf(
        OneOfBuilder::new()
            .item(reference(name))
            .item(RefOr::T(Schema::Object(ObjectBuilder::new().schema_type(Type::Null).build())))
            .description(Some(description))
            .build(),
    ))
}

/// The schema of body field `field` of `kind`; `refs` says whether it is one of the start's
/// references (a refund's `reason` is prose, a cash movement's an enum).
fn field(kind: OpKind, field: &str, refs: bool) -> RefOr<Schema> {
    let obj = |b: ObjectBuilder| RefOr::T(Schema::Object(b.build()));
    match field {
        "id" => obj(text(
            "A client UUID: repeating the start with the same `id` and body answers the stored operation (`200`).",
        )
        .format(Some(SchemaFormat::Custom("uuid".to_owned())))),
        "cashier" => reference(Cashier::name()),
        "external_id" => nullable(Type::String, "POS reference, ≤ 255 characters; `null` clears it."),
        "occurred_at" => obj(text("Device time (RFC 3339), at most 300 s in the future.")
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))),
        "currency" => obj(text("`EUR` (the default).")),
        "metadata" => obj(ObjectBuilder::new()
            .description(Some("Key-value pairs merged key by key (api.md §1.13): a key set to `null` is removed."))),
        "complete" => obj(ObjectBuilder::new().schema_type(Type::Boolean).description(Some(
            "`true`: a one-shot, started and completed in one call; the body then carries the complete fields too.",
        ))),
        "original_operation_id" => obj(text("`op_…` (or client UUID) of the original operation.")),
        "original_document" => {
            nullable_ref(OriginalDocument::name(), "IT only: an original issued outside OpenFiskal.")
        }
        "original_unknown" => obj(ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .description(Some("IT only: the original is unknown (printed `ND`)."))),
        "reason" if refs => obj(text("Why, ≤ 500 characters.")),
        "reason" => reference(CashMovementReason::name()),
        "direction" => reference(CashMovementDirection::name()),
        "amount" => obj(ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(1))
            .description(Some("Cents, > 0."))),
        "description" => nullable(Type::String, "≤ 200 characters."),
        "line_items" if matches!(kind, OpKind::Refund) => {
            array(returned_line(), 1000, "The returned lines (absent at completion: everything still refundable).")
        }
        "line_items" => array(reference(LineItemInput::name()), 1000, "The lines; a new list replaces the old one."),
        "returned_line_items" => array(returned_line(), 1000, "The returned lines."),
        "cart_discounts" => array(reference(DiscountInput::name()), 20, "Cart discounts, applied in order."),
        "customer" => nullable_ref(Customer::name(), "The customer, or `null`."),
        "payments" => array(
            reference(PaymentInput::name()),
            50,
            "Inbound − outbound must equal `totals.net_payable`; cash tendered and change are two payments.",
        ),
        "rounding_adjustment" => obj(ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .description(Some("IT only: the cash rounding to 0.05 (0 elsewhere)."))),
        other => obj(ObjectBuilder::new().description(Some(format!("`{other}`")))),
    }
}

/// The body schema of `call` for `kind`.
pub fn schema(kind: OpKind, call: Call) -> RefOr<Schema> {
    let fields = kind.fields();
    let common: &[&str] = match call {
        Call::Start => &["id", "cashier", "external_id", "occurred_at", "currency", "metadata", "complete"],
        Call::Update => &["cashier", "external_id", "metadata"],
        Call::Complete => &["cashier", "external_id", "metadata", "occurred_at"],
    };
    let mut b = ObjectBuilder::new().additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
    for f in common {
        b = b.property(*f, field(kind, f, false));
    }
    if call == Call::Start {
        for f in fields.refs {
            b = b.property(*f, field(kind, f, true));
        }
    }
    for f in fields.inputs {
        b = b.property(*f, field(kind, f, false));
    }
    if fields.payments && call != Call::Update {
        for f in ["payments", "rounding_adjustment"] {
            b = b.property(f, field(kind, f, false));
        }
    }
    let mut required: Vec<&str> = Vec::new();
    if call == Call::Start {
        required.push("cashier");
        if matches!(kind, OpKind::Void | OpKind::DepositCapture) {
            required.push("original_operation_id");
        }
        if kind == OpKind::CashMovement {
            required.extend(["direction", "amount", "reason"]);
        }
    }
    for r in required {
        b = b.required(r);
    }
    let what = match call {
        Call::Start => "The start body",
        Call::Update => "The PATCH body (not a fiscal event; every field replaces the stored one)",
        Call::Complete => "The complete body (applied before completion, so PATCH and complete may be one call)",
    };
    let mut description = format!("{what} of a `{}` operation (api.md §7.4).", kind.as_str());
    if call == Call::Start && fields.payments {
        description.push_str(" `payments` and `rounding_adjustment` only with `\"complete\": true`.");
    }
    RefOr::T(Schema::Object(b.description(Some(description)).build()))
}

/// The components every body refers to.
fn referenced(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    fn add<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
    add::<Cashier>(schemas);
    add::<OriginalDocument>(schemas);
    add::<LineItemInput>(schemas);
    add::<ReturnLineInput>(schemas);
    add::<DiscountInput>(schemas);
    add::<Customer>(schemas);
    add::<PaymentInput>(schemas);
    add::<CashMovementDirection>(schemas);
    add::<CashMovementReason>(schemas);
}

macro_rules! sale_body {
    ($(#[$m:meta])* $t:ident, $call:expr) => {
        $(#[$m])*
        pub struct $t;

        impl PartialSchema for $t {
            fn schema() -> RefOr<Schema> {
                schema(OpKind::Sale, $call)
            }
        }

        impl ToSchema for $t {
            fn name() -> Cow<'static, str> {
                Cow::Owned(name(OpKind::Sale, $call))
            }

            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                referenced(schemas);
            }
        }
    };
}

sale_body!(
    /// The start body of a sale (the handlers' annotation; other types get their own, [`per_type`]).
    SaleStartRequest,
    Call::Start
);
sale_body!(
    /// The PATCH body of a sale.
    SaleUpdateRequest,
    Call::Update
);
sale_body!(
    /// The complete body of a sale.
    SaleCompleteRequest,
    Call::Complete
);

/// Points the copied paths of each type at that type's body schemas and adds them as components.
pub(crate) fn per_type(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for kind in OpKind::ALL {
        for call in Call::ALL {
            components.schemas.entry(name(kind, call)).or_insert_with(|| schema(kind, call));
        }
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let Some(kind) = path.split('/').find_map(|s| OpKind::ALL.into_iter().find(|k| k.segment() == s)) else {
            continue;
        };
        for op in [&mut item.post, &mut item.patch].into_iter().flatten() {
            let Some(RefOr::T(body)) = op.request_body.as_mut() else { continue };
            for content in body.content.values_mut() {
                let RefOr::T(content) = content else { continue };
                if let Some(RefOr::Ref(r)) = content.schema.as_mut() {
                    for call in Call::ALL {
                        if r.ref_location == format!("#/components/schemas/{}", name(OpKind::Sale, call)) {
                            *r = Ref::from_schema_name(name(kind, call));
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_required_fields_follow_the_type() {
        assert_eq!(name(OpKind::CashMovement, Call::Update), "CashMovementUpdateRequest");
        assert_eq!(name(OpKind::DepositCapture, Call::Start), "DepositCaptureStartRequest");
        let json = |k, c| serde_json::to_value(schema(k, c)).unwrap_or_default();
        let void = json(OpKind::Void, Call::Start);
        assert_eq!(void["required"], serde_json::json!(["cashier", "original_operation_id"]));
        assert!(void["properties"].get("line_items").is_none(), "a void takes no lines");
        assert!(void["properties"].get("payments").is_none());
        assert_eq!(void["additionalProperties"], false);
        let patch = json(OpKind::Sale, Call::Update);
        assert!(patch.get("required").is_none() && patch["properties"].get("payments").is_none());
        assert!(json(OpKind::Refund, Call::Complete)["properties"]["payments"].is_object());
        assert_eq!(
            json(OpKind::CashMovement, Call::Start)["properties"]["reason"]["$ref"],
            "#/components/schemas/CashMovementReason"
        );
        assert_eq!(json(OpKind::Refund, Call::Start)["properties"]["reason"]["type"], "string");
    }
}
