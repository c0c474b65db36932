//! A unique-constraint violation answers its `409` by the constraint's name, never a `500`
//! (error.rs `CONSTRAINT_CODES`), on both backends: real rows written by the API, then written
//! again through the store's repository functions, and the store's error converted as a handler's
//! `?` would.

use openfiskal_api::ApiError;
use openfiskal_store::StoreError;
use openfiskal_store::repo::idempotency::{self, StoredResponse};
use openfiskal_store::repo::{fiscal_units, operations};
use openfiskal_testkit::both_backends;

use crate::operations::{cash, de};
use crate::*;

/// The answer a handler gives for `e`: status, code and `Retry-After`.
fn answer(e: StoreError) -> (u16, &'static str, Option<u64>) {
    let e = ApiError::from(e);
    (e.status.as_u16(), e.code, e.retry_after)
}

both_backends! {
    async fn unique_violations_answer_their_409_by_constraint_name(app) {
        let d = de(&app).await;
        let a = bearer(&d.w.org_key);
        let mut body = cash("in", 100);
        body["id"] = json!("7d0c8e52-0f4a-4c55-9a0e-3c1b2a4d5e6f");
        let path = format!("/v1/registers/{}/cash-movements", d.reg);
        app.send("POST", &path, &[("authorization", &a)], Some(&body)).await.expect(201, None);
        let mut c = app.store.read().await.unwrap();
        let op = operations::get(&mut c, &d.w.org, "7d0c8e52-0f4a-4c55-9a0e-3c1b2a4d5e6f").await.unwrap().unwrap();
        let unit = fiscal_units::get(&mut c, &d.w.org, &d.fu).await.unwrap().unwrap();
        drop(c);

        // Each write in its own transaction: a failed statement aborts a PostgreSQL transaction.
        let violation = |r: Result<(), StoreError>| {
            let e = r.unwrap_err();
            (e.unique_constraint().map(str::to_owned), answer(e))
        };

        // The client operation id again, under a new id and sequence number.
        let mut dup = op.clone();
        dup.id = "op_01JN3Q8W6ZK4T5V7X9Y2B3C4D5".into();
        dup.sequence_number += 1000;
        let mut tx = app.store.begin().await.unwrap();
        assert_eq!(
            violation(operations::insert(&mut tx, &dup).await),
            (Some("operations_client_id".into()), (409, "operation_id_conflict", None))
        );
        drop(tx);

        // A second current fiscal unit of the register.
        let mut second = unit.clone();
        second.id = "fu_01JN3Q8W6ZK4T5V7X9Y2B3C4D5".into();
        let mut tx = app.store.begin().await.unwrap();
        assert_eq!(
            violation(fiscal_units::insert(&mut tx, &second).await),
            (Some("fiscal_units_one_current".into()), (409, "fiscal_unit_already_active", None))
        );
        drop(tx);

        // An idempotency key stored by another instance first: retryable, `Retry-After: 1`.
        let stored = StoredResponse {
            scope_hash: vec![3; 32],
            organization_id: None,
            fingerprint: vec![7; 32],
            status: 201,
            headers: "[]".into(),
            body: b"sealed".to_vec(),
            created_at: 0,
            expires_at: i64::MAX,
        };
        let mut tx = app.store.begin().await.unwrap();
        idempotency::insert(&mut tx, &stored).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = app.store.begin().await.unwrap();
        assert_eq!(
            violation(idempotency::insert(&mut tx, &stored).await),
            (Some("idempotency_keys_pkey".into()), (409, "idempotency_key_in_use", Some(1)))
        );
        drop(tx);

        // Unique constraints without a code of their own: the generic `409 conflict`. (Each row
        // breaks one constraint only: which of several SQLite reports first is its own business.)
        let mut same_id = op.clone();
        same_id.client_operation_id = None;
        same_id.sequence_number += 3000;
        let mut tx = app.store.begin().await.unwrap();
        assert_eq!(
            violation(operations::insert(&mut tx, &same_id).await),
            (Some("operations_pkey".into()), (409, "conflict", None))
        );
        drop(tx);
        let mut same_sequence = op.clone();
        same_sequence.id = "op_01JN3Q8W6ZK4T5V7X9Y2B3C4D6".into();
        same_sequence.client_operation_id = None;
        let mut tx = app.store.begin().await.unwrap();
        assert_eq!(
            violation(operations::insert(&mut tx, &same_sequence).await),
            (Some("operations_register_id_sequence_number_key".into()), (409, "conflict", None))
        );
        drop(tx);

        // Not unique violations: a foreign key is a bug (`500`); a stale guarded update is a race the
        // request lost: `412` for the operation's own version, a retryable `503` for any other row.
        let mut orphan = same_sequence.clone();
        orphan.sequence_number += 2000;
        orphan.register_id = "reg_01JN3Q8W6ZK4T5V7X9Y2B3C4D5".into();
        let mut tx = app.store.begin().await.unwrap();
        let fk = operations::insert(&mut tx, &orphan).await.unwrap_err();
        assert!(fk.unique_constraint().is_none(), "{fk}");
        assert_eq!(answer(fk), (500, "internal_error", None));
        drop(tx);
        assert_eq!(answer(StoreError::stale("fiscal_units.signature_counter")), (503, "service_unavailable", Some(1)));
        assert_eq!(answer(StoreError::stale("operations.resource_version")), (412, "precondition_failed", None));

        // Nothing of it reached the API's data: the operation answers as before.
        app.send("GET", &format!("/v1/cash-movements/{}", op.id), &[("authorization", &a)], None).await.expect(200, None);
    }
}
